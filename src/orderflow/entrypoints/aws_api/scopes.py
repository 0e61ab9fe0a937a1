"""Which region and account a request acts in, and an engine that names resources so.

The region comes from the request's SigV4 credential scope; the account is the
access key when that is 12 digits (as LocalStack does), else the configured one; queue
URLs point at the host the client called. Every scope shares the one store: region
and account change how resources are named (ARNs, URLs), not which ones exist.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Final

from orderflow.eventbus.engine import Engine
from orderflow.eventbus.names import AwsScope

MAX_SCOPES: Final = 64
_CREDENTIAL: Final = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/")
_ACCOUNT: Final = re.compile(r"^\d{12}$")
_REGION: Final = re.compile(r"^[a-z0-9-]{1,32}$")
_HOST: Final = re.compile(r"^[A-Za-z0-9.\-\[\]:]{1,255}$")


def credential_of(authorization: str | None) -> str:
    """The ``AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request`` part of an
    Authorization header (stable across requests), "" if there is none."""
    return authorization.partition(",")[0] if authorization else ""


def request_scope(credential: str, scheme: str, host: str, default: AwsScope) -> AwsScope:
    """The scope of a request signed with ``credential`` (``credential_of``), sent to
    ``host``."""
    region, account = default.region, default.account
    found = _CREDENTIAL.search(credential)
    if found is not None:
        access_key, signed_region = found.groups()
        if _REGION.match(signed_region):
            region = signed_region
        if _ACCOUNT.match(access_key):
            account = access_key
    endpoint = f"{scheme}://{host}" if _HOST.match(host) else default.endpoint
    return AwsScope(region, account, endpoint)


class ScopedEngines:
    """An engine per scope over the base engine's store and clock (the most recent
    ``MAX_SCOPES`` kept, each with its compiled routing), looked up by the request's
    credential and host. Used from the event loop only."""

    def __init__(self, base: Engine) -> None:
        self.base = base
        self._engines: OrderedDict[tuple[str, str, str], Engine] = OrderedDict()

    def for_request(self, credential: str, scheme: str, host: str) -> Engine:
        key = (credential, scheme, host)
        engine = self._engines.get(key)
        if engine is not None:
            return engine
        scope = request_scope(credential, scheme, host, self.base.scope)
        engine = Engine(self.base.store, self.base.clock, scope, self.base.events.new_id)
        self._engines[key] = engine
        if len(self._engines) > MAX_SCOPES:
            self._engines.popitem(last=False)
        return engine
