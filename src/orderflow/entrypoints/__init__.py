"""Ways in: the command line today, the HTTP API later."""
