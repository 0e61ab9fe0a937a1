"""Worker loop, idempotency guard and outbox relay (arrives with the embedded engine)."""
