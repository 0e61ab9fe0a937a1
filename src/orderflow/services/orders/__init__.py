"""The order service: commands from the HTTP API (place, change, cancel) and the
order-processing consumer that follows each order through the events it causes."""
