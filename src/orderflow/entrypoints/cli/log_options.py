"""``--log-format text|json`` (or ``$ORDERFLOW_LOG_FORMAT``), on every long-running command."""

from __future__ import annotations

from typing import Annotated

import typer

from orderflow.entrypoints.system.logs import LOG_FORMAT_VARIABLE, LogFormat

LogFormatOption = Annotated[
    LogFormat,
    typer.Option(
        "--log-format",
        envvar=LOG_FORMAT_VARIABLE,
        case_sensitive=False,
        help="text: a readable line per event (the default); json: one JSON object a line "
        "(time, level, process, consumer, correlation_id, event_id, detail_type, outcome, "
        "duration_ms, error), for CloudWatch Logs Insights, Loki or Elasticsearch.",
    ),
]
