-- Carnet sync server, schema 5: the feed's first epoch is written by the schema itself, so
-- that opening the database needs nothing from the feed module. Databases made before this
-- version have an epoch already and keep it.
INSERT INTO meta (key, value)
SELECT 'epoch', lower(hex(randomblob(8)))
WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'epoch');
