-- E-mails and SMS written to customers (protocol 4): what they said and where sending stands,
-- on the card's timeline.
ALTER TABLE outreach ADD COLUMN subject TEXT;
ALTER TABLE outreach ADD COLUMN body TEXT;
-- pending, sent, failed, withdrawn; NULL for a call.
ALTER TABLE outreach ADD COLUMN delivery TEXT;
ALTER TABLE outreach ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outreach ADD COLUMN delivery_at TEXT;
ALTER TABLE outreach ADD COLUMN delivery_error TEXT;
