-- Search structures: folded name tokens for as-you-type lookup, e-mails folded for lookup,
-- and a full-text index over the catalog for history search ("fard à paupières", "rouge").

ALTER TABLE customer ADD COLUMN email_folded TEXT;
CREATE INDEX customer_email ON customer(email_folded) WHERE email_folded IS NOT NULL;

-- One row per token of a customer's first and last name (case and accents folded).
-- sort_key orders a token's customers by name, so the first page of a prefix is an index walk;
-- the postal code is copied here so that a postal filter needs no visit to the customer row.
CREATE TABLE customer_name (
    token       TEXT NOT NULL,
    sort_key    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    PRIMARY KEY (token, sort_key, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_name_by_postal_code ON customer_name(token, postal_code);
CREATE INDEX customer_name_by_customer ON customer_name(customer_id, token);

-- The distinct tokens with their customer counts: small enough to scan for typo tolerance.
CREATE TABLE name_vocabulary (
    token     TEXT PRIMARY KEY,
    customers INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER customer_name_added AFTER INSERT ON customer_name BEGIN
    INSERT INTO name_vocabulary (token, customers) VALUES (new.token, 1)
    ON CONFLICT (token) DO UPDATE SET customers = customers + 1;
END;
CREATE TRIGGER customer_name_removed AFTER DELETE ON customer_name BEGIN
    UPDATE name_vocabulary SET customers = customers - 1 WHERE token = old.token;
    DELETE FROM name_vocabulary WHERE token = old.token AND customers <= 0;
END;

-- Catalog text for history search; rowid = product.rowid.
CREATE VIRTUAL TABLE product_text USING fts5(
    name, shade, brand, category,
    tokenize = 'unicode61 remove_diacritics 2'
);
