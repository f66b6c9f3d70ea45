-- Carnet sync server on PostgreSQL, schema 4: each store's quiet period after a contact with a
-- customer (days), told to its devices with the rest of its policy.
ALTER TABLE store_policy ADD COLUMN quiet_period_days BIGINT NOT NULL DEFAULT 7;
