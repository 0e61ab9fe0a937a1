-- FIFO queues: what a send remembers of each deduplication id (for 5 minutes), and a
-- queue's messages by message group (a receive checks the group of each message it claims).

CREATE TABLE deduplications (
    queue text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    message_id text NOT NULL,
    seq bigint NOT NULL,
    expires_ms bigint NOT NULL,
    PRIMARY KEY (queue, key)
);

CREATE INDEX messages_by_group ON messages (queue, group_id, seq);

-- The AWSTraceHeader system attribute a message was sent with.
ALTER TABLE messages ADD COLUMN trace_header text;
