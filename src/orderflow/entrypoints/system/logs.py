"""One log line per thing that happened, readable (``text``, the default) or one JSON
object a line (``json``: what CloudWatch Logs Insights, Loki or Elasticsearch ingest).

    09:14:03.221 inventory         cor-5f0c…  OrderCreated 7d1e… PROCESSED

    {"time": "2026-12-06T09:14:03.221Z", "level": "INFO", "process": "inventory",
     "pid": 4242, "consumer": "inventory", "correlation_id": "cor-5f0c…",
     "event_id": "7d1e…", "detail_type": "OrderCreated", "outcome": "PROCESSED",
     "duration_ms": 1.2, "message": "OrderCreated 7d1e… PROCESSED"}

(one line in the stream). Every process of ``orderflow up`` logs this way to its standard
output; the supervisor prefixes nothing and only colours the service on a terminal, so
the stream reads the same whether a worker runs alone in a terminal or under ``up``.
A record's fields come from its ``extra`` (``FIELDS``): a delivery's are set by the worker.
"""

from __future__ import annotations

import logging
import sys
import time
from enum import StrEnum
from typing import Any, Final

import orjson

FORMAT: Final = "%(asctime)s.%(msecs)03d %(service)-17s %(correlation_id)-40s %(message)s"
LOG_FORMAT_VARIABLE: Final = "ORDERFLOW_LOG_FORMAT"
FIELDS: Final = (
    "consumer",
    "correlation_id",
    "event_id",
    "detail_type",
    "outcome",
    "duration_ms",
    "receive_count",
    "error",
)
"""A record's ``extra`` that a JSON line carries, when set (``-`` counts as not set)."""


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


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


def utc_time(seconds: float) -> str:
    """RFC 3339 in UTC with milliseconds, as log stores parse it."""
    whole = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{whole}.{int(seconds * 1000) % 1000:03d}Z"


def json_line(process: str, message: str, *, level: str = "INFO", **fields: Any) -> str:
    """One JSON log line (also for lines that did not come through ``logging``)."""
    document: dict[str, Any] = {"time": utc_time(time.time()), "level": level}
    document["process"] = process
    document.update(fields)
    document["message"] = message
    return orjson.dumps(document, default=str).decode()


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, process, pid, the ``FIELDS`` it has,
    the logger and the message (and the traceback of a logged exception)."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {"pid": record.process}
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None and value != "-":
                fields[name] = value
        fields["logger"] = record.name
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            fields.setdefault("error", f"{type(error).__name__}: {error}")
            fields["traceback"] = self.formatException(record.exc_info)
        document: dict[str, Any] = {"time": utc_time(record.created), "level": record.levelname}
        document["process"] = getattr(record, "service", record.processName)
        document.update(fields)
        document["message"] = record.getMessage()
        return orjson.dumps(document, default=str).decode()


def formatter(log_format: LogFormat) -> logging.Formatter:
    if log_format is LogFormat.JSON:
        return JsonFormatter()
    return logging.Formatter(FORMAT, datefmt="%H:%M:%S")


def configure_logging(
    service: str, level: int = logging.INFO, log_format: LogFormat = LogFormat.TEXT
) -> None:
    """Log lines of ``service`` to standard output (called by entrypoints, never on import):
    orderflow's own loggers and, in JSON, uvicorn's too (every line of the stream one
    object)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(_Defaults(service))
    names = ["orderflow"]
    if log_format is LogFormat.JSON:
        names += ["uvicorn", "uvicorn.error", "uvicorn.access"]
    for name in names:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
    logging.getLogger("orderflow").setLevel(level)
