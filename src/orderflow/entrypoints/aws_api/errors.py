"""Errors of the HTTP endpoint itself (before or around an engine call), in AWS's shape.

    OrderflowError
    └── eventbus.errors.AwsError
        └── ProtocolError                       HTTP status + JSON code + query code
            ├── SerializationException          the body is not the JSON the operation takes
            ├── UnknownOperationException       X-Amz-Target names no operation we offer
            ├── InvalidAction                   (query protocol) Action names no operation
            ├── RequestEntityTooLarge           the body is over the endpoint's limit
            ├── MissingAuthenticationToken      no SigV4 Authorization header (credentials on)
            ├── UnrecognizedClientException     an access key the endpoint does not know
            ├── InvalidSignatureException       the signature does not match
            ├── ServiceUnavailable              503: the database or its disk is full
            └── InternalFailure                 anything unexpected (no traceback is sent)

A required member that is absent is answered in each service's wording (EventBridge's
ValidationException, SQS's MissingParameter: ``eventbridge.missing_member``,
``sqs.missing_member``). The engine's own errors (``AwsError`` and ``SqsError``
subclasses) are answered with their codes; ``error_codes`` gives (status, code, query
code) for any of them.
"""

from __future__ import annotations

from typing import ClassVar

from orderflow.eventbus.errors import AwsError


class ProtocolError(AwsError):
    """An error of the HTTP layer, answered as AWS answers it."""

    code: ClassVar[str] = "InternalFailure"
    query_code: ClassVar[str] = "InternalFailure"
    status: ClassVar[int] = 400


class SerializationException(ProtocolError):
    code = "SerializationException"
    query_code = "MalformedInput"


class UnknownOperationException(ProtocolError):
    code = "UnknownOperationException"
    query_code = "InvalidAction"


class InvalidAction(ProtocolError):
    code = "InvalidAction"
    query_code = "InvalidAction"


class RequestEntityTooLarge(ProtocolError):
    code = "RequestEntityTooLarge"
    query_code = "RequestEntityTooLarge"
    status = 413


class MissingAuthenticationToken(ProtocolError):
    code = "MissingAuthenticationTokenException"
    query_code = "MissingAuthenticationToken"
    status = 403


class UnrecognizedClientException(ProtocolError):
    code = "UnrecognizedClientException"
    query_code = "InvalidClientTokenId"
    status = 403


class InvalidSignatureException(ProtocolError):
    code = "InvalidSignatureException"
    query_code = "SignatureDoesNotMatch"
    status = 403


class ServiceUnavailable(ProtocolError):
    """SQS's (and the query protocol's) 503 for a temporary failure of the server: here,
    the database or its disk is full, and nothing of the call was written."""

    code = "ServiceUnavailable"
    query_code = "ServiceUnavailable"
    status = 503


class InternalFailure(ProtocolError):
    code = "InternalFailure"
    query_code = "InternalFailure"
    status = 500


def error_codes(error: AwsError) -> tuple[int, str, str]:
    """(HTTP status, JSON-protocol code, query-protocol code) of any AWS-named error."""
    status = int(getattr(error, "status", 400))
    query_code = str(getattr(error, "query_code", error.code))
    return status, error.code, query_code
