-- Advisors' notes on customers (protocol 4): seen by the store's advisors with author and date,
-- written offline and synced like other edits.
CREATE TABLE note (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    text        TEXT NOT NULL,
    -- Who wrote it last.
    advisor_id  TEXT,
    -- When (RFC 3339).
    written_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX note_by_customer ON note(customer_id, written_at);
