-- Customers whose tasks the feed may have changed since the tasks were derived (tasks::touched):
-- a sync's refresh derives theirs again rather than the whole store's. The empty id stands for
-- every customer (a product, campaign, advisor or model changed). Marks are kept only while
-- the stored tasks are for some day: before the first derivation there is nothing to update.
CREATE TABLE task_touched (customer_id TEXT PRIMARY KEY) WITHOUT ROWID;
-- A sync's refresh replaces the tasks of the customers it touched.
CREATE INDEX task_by_customer ON task(customer_id);
