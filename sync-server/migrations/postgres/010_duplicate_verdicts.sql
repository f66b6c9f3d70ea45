-- Carnet sync server on PostgreSQL, schema 10: pairs of customers a manager said are not the
-- same person; the duplicate review never proposes them again. `first_id` < `second_id`.
CREATE TABLE not_duplicate (
    first_id  TEXT NOT NULL,
    second_id TEXT NOT NULL,
    store_id  TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (first_id, second_id)
);
