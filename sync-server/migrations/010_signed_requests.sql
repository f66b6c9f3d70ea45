-- Carnet sync server, schema 10: a signed write is accepted once, and the progress estimate a
-- cursor carries is authenticated with a key kept here (one key for every server replica).

-- Signed writes received within the request window, by the SHA-256 of the message the device
-- signed: the same request again is refused until its time is past the window anyway.
CREATE TABLE request_seen (
    digest     BLOB PRIMARY KEY,
    expires_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX request_seen_expiry ON request_seen (expires_ms);

INSERT INTO meta (key, value)
SELECT 'cursor_key', lower(hex(randomblob(32)))
WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'cursor_key');
