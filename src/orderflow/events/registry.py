"""Which contract reads which event, and decoding with upcasting.

``decode(envelope)`` returns the latest version's model for the event (an older
version is upcast; a tutorial-format event is mapped first); ``decode_latest(envelope,
Model)`` the same, checked to be ``Model``. ``decode_as(envelope,
Model)`` reads the event with an older model, as a consumer written for that
version does: fields it does not know are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

from pydantic import ValidationError

from orderflow.events import legacy
from orderflow.events.contracts import (
    Contract,
    InventoryOutOfStock,
    InventoryReserved,
    NotificationSent,
    OrderCancelled,
    OrderCreatedV1,
    OrderCreatedV2,
    OrderUpdated,
    RefundCompleted,
    RefundIssued,
)
from orderflow.events.declaration import EventContract
from orderflow.events.envelope import Envelope
from orderflow.events.errors import (
    ContractDeclarationError,
    MalformedEvent,
    UnknownEventType,
    UnknownEventVersion,
)
from orderflow.events.upcasting import order_created_v1_to_v2

C = TypeVar("C", bound=Contract)

CONTRACTS: Final[tuple[type[Contract], ...]] = (
    OrderCreatedV1,
    OrderCreatedV2,
    OrderUpdated,
    OrderCancelled,
    InventoryReserved,
    InventoryOutOfStock,
    RefundIssued,
    RefundCompleted,
    NotificationSent,
)
"""Every contract, oldest version first."""

LATEST: Final = "latest"

UPCASTERS: Final[dict[type[Contract], Callable[[Any], Contract]]] = {
    OrderCreatedV1: order_created_v1_to_v2,
}


def builtin_contracts() -> tuple[EventContract, ...]:
    """The built-in services' event contracts, one per detail-type."""
    versions: dict[str, list[type[Contract]]] = {}
    for contract in CONTRACTS:
        versions.setdefault(contract.DETAIL_TYPE, []).append(contract)
    return tuple(
        EventContract(tuple(models), {m: UPCASTERS[m] for m in models if m in UPCASTERS})
        for models in versions.values()
    )


def canonical_detail(envelope: Envelope) -> dict[str, Any]:
    """The detail in canonical form (tutorial-format events mapped)."""
    return legacy.to_canonical(envelope) if legacy.is_legacy(envelope) else envelope.detail


def validate(contract: type[C], detail: dict[str, Any], detail_type: str) -> C:
    try:
        return contract.model_validate(detail)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'detail'}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        raise MalformedEvent(f"The {detail_type} event breaks its contract: {problems}.") from None


class ContractRegistry:
    """Which model reads which (detail-type, version) of a set of event contracts, and
    decoding with upcasting. Two contracts may not claim one detail-type."""

    def __init__(self, contracts: Iterable[EventContract]) -> None:
        self.contracts: tuple[EventContract, ...] = tuple(contracts)
        self._versions: dict[str, dict[str, type[Contract]]] = {}
        self._upcasters: dict[type[Contract], Callable[[Any], Contract]] = {}
        for declared in self.contracts:
            if declared.detail_type in self._versions:
                raise ContractDeclarationError(
                    f"Two contracts declare {declared.detail_type!r} events."
                )
            self._versions[declared.detail_type] = {m.VERSION: m for m in declared.versions}
            self._upcasters.update(declared.upcasters)

    def with_contracts(self, more: Iterable[EventContract]) -> ContractRegistry:
        """This registry and ``more``."""
        return ContractRegistry((*self.contracts, *more))

    def models(self) -> list[type[Contract]]:
        """Every model of every contract, each contract's oldest version first."""
        return [model for declared in self.contracts for model in declared.versions]

    def contract_for(self, envelope: Envelope, detail: dict[str, Any]) -> type[Contract]:
        versions = self._versions.get(envelope.detail_type)
        if versions is None:
            raise UnknownEventType(
                f"No contract for {envelope.detail_type!r} events (from {envelope.source})."
            )
        version = detail.get("eventVersion")
        if not isinstance(version, str):
            raise MalformedEvent(
                f"The {envelope.detail_type} event has no eventVersion (a string)."
            )
        contract = versions.get(version)
        if contract is None:
            known = ", ".join(sorted(versions))
            raise UnknownEventVersion(
                f"{envelope.detail_type} eventVersion {version!r} is not known here "
                f"(known: {known})."
            )
        return contract

    def decode(self, envelope: Envelope) -> Contract:
        """The event as its latest contract version (read once per envelope)."""
        found = envelope.decoded.get(LATEST)
        if found is not None:
            return found  # type: ignore[no-any-return]
        detail = canonical_detail(envelope)
        model = validate(self.contract_for(envelope, detail), detail, envelope.detail_type)
        while type(model) in self._upcasters:
            model = self._upcasters[type(model)](model)
        envelope.decoded[LATEST] = model
        return model

    def decode_latest(self, envelope: Envelope, contract: type[C]) -> C:
        """The event as its latest contract version, which a handler expects to be
        ``contract`` (another detail-type routed to it is a contract error, not a crash)."""
        model = self.decode(envelope)
        if not isinstance(model, contract):
            raise UnknownEventType(
                f"A {contract.__name__} handler received a {type(model).__name__} event."
            )
        return model

    def decode_as(self, envelope: Envelope, contract: type[C]) -> C:
        """The event read with ``contract`` (an older version's model), as a consumer
        written for that version reads it: newer fields are ignored. The event's own
        version must be known, and its detail must hold what ``contract`` needs."""
        if envelope.detail_type != contract.DETAIL_TYPE:
            raise UnknownEventType(
                f"A {contract.__name__} reader cannot read {envelope.detail_type!r} events."
            )
        detail = canonical_detail(envelope)
        self.contract_for(envelope, detail)
        return validate(
            contract, {**detail, "eventVersion": contract.VERSION}, envelope.detail_type
        )


BUILTIN: Final = ContractRegistry(builtin_contracts())
"""The built-in services' contracts (immutable)."""


def decode(envelope: Envelope) -> Contract:
    """The event as its latest built-in contract version (read once per envelope)."""
    return BUILTIN.decode(envelope)


def decode_latest(envelope: Envelope, contract: type[C]) -> C:
    """``ContractRegistry.decode_latest`` with the built-in contracts."""
    return BUILTIN.decode_latest(envelope, contract)


def decode_as(envelope: Envelope, contract: type[C]) -> C:
    """``ContractRegistry.decode_as`` with the built-in contracts."""
    return BUILTIN.decode_as(envelope, contract)
