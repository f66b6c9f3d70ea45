-- Carnet sync server, schema 8: the networks of a store, the address ranges (CIDR) its
-- handhelds reach the server from. A store without any serves no device request.
CREATE TABLE store_network (
    store_id TEXT NOT NULL,
    cidr     TEXT NOT NULL,   -- normalised (host bits cleared), IPv4 or IPv6
    added_at TEXT NOT NULL,
    PRIMARY KEY (store_id, cidr)
) STRICT, WITHOUT ROWID;
