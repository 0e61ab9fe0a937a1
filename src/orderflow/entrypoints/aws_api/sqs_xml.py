"""The SQS query protocol's answers: response documents written as SQS's XML."""

from __future__ import annotations

from typing import Any, Final
from xml.sax.saxutils import escape

from orderflow.entrypoints.aws_api.sqs_query import MAPS

NAMESPACE: Final = "http://queue.amazonaws.com/doc/2012-11-05/"
_CARRIAGE_RETURN: Final = {"\r": "&#xD;"}  # kept through XML parsing, as SQS does

LIST_ELEMENTS: Final = {
    "QueueUrls": "QueueUrl",
    "queueUrls": "QueueUrl",
    "Messages": "Message",
    "Failed": "BatchResultErrorEntry",
    "Results": "ListMessageMoveTasksResultEntry",
}
"""List members and the element each item is written as (flattened, as SQS does)."""

MAP_ELEMENTS: Final = {
    member: (element, key, value) for element, (member, key, value) in MAPS.items()
}
"""Map members and how each entry is written: the flattened names requests use too."""


def response_xml(action: str, document: dict[str, Any], request_id: str) -> bytes:
    """``<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>...``."""
    entry = f"{action}ResultEntry"
    result = "".join(_member(key, value, entry) for key, value in document.items())
    return (
        f'<?xml version="1.0"?><{action}Response xmlns="{NAMESPACE}">'
        f"<{action}Result>{result}</{action}Result>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    ).encode()


def error_xml(code: str, message: str, request_id: str, *, sender: bool) -> bytes:
    kind = "Sender" if sender else "Receiver"
    return (
        f'<?xml version="1.0"?><ErrorResponse xmlns="{NAMESPACE}"><Error><Type>{kind}</Type>'
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message><Detail/></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def _member(key: str, value: Any, batch_entry: str) -> str:
    if key in MAP_ELEMENTS and isinstance(value, dict):
        element, key_field, value_field = MAP_ELEMENTS[key]
        return "".join(
            f"<{element}><{key_field}>{escape(str(name))}</{key_field}>"
            f"{_member(value_field, item, batch_entry)}</{element}>"
            for name, item in value.items()
        )
    if isinstance(value, list):
        element = batch_entry if key == "Successful" else LIST_ELEMENTS.get(key, key)
        return "".join(_element(element, item, batch_entry) for item in value)
    return _element(key, value, batch_entry)


def _element(name: str, value: Any, batch_entry: str) -> str:
    if isinstance(value, dict):
        inner = "".join(_member(key, item, batch_entry) for key, item in value.items())
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, bool):
        return f"<{name}>{'true' if value else 'false'}</{name}>"
    return f"<{name}>{escape(str(value), _CARRIAGE_RETURN)}</{name}>"
