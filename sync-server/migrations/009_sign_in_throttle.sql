-- Carnet sync server, schema 9: PIN guessing is charged to the device before the PIN is
-- checked, throttled per device with a growing wait, and locks an advisor on one device (or,
-- after failures on several, in the whole store until a manager unlocks her). Identifiers are
-- counted whether or not an advisor has them, so that no answer tells who exists.

-- Every sign-in attempt that reached a PIN check, charged before the check (ok NULL until it
-- is known): a device's recent failures decide how long it waits before its next attempt.
CREATE TABLE sign_in_attempt (
    id         INTEGER PRIMARY KEY,
    device_id  TEXT NOT NULL,
    store_id   TEXT NOT NULL,
    advisor_id TEXT NOT NULL,  -- as typed: an advisor of the store or not
    at_ms      INTEGER NOT NULL,
    ok         INTEGER         -- NULL while the PIN is checked, then 1 (right) or 0 (wrong)
) STRICT;
CREATE INDEX sign_in_attempt_device ON sign_in_attempt (device_id, at_ms);
CREATE INDEX sign_in_attempt_advisor ON sign_in_attempt (store_id, advisor_id, at_ms);
CREATE INDEX sign_in_attempt_time ON sign_in_attempt (at_ms);

-- An identifier locked on one device after consecutive failures there.
CREATE TABLE sign_in_device_lock (
    store_id        TEXT NOT NULL,
    advisor_id      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    failures        INTEGER NOT NULL,  -- consecutive, since her last success or lockout
    locks           INTEGER NOT NULL,  -- lockouts since her last success: each lasts longer
    locked_until_ms INTEGER,
    updated_ms      INTEGER NOT NULL,
    PRIMARY KEY (store_id, advisor_id, device_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX sign_in_device_lock_updated ON sign_in_device_lock (updated_ms);

-- An identifier locked on every device of the store, until a manager unlocks her; failures
-- count from `counted_from_ms` (her last unlock) within the last day.
CREATE TABLE sign_in_store_lock (
    store_id        TEXT NOT NULL,
    advisor_id      TEXT NOT NULL,
    counted_from_ms INTEGER NOT NULL,
    locked_at_ms    INTEGER,
    PRIMARY KEY (store_id, advisor_id)
) STRICT, WITHOUT ROWID;

DROP TABLE sign_in_failure;
ALTER TABLE advisor DROP COLUMN failed_attempts;
ALTER TABLE advisor DROP COLUMN locked_until;
