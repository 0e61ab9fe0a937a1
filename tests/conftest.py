"""Fixtures every test directory may use: PostgreSQL (``tests.support.postgres``)."""

pytest_plugins = ["tests.support.postgres"]
