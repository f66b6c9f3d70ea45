-- Carnet sync server on PostgreSQL, schema 3: e-mails and SMS to customers, queued when a device pushes
-- them and sent by the server once each. `payload` is the message (subject, text, language,
-- the unsubscribe token); her address is read from her record when it is sent, so a changed
-- address or a withdrawn consent is honoured. `recipient_tag` is an HMAC of the number an SMS
-- went to, for a STOP reply; `unsubscribe_hash` is the SHA-256 of the e-mail's unsubscribe
-- token.
CREATE TABLE message (
    outreach_id      TEXT PRIMARY KEY,
    store_id         TEXT NOT NULL,
    customer_id      TEXT NOT NULL,
    channel          TEXT NOT NULL,
    payload          TEXT NOT NULL,
    -- pending | sent | failed | withdrawn
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    -- Unix milliseconds: when it may be tried next (a claim moves it ahead).
    next_attempt_at  BIGINT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    recipient_tag    TEXT,
    unsubscribe_hash TEXT
);
CREATE INDEX message_due ON message (state, next_attempt_at);
CREATE INDEX message_customer ON message (customer_id);
CREATE INDEX message_recipient ON message (recipient_tag) WHERE recipient_tag IS NOT NULL;
CREATE UNIQUE INDEX message_unsubscribe ON message (unsubscribe_hash)
    WHERE unsubscribe_hash IS NOT NULL;
