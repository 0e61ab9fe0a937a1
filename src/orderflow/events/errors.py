"""Events that cannot be read.

OrderflowError                 (orderflow.errors)
└── ContractError              an event breaks its contract; retrying will not help
    ├── MalformedEvent         not an EventBridge event, or a detail that fails its model
    ├── UnknownEventType       a detail-type no contract describes
    └── UnknownEventVersion    an eventVersion this consumer does not know
ContractDeclarationError       (OrderflowError) an application declared a contract that cannot be
"""

from __future__ import annotations

from orderflow.errors import OrderflowError


class ContractError(OrderflowError):
    """The event does not satisfy its contract (a poison event for the consumer)."""


class MalformedEvent(ContractError):
    """The message is not a readable event, or its detail fails validation."""


class UnknownEventType(ContractError):
    """No contract describes this source and detail-type."""


class UnknownEventVersion(ContractError):
    """The detail's eventVersion is not one this consumer knows."""


class ContractDeclarationError(OrderflowError):
    """An application declared an event contract that cannot be: no versions, models of
    different detail-types, a version twice, a detail-type two contracts claim."""
