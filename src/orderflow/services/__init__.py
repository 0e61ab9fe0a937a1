"""The order services: orders, inventory, notifications, analytics and refunds.

They never import each other; they meet only through events on the bus. Each
declares its ``Subscription`` (a queue, the rule that feeds it, a handler per
detail-type); ``topology`` gathers them into the system's topology. Handlers are
plain functions of a ``HandlerContext`` and the received ``Envelope``: they read
and write their service's records and emit events through the context, all inside
the one transaction the runtime opens for them.
"""
