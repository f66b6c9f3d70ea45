-- Protocol 3 (interchange format 2): the store's advisors, the client book a customer is in and
-- her birthday (day and month), who sold a line, when a product launches.
CREATE TABLE advisor (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    hired_on   TEXT NOT NULL,
    -- The day after her last working day, if she left.
    left_on    TEXT
);
ALTER TABLE customer ADD COLUMN advisor_id TEXT;
ALTER TABLE customer ADD COLUMN birthday TEXT;
CREATE INDEX customer_book ON customer(advisor_id) WHERE advisor_id IS NOT NULL;
ALTER TABLE purchase ADD COLUMN advisor_id TEXT;
ALTER TABLE product ADD COLUMN launch_on TEXT;
