"""What both renderers write the same way: the alerts' resources, and a queue's
attributes as typed values (SQS's attribute names, which CloudFormation's properties
share), encryption at rest on by default."""

from __future__ import annotations

import json
from typing import Any, Final

from orderflow.adapters.aws.deploy.model import Queue
from orderflow.eventbus.queues.attributes import BOOLEAN_ATTRIBUTES, INTEGER_ATTRIBUTES

ALERTS_KEY: Final = "AlertsKey"
ALERTS_TOPIC: Final = "AlertsTopic"
LOG_RETENTION: Final = "log_retention_days"
JSON_ATTRIBUTES: Final = frozenset({"RedriveAllowPolicy"})

Setting = int | bool | str | dict[str, Any]


def queue_settings(queue: Queue) -> dict[str, Setting]:
    """The queue's attributes, typed; SSE-SQS unless the topology names a KMS key."""
    settings: dict[str, Setting] = {}
    for name, text in sorted(queue.attributes.items()):
        if name in INTEGER_ATTRIBUTES:
            settings[name] = int(text)
        elif name in BOOLEAN_ATTRIBUTES:
            settings[name] = text == "true"
        elif name in JSON_ATTRIBUTES:
            settings[name] = json.loads(text)
        else:
            settings[name] = text
    if "KmsMasterKeyId" not in settings:
        settings["SqsManagedSseEnabled"] = True
    return settings
