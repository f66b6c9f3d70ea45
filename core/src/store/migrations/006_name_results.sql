-- A name search answers from customer_name alone: what a result row shows is copied beside
-- each token, so a page of results reads no customer row (on a cold cache, each would be a
-- page to read and decrypt). The backfill fills them for every customer.
ALTER TABLE customer_name ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_name ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_name ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_name ADD COLUMN tier TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_name ADD COLUMN card_last4 TEXT NOT NULL DEFAULT '';
