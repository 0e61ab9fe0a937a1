"""The three wire protocols the endpoint speaks, from request to operation and back.

- EventBridge, JSON 1.1: ``X-Amz-Target: AWSEvents.PutEvents``, a JSON body.
- SQS, JSON 1.0 (current SDKs): ``X-Amz-Target: AmazonSQS.SendMessage``; errors also
  carry ``x-amzn-query-error: <query code>;Sender`` for SDKs that map query codes.
- SQS, query (older SDKs): a form (POST body or GET query string) with ``Action=``,
  answered in XML; the queue URL may be the request path.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl

import orjson

from orderflow.entrypoints.aws_api import eventbridge, sqs
from orderflow.entrypoints.aws_api.asgi import HttpRequest, HttpResponse
from orderflow.entrypoints.aws_api.errors import (
    InvalidAction,
    SerializationException,
    UnknownOperationException,
    error_codes,
)
from orderflow.entrypoints.aws_api.params import MissingError
from orderflow.entrypoints.aws_api.sqs_query import query_members
from orderflow.entrypoints.aws_api.sqs_xml import error_xml, response_xml
from orderflow.eventbus.errors import AwsError

FORM: Final = "application/x-www-form-urlencoded"


class Protocol(enum.Enum):
    EVENTS_JSON = ("AWSEvents", "application/x-amz-json-1.1")
    SQS_JSON = ("AmazonSQS", "application/x-amz-json-1.0")
    SQS_QUERY = ("", "text/xml")

    def __init__(self, target_prefix: str, content_type: str) -> None:
        self.target_prefix = target_prefix
        self.content_type = content_type


_SERVICES: Final[Mapping[Protocol, tuple[Mapping[str, Any], MissingError]]] = {
    Protocol.EVENTS_JSON: (eventbridge.OPERATIONS, eventbridge.missing_member),
    Protocol.SQS_JSON: (sqs.OPERATIONS, sqs.missing_member),
    Protocol.SQS_QUERY: (sqs.OPERATIONS, sqs.missing_member),
}
_BY_PREFIX: Final = {protocol.target_prefix: protocol for protocol in Protocol}


@dataclass(frozen=True)
class Call:
    """One operation asked for, with its members."""

    protocol: Protocol
    operation: str
    members: dict[str, Any]

    @property
    def service(self) -> str:
        return "events" if self.protocol is Protocol.EVENTS_JSON else "sqs"


def guess_protocol(headers: Mapping[str, str]) -> Protocol:
    """Which protocol the request speaks (for answering errors before it is parsed)."""
    target = headers.get("x-amz-target", "")
    if target:
        return _BY_PREFIX.get(target.split(".", 1)[0], Protocol.EVENTS_JSON)
    return Protocol.SQS_QUERY


def read_call(request: HttpRequest) -> Call:
    """The operation and members a request asks for; AWS's errors if it cannot be read."""
    protocol = guess_protocol(request.headers)
    if protocol is Protocol.SQS_QUERY:
        return _query_call(request)
    target = request.headers.get("x-amz-target", "")
    prefix, _, operation = target.partition(".")
    if prefix not in _BY_PREFIX or operation not in _SERVICES[protocol][0]:
        raise UnknownOperationException(f"The operation {target} is not supported.")
    return Call(protocol, operation, _json_members(request.body))


def operations_of(protocol: Protocol) -> tuple[Mapping[str, Any], MissingError]:
    return _SERVICES[protocol]


def _json_members(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise SerializationException("The request body is not valid JSON.") from None
    if not isinstance(document, dict):
        raise SerializationException("The request body must be a JSON object.")
    return document


def _query_call(request: HttpRequest) -> Call:
    text = request.raw_query
    if request.method == "POST" and request.headers.get("content-type", FORM).startswith(FORM):
        text = request.body.decode("utf-8", "replace") + ("&" + text if text else "")
    action, members = query_members(parse_qsl(text, keep_blank_values=True))
    if action is None:
        raise InvalidAction("The request must contain the parameter Action.")
    if action not in sqs.OPERATIONS:
        raise InvalidAction(f"The action {action} is not valid for this web service.")
    if "QueueUrl" not in members and request.path.count("/") >= 2:
        members["QueueUrl"] = request.path  # /ACCOUNT/QUEUE: the queue is the resource
    return Call(Protocol.SQS_QUERY, action, members)


def success(call: Call, document: dict[str, Any], request_id: str) -> HttpResponse:
    headers = (
        ("content-type", call.protocol.content_type),
        ("x-amzn-requestid", request_id),
    )
    if call.protocol is Protocol.SQS_QUERY:
        return HttpResponse(200, response_xml(call.operation, document, request_id), headers)
    return HttpResponse(200, orjson.dumps(document), headers)


def failure(protocol: Protocol, error: AwsError, request_id: str) -> HttpResponse:
    status, code, query_code = error_codes(error)
    sender = status < 500
    headers: tuple[tuple[str, str], ...] = (
        ("content-type", protocol.content_type),
        ("x-amzn-requestid", request_id),
    )
    if protocol is Protocol.SQS_QUERY:
        return HttpResponse(
            status, error_xml(query_code, error.message, request_id, sender=sender), headers
        )
    type_name = code
    if protocol is Protocol.SQS_JSON:
        type_name = f"com.amazonaws.sqs#{code}"
        fault = "Sender" if sender else "Receiver"
        headers = (*headers, ("x-amzn-query-error", f"{query_code};{fault}"))
    body = orjson.dumps({"__type": type_name, "message": error.message})
    return HttpResponse(status, body, headers)
