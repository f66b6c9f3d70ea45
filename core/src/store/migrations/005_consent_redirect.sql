-- Consent: the advisor who recorded a decision in a store. Merges: a merged customer's old id
-- and card lead to the customer she was merged into, so her old card still finds her.

ALTER TABLE consent ADD COLUMN advisor_id TEXT;

CREATE TABLE redirect (
    from_id   TEXT PRIMARY KEY,
    from_card TEXT,
    to_id     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX redirect_by_card ON redirect(from_card) WHERE from_card IS NOT NULL;
CREATE INDEX redirect_by_target ON redirect(to_id);
