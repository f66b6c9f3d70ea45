-- Carnet sync server, schema 15: the store's bookings, as the authority that confirms them.
-- A booking holds its advisor and resource from `start_at` to `held_until` (its buffer
-- included) and its customer to `end_at` (seconds since the Unix epoch, UTC). Each is also a
-- record in its store's feed.
CREATE TABLE appointment (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    service_id  TEXT NOT NULL,
    advisor_id  TEXT NOT NULL,
    resource_id TEXT,
    start_at    INTEGER NOT NULL,
    end_at      INTEGER NOT NULL,
    held_until  INTEGER NOT NULL,
    status      TEXT NOT NULL,
    -- the advisor who booked it
    booked_by   TEXT
) STRICT;
CREATE INDEX appointment_time ON appointment (store_id, start_at);
CREATE INDEX appointment_customer ON appointment (customer_id);
