"""Running the services: the worker loop with its idempotency guard, the outbox relay,
the mail relay, and the delivery journal that ``orderflow trace`` reads.

- ``ports``: what the runtime needs from storage (``StateStore``) and from a mail server;
- ``worker``: receive a batch, handle each message exactly once, delete, retry with backoff;
- ``relay``: publish the outbox, in order, exactly once;
- ``mail``: send the mail outbox and record NotificationSent;
- ``journal``: the record of every delivery attempt.
"""
