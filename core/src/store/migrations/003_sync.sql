-- Sync: feedback records, the outbox of local edits, the feed cursor (in meta).

CREATE TABLE feedback (
    customer_id TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (customer_id, product_id)
) WITHOUT ROWID;

-- Local edits waiting for (or answered by) the server. seq is the device-scoped sequence
-- number: AUTOINCREMENT so that a number is never reused, even after its row is gone.
CREATE TABLE outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    made_at     TEXT NOT NULL,
    advisor_id  TEXT,
    customer_id TEXT,
    -- The protocol's MutationKind as JSON.
    body        TEXT NOT NULL,
    -- pending | applied | superseded | rejected
    state       TEXT NOT NULL DEFAULT 'pending',
    reason_code TEXT,
    reason      TEXT
);
CREATE INDEX outbox_by_state ON outbox(state, seq);
