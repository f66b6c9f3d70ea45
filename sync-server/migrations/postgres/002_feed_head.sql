-- The feed's head as committed. The sequence behind `seq` also counts numbers taken by a
-- write not yet committed; a reader that took its value as the head would hand a device a
-- cursor past that write's rows, and the device would never get them. This row is written
-- in the same transaction as the rows, so a reader's snapshot sees a head that covers
-- exactly the rows it sees (writes are serialised by the write lock, so every number below
-- a committed head belongs to a committed write).
CREATE TABLE feed_head (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    seq      BIGINT NOT NULL
);

INSERT INTO feed_head (seq)
SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM feed_seq_seq;

CREATE FUNCTION feed_head_advance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE feed_head SET seq = GREATEST(seq, (SELECT max(seq) FROM inserted));
    RETURN NULL;
END
$$;

CREATE TRIGGER feed_head_advance AFTER INSERT ON feed
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION feed_head_advance();
