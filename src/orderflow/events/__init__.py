"""The event contracts the order services exchange, and how to read them.

- ``envelope``: an EventBridge event as a consumer receives it, and its metadata
  (eventId, correlationId, causationId);
- ``contracts``: pydantic models per detail-type and version;
- ``registry``: which model reads which (detail-type, version), with upcasting to
  the latest version; ``decode`` is what consumers call;
- ``legacy``: the flat shape of the widely copied Node.js tutorial publisher,
  mapped onto the canonical model;
- ``schemas``: JSON Schema export.
"""

from orderflow.events.envelope import Envelope, parse_envelope
from orderflow.events.errors import (
    ContractError,
    MalformedEvent,
    UnknownEventType,
    UnknownEventVersion,
)
from orderflow.events.registry import decode, decode_as, decode_latest

__all__ = [
    "ContractError",
    "Envelope",
    "MalformedEvent",
    "UnknownEventType",
    "UnknownEventVersion",
    "decode",
    "decode_as",
    "decode_latest",
    "parse_envelope",
]
