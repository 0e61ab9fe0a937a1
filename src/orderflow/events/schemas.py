"""JSON Schema of every contract (``orderflow schemas export``): the built-in ones, and
those the applications loaded beside them declared."""

from __future__ import annotations

from typing import Any

from orderflow.events.registry import BUILTIN, ContractRegistry


def schema_name(detail_type: str, version: str) -> str:
    return f"{detail_type}.v{version}"


def export_schemas(registry: ContractRegistry = BUILTIN) -> dict[str, dict[str, Any]]:
    """``{"OrderCreated.v2.0": schema, ...}``: each schema describes the event's detail."""
    schemas: dict[str, dict[str, Any]] = {}
    for contract in registry.models():
        schema = contract.model_json_schema(by_alias=True, mode="validation")
        schema["title"] = f"{contract.DETAIL_TYPE} {contract.VERSION}"
        schema["description"] = (
            f"The detail of {contract.DETAIL_TYPE} events (eventVersion {contract.VERSION}) "
            f"from {contract.SOURCE}."
        )
        schemas[schema_name(contract.DETAIL_TYPE, contract.VERSION)] = schema
    return schemas
