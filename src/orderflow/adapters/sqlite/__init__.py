"""The engine's store on one SQLite file: the default, embedded, multi-process backend."""

from orderflow.adapters.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
