"""AWS Signature Version 4: who signed a request, for which region, and whether the
signature is right.

Every request names its credential scope in the Authorization header
(``Credential=AKID/20260101/us-east-1/sqs/aws4_request``): the region comes from there.
With credentials required, the signature is recomputed from the request as the SigV4
specification says (canonical request, string to sign, derived key) and compared, and
its ``X-Amz-Date`` must be within 15 minutes of the server's clock, as AWS requires: a
captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import parse_qsl, quote

from orderflow.entrypoints.aws_api.errors import (
    InvalidSignatureException,
    MissingAuthenticationToken,
    UnrecognizedClientException,
)

ALGORITHM: Final = "AWS4-HMAC-SHA256"
_AUTHORIZATION: Final = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request\s*,"
    r"\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$"
)
_SPACES: Final = re.compile(r"\s+")
MAX_SKEW: Final = timedelta(minutes=15)
"""How far a signature's date may be from the server's clock, either way (AWS's limit)."""
_AMZ_DATE: Final = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Signature:
    """What the Authorization header says."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def read_signature(authorization: str | None) -> Signature | None:
    """The header's parts, or None if there is no SigV4 Authorization header."""
    if not authorization:
        return None
    found = _AUTHORIZATION.match(authorization.strip())
    if found is None:
        return None
    key, date, region, service, headers, signature = found.groups()
    return Signature(key, date, region, service, tuple(headers.split(";")), signature)


@dataclass(frozen=True)
class SignedRequest:
    """The parts of an HTTP request a signature covers."""

    method: str
    raw_path: str
    raw_query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes


def verify(request: SignedRequest, secrets: Mapping[str, str], now_ms: int) -> None:
    """Refuse the request unless a known access key signed it correctly, within 15
    minutes of ``now_ms`` (the server's clock)."""
    signature = read_signature(request.headers.get("authorization"))
    if signature is None:
        raise MissingAuthenticationToken("Missing Authentication Token")
    secret = secrets.get(signature.access_key)
    if secret is None:
        raise UnrecognizedClientException("The security token included in the request is invalid.")
    expected = compute_signature(request, signature, secret)
    if not hmac.compare_digest(expected, signature.signature):
        raise InvalidSignatureException(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details."
        )
    check_date(request.headers.get("x-amz-date", ""), now_ms)


def check_date(amz_date: str, now_ms: int) -> None:
    """Refuse a signature dated more than 15 minutes before or after ``now_ms``, in
    AWS's words (SQS: 403 SignatureDoesNotMatch "Signature expired: ...")."""
    try:
        signed = datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidSignatureException(
            "Authorization header requires existence of either a 'X-Amz-Date' or a "
            f"'Date' header. Authorization={amz_date or 'missing'}"
        ) from None
    now = datetime.fromtimestamp(now_ms // 1000, UTC)
    if signed < now - MAX_SKEW:
        raise InvalidSignatureException(
            f"Signature expired: {amz_date} is now earlier than "
            f"{_amz(now - MAX_SKEW)} ({_amz(now)} - 15 min.)"
        )
    if signed > now + MAX_SKEW:
        raise InvalidSignatureException(
            f"Signature not yet current: {amz_date} is still later than "
            f"{_amz(now + MAX_SKEW)} ({_amz(now)} + 15 min.)"
        )


def _amz(moment: datetime) -> str:
    return moment.strftime(_AMZ_DATE)


def compute_signature(request: SignedRequest, signature: Signature, secret: str) -> str:
    """The hex signature the request would carry if signed with ``secret``."""
    amz_date = request.headers.get("x-amz-date", "")
    canonical = canonical_request(request, signature.signed_headers)
    string_to_sign = "\n".join(
        (ALGORITHM, amz_date, signature.scope, hashlib.sha256(canonical.encode()).hexdigest())
    )
    key = ("AWS4" + secret).encode()
    for part in (signature.date, signature.region, signature.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def canonical_request(request: SignedRequest, signed_headers: Sequence[str]) -> str:
    payload_hash = request.headers.get("x-amz-content-sha256") or (
        hashlib.sha256(request.body).hexdigest()
    )
    headers = "".join(
        f"{name}:{_SPACES.sub(' ', request.headers.get(name, '').strip())}\n"
        for name in signed_headers
    )
    return "\n".join(
        (
            request.method.upper(),
            quote(request.raw_path or "/", safe="/~"),
            _canonical_query(request.raw_query),
            headers,
            ";".join(signed_headers),
            payload_hash,
        )
    )


def _canonical_query(raw_query: str) -> str:
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    encoded = sorted((quote(key, safe="-_.~"), quote(value, safe="-_.~")) for key, value in pairs)
    return "&".join(f"{key}={value}" for key, value in encoded)
