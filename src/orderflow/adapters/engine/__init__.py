"""The embedded engine as the services' transport (``InEngineTransport``): its
operations run on their own, or inside a state transaction of a store that shares the
engine's (``EngineBound``: the memory and SQLite state stores)."""

from orderflow.adapters.engine.transport import EngineBound, InEngineTransport

__all__ = ["EngineBound", "InEngineTransport"]
