"""One readable log line per thing that happened: time, service, correlation id, message.

    09:14:03.221 inventory         cor-5f0c…  OrderCreated 7d1e… PROCESSED

Every process of ``orderflow up`` logs this way to its standard output; the
supervisor prefixes nothing and only colours the service, so the stream reads the
same whether a worker runs alone in a terminal or under ``up``.
"""

from __future__ import annotations

import logging
import sys
from typing import Final

FORMAT: Final = "%(asctime)s.%(msecs)03d %(service)-17s %(correlation_id)-40s %(message)s"


class _Defaults(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "service"):
            record.service = self._service
        if not hasattr(record, "correlation_id"):
            record.correlation_id = "-"
        return True


def configure_logging(service: str, level: int = logging.INFO) -> None:
    """Log lines of ``service`` to standard output (called by entrypoints, never on import)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%H:%M:%S"))
    handler.addFilter(_Defaults(service))
    root = logging.getLogger("orderflow")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
