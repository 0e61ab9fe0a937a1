"""Which region and account a request acts in, and an engine that names resources so.

The region comes from the request's SigV4 credential scope; the account is the
access key when that is 12 digits (as LocalStack does), else the configured one; queue
URLs point at the host the client called. Every scope shares the one store: region
and account change how resources are named (ARNs, URLs), not which ones exist.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Final

from orderflow.entrypoints.aws_api.signing import read_signature
from orderflow.eventbus.engine import Engine
from orderflow.eventbus.names import AwsScope

MAX_SCOPES: Final = 64
_ACCOUNT: Final = re.compile(r"^\d{12}$")
_REGION: Final = re.compile(r"^[a-z0-9-]{1,32}$")
_HOST: Final = re.compile(r"^[A-Za-z0-9.\-\[\]:]{1,255}$")


def request_scope(authorization: str | None, scheme: str, host: str, default: AwsScope) -> AwsScope:
    signature = read_signature(authorization)
    region, account = default.region, default.account
    if signature is not None:
        if _REGION.match(signature.region):
            region = signature.region
        if _ACCOUNT.match(signature.access_key):
            account = signature.access_key
    endpoint = f"{scheme}://{host}" if _HOST.match(host) else default.endpoint
    return AwsScope(region, account, endpoint)


class ScopedEngines:
    """An engine per scope over the base engine's store and clock (the most recent
    ``MAX_SCOPES`` kept, each with its compiled routing)."""

    def __init__(self, base: Engine) -> None:
        self.base = base
        self._engines: OrderedDict[AwsScope, Engine] = OrderedDict({base.scope: base})
        self._lock = threading.Lock()

    def for_scope(self, scope: AwsScope) -> Engine:
        with self._lock:
            engine = self._engines.get(scope)
            if engine is None:
                engine = Engine(self.base.store, self.base.clock, scope, self.base.events.new_id)
                self._engines[scope] = engine
                if len(self._engines) > MAX_SCOPES:
                    self._engines.popitem(last=False)
            else:
                self._engines.move_to_end(scope)
            return engine
