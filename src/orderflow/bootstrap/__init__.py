"""The composition root: the one place that picks and wires concrete adapters."""
