-- Carnet sync server, schema 18: the last purchase row in one lookup, so that the managers'
-- dashboard knows at once whether the store sales it keeps are still those of the purchases
-- (see `sales::version`).
CREATE INDEX feed_entity_seq ON feed (entity, seq);
