-- Carnet sync server on PostgreSQL, schema 7: reminders of a booking go through the message
-- queue. A reminder's row names its booking, so that moving or cancelling the booking
-- withdraws the reminders not yet sent; `next_attempt_at` is when it is due (24 h and 2 h
-- before).
ALTER TABLE message ADD COLUMN booking_id TEXT;
CREATE INDEX message_booking ON message (booking_id) WHERE booking_id IS NOT NULL;
