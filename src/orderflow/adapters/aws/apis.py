"""A remote endpoint's EventBridge and SQS as the engine offers them (``AwsApis``), so that
a topology file is planned and applied there as on the embedded engine.

``open_remote_apis(connection)`` builds the clients (``RemoteEvents``, ``RemoteQueues``)
and asks the endpoint which account it acts in, since the plan builds target and
dead-letter ARNs from ``scope``: STS GetCallerIdentity where the endpoint has STS (AWS,
moto's server, LocalStack), else the ARN of the default event bus (``orderflow serve``
answers STS with InvalidAction; it names the account after a 12-digit access key, else
000000000000), so that the ARNs the plan builds are those the endpoint holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Final

from orderflow.adapters.aws.clients import RemoteAwsError, translated
from orderflow.adapters.aws.connection import AwsConnection
from orderflow.adapters.aws.remote_events import RemoteEvents
from orderflow.adapters.aws.remote_queues import RemoteQueues
from orderflow.eventbus.errors import AwsError
from orderflow.eventbus.names import AwsScope

_ACCOUNT: Final = re.compile(r"\d{12}")
_BUS_ARN: Final = re.compile(r"arn:[a-z-]+:events:([a-z0-9-]+):(\d{12}):event-bus/.+")


class AccountUnknown(AwsError):
    """The endpoint answered, but not with an account: neither STS nor the default event
    bus's ARN names one."""

    code: ClassVar[str] = "AccountUnknown"


@dataclass(frozen=True)
class RemoteApis:
    """EventBridge and SQS on an endpoint, in the region and account of ``scope``."""

    events: RemoteEvents
    sqs: RemoteQueues
    scope: AwsScope
    where: str  # the endpoint, for messages

    def close(self) -> None:
        """Close the clients' connections."""
        self.events.client.close()
        self.sqs.client.close()


def open_remote_apis(connection: AwsConnection) -> RemoteApis:
    """The endpoint of ``connection``, its account asked for (one or two calls):
    ``EndpointUnreachable`` if it does not answer, ``RemoteAwsError`` if it refuses."""
    where = connection.label
    events = RemoteEvents(connection.client("events"), where)
    sqs = RemoteQueues(connection.client("sqs"), where)
    region = str(events.client.meta.region_name)
    account = _caller_account(connection, where)
    if account is None:
        region, account = _default_bus_scope(events)
    endpoint = connection.endpoint_url or f"https://sqs.{region}.amazonaws.com"
    return RemoteApis(events, sqs, AwsScope(region, account, endpoint.rstrip("/")), where)


def _caller_account(connection: AwsConnection, where: str) -> str | None:
    """The account STS says the credentials act in; None where the endpoint has no STS."""
    sts = connection.client("sts")
    try:
        with translated(where):
            identity = sts.get_caller_identity()
    except RemoteAwsError:
        return None  # answered, but not as STS
    finally:
        sts.close()
    account = str(identity.get("Account", ""))
    return account if _ACCOUNT.fullmatch(account) else None


def _default_bus_scope(events: RemoteEvents) -> tuple[str, str]:
    """The region and account in the default event bus's ARN (every account has that bus)."""
    arn = str(events.describe_event_bus().get("Arn", ""))
    found = _BUS_ARN.fullmatch(arn)
    if found is None:
        raise AccountUnknown(
            f"{events.where} has no STS and its default event bus has no usable ARN "
            f"({arn or 'none'}): the account that ARNs name is unknown."
        )
    return found.group(1), found.group(2)
