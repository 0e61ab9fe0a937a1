-- What a metrics scrape (and GetQueueAttributes) reads without going through messages.
--
-- queue_sizes: each queue's count of messages, kept by statement triggers (one upsert per
-- queue a statement touched, in its transaction) in slots, one per connection (its
-- backend's pid modulo 64): writers on many connections add and take without waiting on
-- one row (two connections sharing a slot take turns on it; a deadlock between them is a
-- TransactionConflict, run again); a reader sums a queue's slots.
CREATE TABLE queue_sizes (
    queue text COLLATE "C" NOT NULL,
    slot integer NOT NULL,
    messages bigint NOT NULL,
    PRIMARY KEY (queue, slot)
);

INSERT INTO queue_sizes (queue, slot, messages)
SELECT queue, 0, count(*) FROM messages GROUP BY queue;

CREATE FUNCTION queue_sizes_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO queue_sizes AS sizes (queue, slot, messages)
        SELECT queue, pg_backend_pid() % 64, count(*) FROM added GROUP BY queue ORDER BY queue
        ON CONFLICT (queue, slot) DO UPDATE SET messages = sizes.messages + excluded.messages;
    ELSE
        INSERT INTO queue_sizes AS sizes (queue, slot, messages)
        SELECT queue, pg_backend_pid() % 64, -count(*) FROM taken GROUP BY queue ORDER BY queue
        ON CONFLICT (queue, slot) DO UPDATE SET messages = sizes.messages + excluded.messages;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER queue_sizes_add AFTER INSERT ON messages
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION queue_sizes_count();
CREATE TRIGGER queue_sizes_take AFTER DELETE ON messages
    REFERENCING OLD TABLE AS taken FOR EACH STATEMENT EXECUTE FUNCTION queue_sizes_count();

-- The oldest message of a queue (ApproximateAgeOfOldestMessage), and retention's look.
CREATE INDEX messages_by_age ON messages (queue, sent_ms);

-- Counters (PutEvents entries, rules' matches, consumers' attempts...), in slots as above.
CREATE TABLE metric_counters (
    name text COLLATE "C" NOT NULL,
    labels text COLLATE "C" NOT NULL,
    slot integer NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (name, labels, slot)
);
