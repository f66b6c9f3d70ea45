-- Carnet sync server, schema 2: stores' policies, managers, advisors, enrolment, leases.

-- A store known to the back office and its policy (the catalog's stores come from the CRM).
CREATE TABLE store_policy (
    store_id               TEXT PRIMARY KEY,
    name                   TEXT NOT NULL,
    lease_ttl_secs         INTEGER NOT NULL,
    off_network_limit_secs INTEGER NOT NULL,
    idle_timeout_secs      INTEGER NOT NULL,
    created_at             TEXT NOT NULL
) STRICT;

-- Store managers: a bearer token (only its SHA-256 kept) scoped to one store.
CREATE TABLE manager (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL,
    label      TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT;

-- Advisors: identifier + PIN (argon2id PHC string, salted). Failed attempts count towards a
-- lockout; a success or a manager's reset clears them.
CREATE TABLE advisor (
    id              TEXT PRIMARY KEY,
    store_id        TEXT NOT NULL,
    name            TEXT NOT NULL,
    pin_hash        TEXT NOT NULL,
    disabled_at     TEXT,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX advisor_store ON advisor (store_id);

-- Failed sign-ins per device, to throttle guessing across advisors.
CREATE TABLE sign_in_failure (
    device_id TEXT NOT NULL,
    at        TEXT NOT NULL
) STRICT;
CREATE INDEX sign_in_failure_device ON sign_in_failure (device_id, at);

-- Advisors who signed in on a device: only they may appear in its pushed edits.
CREATE TABLE device_advisor (
    device_id     TEXT NOT NULL,
    advisor_id    TEXT NOT NULL,
    last_sign_in  TEXT NOT NULL,
    PRIMARY KEY (device_id, advisor_id)
) STRICT, WITHOUT ROWID;

-- One-time enrolment codes (only the SHA-256 of the normalised code is kept).
CREATE TABLE enrollment_code (
    code_hash  BLOB PRIMARY KEY,
    store_id   TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    device_id  TEXT
) STRICT;

-- Enrolled devices: their Ed25519 public key (NULL for development token devices), what they
-- report, and a wipe order.
ALTER TABLE device ADD COLUMN public_key BLOB;
ALTER TABLE device ADD COLUMN app_version TEXT;
ALTER TABLE device ADD COLUMN last_seen_at TEXT;
ALTER TABLE device ADD COLUMN last_synced_at TEXT;
ALTER TABLE device ADD COLUMN wipe_ordered_at TEXT;
