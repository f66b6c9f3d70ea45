-- Appointments (protocol 6): every booking of the store the device knows, its own unconfirmed
-- ones included. `confirmed` is the server's record as last received, to return to when an
-- edit made here is refused; `refused` says why (the core's `Refused`, JSON).
CREATE TABLE appointment (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    service_id  TEXT NOT NULL,
    advisor_id  TEXT NOT NULL,
    resource_id TEXT,
    -- Seconds since the Unix epoch (UTC): the service's time, then the buffer after it.
    start_at    INTEGER NOT NULL,
    end_at      INTEGER NOT NULL,
    buffer_min  INTEGER NOT NULL,
    -- provisional, confirmed, done, no_show, cancelled or refused
    status      TEXT NOT NULL,
    booked_by   TEXT,
    -- Edits made here that the server has not answered yet.
    pending     INTEGER NOT NULL DEFAULT 0,
    confirmed   TEXT,
    refused     TEXT
);
CREATE INDEX appointment_by_time ON appointment(store_id, start_at);
CREATE INDEX appointment_by_customer ON appointment(customer_id, start_at);
