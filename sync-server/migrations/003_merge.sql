-- Duplicate customers merged into another: the old id and card lead to the kept customer, no
-- import brings the old record back, and device mutations about her apply to the kept one.
CREATE TABLE merged (
    from_id   TEXT PRIMARY KEY,
    from_card TEXT,
    to_id     TEXT NOT NULL,
    merged_at TEXT NOT NULL,
    score     REAL,            -- the matcher's score, when it proposed the pair
    merged_by TEXT NOT NULL    -- 'manager' or 'auto'
) STRICT;
CREATE INDEX merged_to ON merged (to_id);
CREATE INDEX merged_card ON merged (from_card);
