-- The client book's tasks. `task` is what the device derived from its data for the day kept in
-- meta `tasks_day` (replaced whole at each refresh); `task_state` is what advisors did with
-- them, kept across refreshes (a done task stays done) and synced like other edits.
CREATE TABLE task (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    -- The advisor whose book she is in; NULL for the store's group tasks.
    advisor_id  TEXT,
    kind        TEXT NOT NULL,
    -- The kind and its arguments (JSON), for the wording.
    detail      TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    -- The channels she may be reached on for marketing: any of email, sms, phone, comma-separated.
    channels    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX task_by_advisor ON task(advisor_id, due_on);

CREATE TABLE task_state (
    task_id     TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    -- taken | done | snoozed | dismissed
    state       TEXT NOT NULL,
    -- Who took, did, snoozed or dismissed it.
    advisor_id  TEXT,
    -- Snoozed until this day.
    until       TEXT,
    -- Why it was dismissed.
    reason      TEXT,
    -- When (RFC 3339).
    at          TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX task_state_by_customer ON task_state(customer_id);
