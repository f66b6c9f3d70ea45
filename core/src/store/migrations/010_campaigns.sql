-- Head office's campaigns in the store's scope (protocol 4), kept whole as the feed sends them.
CREATE TABLE campaign (
    id   TEXT PRIMARY KEY,
    -- The CampaignRecord (JSON).
    body TEXT NOT NULL
) WITHOUT ROWID;
