-- One customer across channels and currencies. A store takes a currency; a line keeps what
-- was paid in its own currency (paid_minor, currency) and amount_cents becomes that amount in
-- her home store's currency at the rate of the day it was paid (what every figure sums),
-- rates_of naming the earlier day whose rate stood in, or 'none' when there was no rate at all
-- (amount_cents 0: left out of the figures, and the card says so). A line says how it was
-- sold, the order it belongs to and, for a return, the line it brings back. Caches made before
-- held euros only, in-store receipts only.
ALTER TABLE store ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';
ALTER TABLE purchase ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';
ALTER TABLE purchase ADD COLUMN paid_minor INTEGER NOT NULL DEFAULT 0;
UPDATE purchase SET paid_minor = amount_cents;
ALTER TABLE purchase ADD COLUMN rates_of TEXT;
ALTER TABLE purchase ADD COLUMN channel TEXT NOT NULL DEFAULT 'store';
ALTER TABLE purchase ADD COLUMN order_id TEXT;
ALTER TABLE purchase ADD COLUMN return_of TEXT;
-- The lines a later rate may convert again.
CREATE INDEX purchase_rated_earlier ON purchase(currency) WHERE rates_of IS NOT NULL;

-- Daily rates against the euro, as published: units of the currency one euro bought.
CREATE TABLE rate (
    currency TEXT NOT NULL,
    day      TEXT NOT NULL,
    per_euro TEXT NOT NULL,
    PRIMARY KEY (currency, day)
) WITHOUT ROWID;
