-- Carnet sync server, schema 14: the client book's tasks each store's nightly run made (the
-- core's rules over the store's feed), replaced by the next run. `detail` is the task's reason
-- as the core encodes it (JSON), for the manager's figures.
CREATE TABLE task (
    store_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    advisor_id  TEXT,
    kind        TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    made_on     TEXT NOT NULL,
    PRIMARY KEY (store_id, id)
) STRICT;
CREATE INDEX task_customer ON task (customer_id);
