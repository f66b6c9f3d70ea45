-- Carnet sync server, schema 6: an advisor's identifier is unique within her store only, so
-- that one store's manager can neither take nor probe another store's identifiers.
CREATE TABLE advisor_new (
    store_id        TEXT NOT NULL,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    pin_hash        TEXT NOT NULL,
    disabled_at     TEXT,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (store_id, id)
) STRICT;
INSERT INTO advisor_new (store_id, id, name, pin_hash, disabled_at, failed_attempts,
                         locked_until, created_at)
SELECT store_id, id, name, pin_hash, disabled_at, failed_attempts, locked_until, created_at
FROM advisor;
DROP TABLE advisor;
ALTER TABLE advisor_new RENAME TO advisor;
