-- The embedded engine's tables: SQS-style queues and messages, EventBridge buses, rules,
-- targets, archives, replays and pending function invocations.
-- Names and keys sort by code point (COLLATE "C"), as the other stores list them.

CREATE TABLE queues (
    name text COLLATE "C" PRIMARY KEY,
    attributes text NOT NULL,
    tags text NOT NULL,
    created_ms bigint NOT NULL,
    modified_ms bigint NOT NULL,
    last_purge_ms bigint
);

CREATE TABLE messages (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue text COLLATE "C" NOT NULL,
    message_id text NOT NULL,
    body text NOT NULL,
    attributes text NOT NULL,
    sent_ms bigint NOT NULL,
    visible_at_ms bigint NOT NULL,
    receive_count integer NOT NULL,
    first_receive_ms bigint,
    receipt_handle text,
    group_id text,
    dedup_id text,
    dead_letter_source text
);

-- Receiving: the visible messages of a queue, longest-waiting first.
CREATE INDEX messages_by_visibility ON messages (queue, visible_at_ms, seq);
-- Inspection, moves and retention: a queue's messages in storing order.
CREATE INDEX messages_by_queue ON messages (queue, seq);

-- Newest first: by start, then by last save (each save draws a new number).
CREATE SEQUENCE move_task_saves AS bigint;

CREATE TABLE move_tasks (
    handle text PRIMARY KEY,
    source text COLLATE "C" NOT NULL,
    started_ms bigint NOT NULL,
    saved bigint NOT NULL DEFAULT nextval('move_task_saves'),
    task text NOT NULL
);

CREATE INDEX move_tasks_by_source ON move_tasks (source, started_ms);

CREATE TABLE meta (key text PRIMARY KEY, value bigint NOT NULL);

INSERT INTO meta (key, value) VALUES ('topology_version', 0);

CREATE TABLE buses (name text COLLATE "C" PRIMARY KEY, record text NOT NULL);

CREATE TABLE rules (
    bus text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    record text NOT NULL,
    PRIMARY KEY (bus, name)
);

CREATE TABLE targets (
    bus text COLLATE "C" NOT NULL,
    rule text COLLATE "C" NOT NULL,
    target_id text COLLATE "C" NOT NULL,
    record text NOT NULL,
    PRIMARY KEY (bus, rule, target_id)
);

CREATE TABLE archives (name text COLLATE "C" PRIMARY KEY, record text NOT NULL);

CREATE TABLE archived_events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    archive text COLLATE "C" NOT NULL,
    event_id text NOT NULL,
    time_ms bigint NOT NULL,
    archived_ms bigint NOT NULL,
    event text NOT NULL
);

CREATE INDEX archived_by_time ON archived_events (archive, time_ms, seq);
CREATE INDEX archived_by_age ON archived_events (archive, archived_ms);

CREATE TABLE replays (name text COLLATE "C" PRIMARY KEY, record text NOT NULL);

CREATE TABLE invocations (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    function text COLLATE "C" NOT NULL,
    due_ms bigint NOT NULL,
    attempts integer NOT NULL,
    record text NOT NULL
);

CREATE INDEX invocations_due ON invocations (function, due_ms, seq);
