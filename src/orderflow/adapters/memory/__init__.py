"""The engine's store in memory: one process, no file, for fast tests and simulations."""

from orderflow.adapters.memory.store import MemoryStore

__all__ = ["MemoryStore"]
