"""Pure order, inventory and refund logic: no I/O, no framework (comes with the order services)."""
