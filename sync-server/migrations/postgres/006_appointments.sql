-- Carnet sync server on PostgreSQL, schema 6: the store's bookings, as the authority that
-- confirms them. A booking holds its advisor and resource from `start_at` to `held_until` (its
-- buffer included) and its customer to `end_at` (seconds since the Unix epoch, UTC). Each is
-- also a (sealed) record in its store's feed; this table holds no name, only ids and times.
CREATE TABLE appointment (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    service_id  TEXT NOT NULL,
    advisor_id  TEXT NOT NULL,
    resource_id TEXT,
    start_at    BIGINT NOT NULL,
    end_at      BIGINT NOT NULL,
    held_until  BIGINT NOT NULL,
    status      TEXT NOT NULL,
    -- the advisor who booked it
    booked_by   TEXT
);
CREATE INDEX appointment_time ON appointment (store_id, start_at);
CREATE INDEX appointment_customer ON appointment (customer_id);
