-- Contacts with customers made from the store (protocol 4): the card's timeline, and the quiet
-- period the tasks and the next contact respect.
CREATE TABLE outreach (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    channel     TEXT NOT NULL,
    task_id     TEXT,
    advisor_id  TEXT,
    -- When (RFC 3339).
    at          TEXT NOT NULL,
    -- How a call went (reached, no_answer, voicemail, wrong_number).
    outcome     TEXT,
    -- 1 when it counts as a contact for the quiet period.
    contacted   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX outreach_by_customer ON outreach(customer_id, at);
