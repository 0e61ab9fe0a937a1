"""The ``orderflow`` command (typer)."""
