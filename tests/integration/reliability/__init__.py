"""Reliability tests with real processes: SIGKILL, always-failing handlers, malformed input."""
