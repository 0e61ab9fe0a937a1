-- The order services' tables, beside the engine's (prefix svc_), and the locked read of a
-- document that keeps two workers' read-modify-writes of it from losing an update.

CREATE TABLE svc_documents (
    kind text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (kind, key)
);

CREATE TABLE svc_processed (
    consumer text NOT NULL,
    event_id text NOT NULL,
    processed_ms bigint NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

CREATE INDEX svc_processed_by_age ON svc_processed (processed_ms);

CREATE TABLE svc_outbox (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL UNIQUE,
    correlation_id text NOT NULL,
    causation_id text,
    source text NOT NULL,
    detail_type text NOT NULL,
    detail text NOT NULL,
    bus text NOT NULL,
    created_ms bigint NOT NULL,
    published_ms bigint,
    failures integer NOT NULL DEFAULT 0,
    last_error text,
    leased_until_ms bigint
);

CREATE INDEX svc_outbox_pending ON svc_outbox (seq) WHERE published_ms IS NULL;
CREATE INDEX svc_outbox_by_correlation ON svc_outbox (correlation_id);
CREATE INDEX svc_outbox_by_age ON svc_outbox (published_ms) WHERE published_ms IS NOT NULL;

CREATE TABLE svc_attempts (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consumer text NOT NULL,
    message_id text NOT NULL,
    event_id text NOT NULL,
    correlation_id text NOT NULL,
    causation_id text,
    source text NOT NULL,
    detail_type text NOT NULL,
    receive_count integer NOT NULL,
    outcome text NOT NULL,
    error text,
    started_ms bigint NOT NULL,
    duration_ms double precision NOT NULL
);

CREATE INDEX svc_attempts_by_correlation ON svc_attempts (correlation_id);
CREATE INDEX svc_attempts_by_message ON svc_attempts (message_id);
CREATE INDEX svc_attempts_by_age ON svc_attempts (started_ms);

CREATE TABLE svc_mail_outbox (
    message_id text PRIMARY KEY,
    order_id text NOT NULL,
    kind text NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    correlation_id text NOT NULL,
    causation_id text NOT NULL,
    created_ms bigint NOT NULL,
    sent_ms bigint,
    failures integer NOT NULL DEFAULT 0,
    last_error text
);

CREATE INDEX svc_mail_pending ON svc_mail_outbox (created_ms) WHERE sent_ms IS NULL;
CREATE INDEX svc_mail_by_age ON svc_mail_outbox (sent_ms) WHERE sent_ms IS NOT NULL;

-- A document read for a change: first the transaction-scoped advisory lock on its kind and
-- key (held to commit; it exists whether the document does or not), then the read. Both in
-- one call, and in this order for a reason: a VOLATILE function takes a fresh snapshot for
-- each statement it runs, so the read sees what the lock's previous holder committed. (In
-- one plain statement, "SELECT pg_advisory_xact_lock(...), (SELECT body ...)", the read
-- would use the statement's snapshot, taken before the wait, and lose that update.)
CREATE FUNCTION svc_document_for_update(wanted_kind text, wanted_key text)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(wanted_kind || '/' || wanted_key, 0));
    RETURN (SELECT body FROM svc_documents WHERE kind = wanted_kind AND key = wanted_key);
END
$$;
