-- Many workers on one database: documents locked without deadlocks (see
-- adapters/postgres/document_locks.py), and emails leased to one mail relay at a time.
--
-- A transaction waits for a document's lock only while it holds no other, or while it
-- takes a whole set at once, in one order every transaction shares (the locks' keys,
-- ascending); any further lock is only tried, and a busy one rolls the transaction back
-- to be run again with that set. No transaction then waits while holding a lock that
-- another waiting one needs in a different order: no deadlock to wait out.
--
-- svc_document_for_update (0002) stays, unused by this version, for a process of the
-- previous one still running while the database is upgraded.

-- Lock the documents named 'kind/key' in the shared order, waiting for each; then read one.
CREATE FUNCTION svc_documents_for_update(wanted text[], wanted_kind text, wanted_key text)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    lock_key bigint;
BEGIN
    FOR lock_key IN
        SELECT DISTINCT hashtextextended(name, 0) FROM unnest(wanted) AS name ORDER BY 1
    LOOP
        PERFORM pg_advisory_xact_lock(lock_key);
    END LOOP;
    -- A statement of its own, after the waits: its snapshot sees the last holder's commit.
    RETURN (SELECT body FROM svc_documents WHERE kind = wanted_kind AND key = wanted_key);
END
$$;

-- Try a document's lock without waiting; when taken, read the document.
CREATE FUNCTION svc_document_try_for_update(
    wanted_kind text, wanted_key text, OUT locked boolean, OUT document text
)
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
    locked := pg_try_advisory_xact_lock(hashtextextended(wanted_kind || '/' || wanted_key, 0));
    IF locked THEN
        document := (SELECT d.body FROM svc_documents AS d
                     WHERE d.kind = wanted_kind AND d.key = wanted_key);
    END IF;
END
$$;

-- An email's lease: mail relays on many processes take disjoint emails to send
-- (lease_mail, FOR UPDATE SKIP LOCKED), as the event outbox's relays take rows.
ALTER TABLE svc_mail_outbox ADD COLUMN leased_until_ms bigint;
