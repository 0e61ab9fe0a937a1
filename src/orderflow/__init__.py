"""orderflow: event-driven order processing that behaves like Amazon EventBridge + SQS.

Layers, as packages, with dependencies pointing down only (checked by import-linter):

    entrypoints   command line (typer), later the HTTP API
    bootstrap     the one place that picks and wires concrete adapters
    adapters      storage and delivery adapters
    runtime       worker loop, idempotency guard, outbox relay
    services      order, inventory, notification, analytics, refund services
    events        event envelope and contracts
    eventbus      the generic engine: patterns, input transformation
    domain        pure order logic, no I/O
"""

__version__ = "0.1.0"
