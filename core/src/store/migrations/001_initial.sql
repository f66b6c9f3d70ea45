-- The store's catalog and customers, as the sync feed and the bulk loader deliver them.
-- Ids are the CRM's own (text): a record may arrive before or after the records it refers to,
-- and applies the same either way.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE store (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    country     TEXT NOT NULL,
    city        TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    timezone    TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE brand (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    positioning TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE category (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    parent_id TEXT,
    sensitive INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE product (
    id            TEXT PRIMARY KEY,
    ean           TEXT NOT NULL,
    line_id       TEXT NOT NULL,
    name          TEXT NOT NULL,
    brand_id      TEXT NOT NULL,
    category_id   TEXT NOT NULL,
    shade         TEXT,
    size          TEXT,
    price_cents   INTEGER NOT NULL,
    replenishable INTEGER NOT NULL,
    cycle_days    INTEGER
);

CREATE TABLE customer (
    id            TEXT PRIMARY KEY,
    card          TEXT NOT NULL UNIQUE,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    email         TEXT,
    phone         TEXT,
    -- The phone in E.164 when it parses for the customer's country, for lookups.
    phone_e164    TEXT,
    line1         TEXT NOT NULL,
    postal_code   TEXT NOT NULL,
    city          TEXT NOT NULL,
    country       TEXT NOT NULL,
    language      TEXT NOT NULL,
    home_store_id TEXT NOT NULL,
    tier          TEXT NOT NULL,
    points        INTEGER NOT NULL,
    customer_type TEXT NOT NULL,
    segment       TEXT NOT NULL,
    created_on    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX customer_phone ON customer(phone_e164) WHERE phone_e164 IS NOT NULL;

CREATE TABLE consent (
    customer_id TEXT NOT NULL,
    channel     TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    granted     INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (customer_id, channel, purpose)
) WITHOUT ROWID;

CREATE TABLE purchase (
    id           TEXT PRIMARY KEY,
    receipt_id   TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    store_id     TEXT NOT NULL,
    -- Seconds since the Unix epoch, UTC.
    bought_at    INTEGER NOT NULL,
    product_id   TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    gift         INTEGER NOT NULL
);
CREATE INDEX purchase_by_customer ON purchase(customer_id, bought_at);

CREATE TABLE offer (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    title       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    value       INTEGER NOT NULL,
    brand_id    TEXT,
    category_id TEXT,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT NOT NULL,
    used_at     TEXT
) WITHOUT ROWID;
CREATE INDEX offer_by_customer ON offer(customer_id, valid_to);
