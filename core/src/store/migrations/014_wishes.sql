-- Wish lists (protocol 4): products a customer wants later; a wished product's launch makes a
-- task for her advisor.
CREATE TABLE wish (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    note        TEXT,
    advisor_id  TEXT,
    -- When (RFC 3339).
    at          TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX wish_by_customer ON wish(customer_id);
