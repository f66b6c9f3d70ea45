-- What a store books appointments with (protocol 5): its opening hours, services, cabins and
-- chairs, and its advisors' hours, each kept as the feed's record (JSON). The agenda reads a
-- store's all at once, so one table serves the four.
CREATE TABLE appointment_plan (
    -- `store_hours`, `service`, `resource` or `advisor_hours`.
    entity   TEXT NOT NULL,
    id       TEXT NOT NULL,
    store_id TEXT NOT NULL,
    record   TEXT NOT NULL,
    PRIMARY KEY (entity, id)
) WITHOUT ROWID;
CREATE INDEX appointment_plan_by_store ON appointment_plan(store_id);
