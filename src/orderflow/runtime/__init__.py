"""Running the services, whatever carries their events: the handling core, the worker
loop, the outbox and mail relays, and the delivery journal that ``orderflow trace`` reads.

- ``ports``: what the runtime needs from storage (``StateStore`` and the parts of its
  transactions) and from a mail server;
- ``transport``: what carries messages (``Transport``; ``JoiningTransport`` for one that
  can commit with a state transaction);
- ``handling``: a batch of messages handled in one state transaction, exactly once;
- ``commands``: commands several to a transaction, their events published;
- ``worker``: one consumer's loop, on either kind of transport;
- ``relay``: publish the outbox, in order, none lost;
- ``mail``: send the mail outbox and record NotificationSent;
- ``journal``: the record of every delivery attempt.
"""
