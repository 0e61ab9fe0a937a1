"""What every contract shares: camelCase JSON names, strict types, metadata, line items."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

SKU_PATTERN = r"^\S(.*\S)?$"


class Contract(BaseModel):
    """An event detail (or a part of one): JSON names in camelCase, unknown fields ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        strict=True,
    )

    SOURCE: ClassVar[str] = ""
    DETAIL_TYPE: ClassVar[str] = ""
    VERSION: ClassVar[str] = ""

    def to_detail(self) -> dict[str, Any]:
        """The detail as JSON-ready data, with JSON names and no unset optional fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Metadata(Contract):
    created_at: str = Field(min_length=1, max_length=64)
    correlation_id: str = Field(min_length=1, max_length=256)
    causation_id: str | None = Field(default=None, max_length=256)
    event_id: str | None = Field(default=None, max_length=256)


class Item(Contract):
    sku: str = Field(min_length=1, max_length=64, pattern=SKU_PATTERN)
    quantity: int = Field(gt=0, le=10_000)
    price: float = Field(gt=0, le=1_000_000)
