"""``EventContract``: one event type as an application declares it: its detail-type and
source (read from its models), its versions (a pydantic model each, oldest first) and
the upcasters that read an older version as the next one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from orderflow.events.contracts import Contract
from orderflow.events.errors import ContractDeclarationError

Upcaster = Callable[[Any], Contract]
"""Reads a model of one version as the model of a later one."""


@dataclass(frozen=True)
class EventContract:
    """An event type: ``versions`` oldest first, each a ``Contract`` subclass with the same
    ``DETAIL_TYPE`` and ``SOURCE`` and its own ``VERSION``; ``upcasters`` maps an older
    version's model to the function that reads it as a newer one (the latest version
    needs none; an older one without an upcaster is read as itself)."""

    versions: tuple[type[Contract], ...]
    upcasters: Mapping[type[Contract], Upcaster] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.versions:
            raise ContractDeclarationError("An event contract needs at least one version.")
        latest = self.versions[-1]
        for model in self.versions:
            if not model.DETAIL_TYPE or not model.SOURCE or not model.VERSION:
                raise ContractDeclarationError(
                    f"{model.__name__} must set DETAIL_TYPE, SOURCE and VERSION."
                )
            if (model.DETAIL_TYPE, model.SOURCE) != (latest.DETAIL_TYPE, latest.SOURCE):
                raise ContractDeclarationError(
                    f"{model.__name__} is {model.DETAIL_TYPE!r} from {model.SOURCE!r}, the "
                    f"contract's latest version {latest.DETAIL_TYPE!r} from {latest.SOURCE!r}."
                )
        numbers = [model.VERSION for model in self.versions]
        if len(set(numbers)) != len(numbers):
            raise ContractDeclarationError(
                f"{latest.DETAIL_TYPE} declares a version twice: {', '.join(numbers)}."
            )
        strangers = [m.__name__ for m in self.upcasters if m not in self.versions]
        if strangers:
            raise ContractDeclarationError(
                f"{latest.DETAIL_TYPE} has upcasters for models not among its versions: "
                f"{', '.join(strangers)}."
            )

    @property
    def detail_type(self) -> str:
        return self.versions[-1].DETAIL_TYPE

    @property
    def source(self) -> str:
        return self.versions[-1].SOURCE

    @property
    def latest(self) -> type[Contract]:
        return self.versions[-1]
