"""The storage port the services use, declared by the public API (``orderflow.app.state``)
and named here too for the adapters that implement it."""

from orderflow.app.state import OutgoingEvent, OutgoingMail, ServiceState

__all__ = ["OutgoingEvent", "OutgoingMail", "ServiceState"]
