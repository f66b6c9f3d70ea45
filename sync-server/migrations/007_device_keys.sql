-- Carnet sync server, schema 7: a device authenticates by its own key only (enrolment, leases,
-- signed requests), never by a bearer token. The token column goes; devices that had only a
-- token are revoked.
CREATE TABLE device_new (
    id              TEXT PRIMARY KEY,
    store_id        TEXT NOT NULL,
    label           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    revoked_at      TEXT,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    last_push_at    TEXT,
    public_key      BLOB,          -- Ed25519; NULL only for the revoked token devices of old
    app_version     TEXT,
    last_seen_at    TEXT,
    last_synced_at  TEXT,
    wipe_ordered_at TEXT
) STRICT;
INSERT INTO device_new (id, store_id, label, created_at, revoked_at, last_seq, last_push_at,
                        public_key, app_version, last_seen_at, last_synced_at, wipe_ordered_at)
SELECT id, store_id, label, created_at,
       CASE WHEN public_key IS NULL
            THEN coalesce(revoked_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            ELSE revoked_at END,
       last_seq, last_push_at, public_key, app_version, last_seen_at, last_synced_at,
       wipe_ordered_at
FROM device;
DROP TABLE device;
ALTER TABLE device_new RENAME TO device;
