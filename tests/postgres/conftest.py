"""The PostgreSQL tests' fixtures beside ``tests.support.postgres``'s."""

from tests.postgres.hosts import hosts

__all__ = ["hosts"]
