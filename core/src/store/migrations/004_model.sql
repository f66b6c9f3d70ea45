-- Recommendation: the model the server ships (one live row, replaced by each new build) and
-- the store's personalisation policy (suppression of sensitive categories, market rules).

-- The artifact as received, kept only once it decoded: a damaged download never replaces a
-- working model. A rowid table: the blob is megabytes.
CREATE TABLE reco_model (
    id       TEXT PRIMARY KEY,
    version  INTEGER NOT NULL,
    built_at TEXT NOT NULL,
    bytes    BLOB NOT NULL
);

CREATE TABLE store_policy (
    store_id           TEXT PRIMARY KEY,
    suppress_sensitive INTEGER NOT NULL,
    -- carnet_reco::Rule list as JSON.
    rules              TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) WITHOUT ROWID;
