"""Pure order, inventory and refund logic: no I/O, no framework (arrives with the order services)."""
