-- Carnet sync server on PostgreSQL, schema 8: the web console's manager accounts and their
-- sessions. An account signs in with a password (Argon2id with the server's pepper, like a
-- PIN) and, when it has one, a TOTP code. `store_id` NULL is head office: every store.
CREATE TABLE console_account (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    store_id        TEXT,
    password_hash   TEXT NOT NULL,
    -- The TOTP secret in base32, for the authenticator app (sealed on PostgreSQL).
    totp_secret     TEXT,
    -- The last TOTP time step accepted: a code is good once.
    last_totp_step  BIGINT NOT NULL DEFAULT 0,
    -- 'en' or 'fr', her choice.
    language        TEXT NOT NULL DEFAULT 'en',
    -- Consecutive failed sign-ins, and until when (ms since the epoch) she is locked out.
    failures        BIGINT NOT NULL DEFAULT 0,
    locked_until_ms BIGINT NOT NULL DEFAULT 0,
    last_sign_in_at TEXT,
    created_at      TEXT NOT NULL
);

-- A signed-in browser: only the SHA-256 of its cookie is kept, with the session's CSRF token.
CREATE TABLE console_session (
    token_hash BYTEA PRIMARY KEY,
    account_id TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    seen_ms    BIGINT NOT NULL
);
CREATE INDEX console_session_account ON console_session (account_id);
