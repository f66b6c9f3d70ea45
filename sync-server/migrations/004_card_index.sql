-- Registering a customer checks that no live customer has her card: an index on the card
-- inside the customers' feed payloads, rather than a scan of every customer.
CREATE INDEX feed_customer_card ON feed (json_extract(payload, '$.record.card'))
    WHERE entity = 'customer' AND deleted = 0;
