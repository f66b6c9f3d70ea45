-- Carnet sync server, schema 1.

-- Key/value facts about this database: the feed epoch (changes when the feed is rebuilt).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- The change feed: one row per live entity and per tombstone, per store scope.
-- store_id '' is the catalog, visible to every store (NULL would defeat the UNIQUE index).
-- A change deletes the entity's row(s) and inserts a new one with a new seq, so a store's feed
-- after a cursor is exactly the rows with seq > cursor.
CREATE TABLE feed (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id    TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    customer_id TEXT,             -- owning customer (customer, purchase, offer, feedback), live rows only
    deleted     INTEGER NOT NULL, -- 1 = tombstone
    payload     TEXT NOT NULL     -- the pre-serialised protocol `Change`
) STRICT;
CREATE UNIQUE INDEX feed_key ON feed (entity, entity_id, store_id);
CREATE INDEX feed_store_seq ON feed (store_id, seq);
CREATE INDEX feed_customer ON feed (customer_id) WHERE customer_id IS NOT NULL;

-- What the last import brought, per record: a hash of its canonical JSON.
CREATE TABLE imported (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    hash      BLOB NOT NULL,
    PRIMARY KEY (entity, entity_id)
) STRICT, WITHOUT ROWID;

-- Devices allowed to sync; only a hash of each token is kept.
CREATE TABLE device (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL,
    label       TEXT NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    last_seq    INTEGER NOT NULL DEFAULT 0,
    last_push_at TEXT
) STRICT;

-- The outcome of every applied mutation, so that a duplicate gets the same answer.
CREATE TABLE mutation_log (
    device_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT, WITHOUT ROWID;

-- Last edit time of a field of a subject (a customer's contact field, a purchase's gift flag).
CREATE TABLE edit_time (
    subject   TEXT NOT NULL,
    field     TEXT NOT NULL,
    edited_at TEXT NOT NULL,
    PRIMARY KEY (subject, field)
) STRICT, WITHOUT ROWID;

-- Consent changes recorded from devices (the customer record holds the current state).
CREATE TABLE consent_log (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    channel     TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    granted     INTEGER NOT NULL,
    source      TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    advisor_id  TEXT,
    made_at     TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX consent_log_customer ON consent_log (customer_id);

-- Feedback per (customer, product), last writer wins on the edit time; 'cleared' is kept so
-- that an older like arriving later does not resurrect it.
CREATE TABLE feedback (
    customer_id TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (customer_id, product_id)
) STRICT, WITHOUT ROWID;

-- Customers erased (GDPR): never imported again, every mutation about them rejected.
CREATE TABLE erased (
    customer_id TEXT PRIMARY KEY,
    erased_at   TEXT NOT NULL
) STRICT;

-- Who looked at which customer, when (never fed back to devices).
CREATE TABLE profile_view (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    store_id    TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    advisor_id  TEXT,
    viewed_at   TEXT NOT NULL,
    received_at TEXT NOT NULL
) STRICT;
CREATE INDEX profile_view_customer ON profile_view (customer_id);
