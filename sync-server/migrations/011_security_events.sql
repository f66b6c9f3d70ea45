-- Carnet sync server, schema 11: the security journal. Every refusal (401, 403, 409 replayed,
-- 429) and every administrative action (manager API and command line), with who, what, when
-- and from where; never a customer's data, a PIN or a token.
CREATE TABLE security_event (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    -- The store it concerns, when known.
    store_id   TEXT,
    -- 'device' (its lease verified), 'manager' (her token verified), 'operator' (the command
    -- line, with the account that ran it) or 'unknown'.
    actor_kind TEXT NOT NULL,
    actor_id   TEXT,
    -- What was asked: `POST /v1/admin/advisors/{id}/reset`, `cli advisor reset`.
    action     TEXT NOT NULL,
    -- 'refused' or 'done', with the status and error code of a refusal.
    outcome    TEXT NOT NULL,
    status     INTEGER,
    code       TEXT,
    -- What it was about: an advisor, device or store id, a network range.
    target     TEXT,
    -- The request's address, for requests.
    source     TEXT
) STRICT;
CREATE INDEX security_event_store ON security_event (store_id, id);
