"""``/orders``: place, read, list, change and cancel orders.

Each command commits with its outbox event, which is published in the same transaction
(``committer``: several requests' commands share a transaction under load); the
response is the order as committed.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Response

from orderflow.bootstrap.system import System
from orderflow.domain.orders import Order, OrderStatus
from orderflow.entrypoints.api.committer import CommandCommitter
from orderflow.entrypoints.api.media_type import require_json
from orderflow.entrypoints.api.models.orders import (
    ORDER_ID_PATTERN,
    CancelRequest,
    ChangeItemsRequest,
    OrderDetail,
    OrderList,
    OrderOut,
    PlaceOrderRequest,
)
from orderflow.entrypoints.api.queries import order_document, recent_orders
from orderflow.entrypoints.api.routes.responses import BODY_REFUSED, error, invalid
from orderflow.services.context import CommandContext
from orderflow.services.orders import commands
from orderflow.services.orders.commands import OrderNotFound
from orderflow.services.orders.records import Orders

CORRELATION_HEADER = "X-Correlation-Id"

OrderId = Annotated[str, Path(pattern=ORDER_ID_PATTERN, examples=["ord-42"])]
CorrelationId = Annotated[
    str | None,
    Header(
        alias=CORRELATION_HEADER,
        min_length=1,
        max_length=256,
        pattern=r"^[\x21-\x7e]+$",
        description="Carried by every event of the order's journey (generated if absent).",
    ),
]

PLACE_EXAMPLES: dict[str, Any] = {
    "minimal": {
        "summary": "Two lines, defaults for the rest",
        "value": {
            "customer": {"userId": "u-42"},
            "items": [
                {"sku": "KB-001", "quantity": 1, "price": 89.0},
                {"sku": "CB-004", "quantity": 2, "price": 9.99},
            ],
        },
    },
    "complete": {
        "summary": "Every field",
        "value": {
            "orderId": "ord-42",
            "customer": {"userId": "u-42", "isRefundEligible": True},
            "currency": "USD",
            "channel": "web",
            "items": [{"sku": "LT-006", "quantity": 1, "price": 1899.0}],
            "totalAmount": 1899.0,
            "payment": {"method": "card"},
        },
    },
}
CHANGE_EXAMPLES: dict[str, Any] = {
    "new items": {
        "summary": "Replace the lines",
        "value": {"items": [{"sku": "MS-002", "quantity": 3, "price": 29.5}], "totalAmount": 88.5},
    }
}
NOT_FOUND: Final = error(404, "No order has this id")


def orders_routes(system: System, committer: CommandCommitter) -> APIRouter:
    router = APIRouter(prefix="/orders", tags=["orders"])

    @router.post(
        "",
        status_code=201,
        summary="Place an order",
        response_description="The order, CREATED; its location in the Location header",
        responses={**invalid(), **BODY_REFUSED, **error(409, "An order with this orderId exists")},
        dependencies=[Depends(require_json)],
    )
    async def place_order(
        request: Annotated[PlaceOrderRequest, Body(openapi_examples=PLACE_EXAMPLES)],
        response: Response,
        correlation_id: CorrelationId = None,
    ) -> OrderOut:
        """Validate the order, save it with its OrderCreated (2.0) event in one transaction,
        and publish the event. Inventory then confirms it or reports it out of stock (which
        refunds an eligible customer): follow its ``status`` and ``timeline`` with GET."""
        command = request.to_command()
        document = await committer.run(
            lambda ctx: _document(commands.place(ctx, command)[0], ctx), correlation_id
        )
        response.headers["Location"] = f"/orders/{document['orderId']}"
        response.headers[CORRELATION_HEADER] = document["correlationId"]
        return OrderOut.from_document(document)

    @router.get("", summary="List orders, newest first")
    def list_orders(
        status: Annotated[
            OrderStatus | None, Query(description="Only orders in this state")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500, description="At most this many")] = 50,
    ) -> OrderList:
        """Orders by creation time, newest first (to the second; ties by order id)."""
        return OrderList(
            orders=[OrderOut.from_document(d) for d in recent_orders(system, status, limit)]
        )

    @router.get("/{order_id}", summary="An order and its event timeline", responses=NOT_FOUND)
    def get_order(order_id: OrderId) -> OrderDetail:
        """The order as the order service knows it, with every event of its journey."""
        document = order_document(system, order_id)
        if document is None:
            raise OrderNotFound(order_id)
        return OrderDetail.from_document(document)

    @router.patch(
        "/{order_id}",
        summary="Change an order's items",
        responses={
            **invalid(),
            **NOT_FOUND,
            **BODY_REFUSED,
            **error(409, "The order is out of stock, cancelled or refunded"),
        },
        dependencies=[Depends(require_json)],
    )
    async def change_items(
        order_id: OrderId,
        request: Annotated[ChangeItemsRequest, Body(openapi_examples=CHANGE_EXAMPLES)],
    ) -> OrderOut:
        """Replace the items (and check ``totalAmount`` if given) of an order still CREATED or
        CONFIRMED; publishes OrderUpdated, and inventory re-reserves."""
        lines, total = request.lines(), request.declared_total()
        document = await committer.run(
            lambda ctx: _document(commands.change_items(ctx, order_id, lines, total), ctx)
        )
        return OrderOut.from_document(document)

    @router.post(
        "/{order_id}/cancel",
        summary="Cancel an order",
        responses={
            **NOT_FOUND,
            **BODY_REFUSED,
            **error(409, "The order is already cancelled, or refunded"),
        },
        dependencies=[Depends(require_json)],
    )
    async def cancel_order(
        order_id: OrderId,
        request: Annotated[
            CancelRequest | None,
            Body(openapi_examples={"reason": {"value": {"reason": "changed my mind"}}}),
        ] = None,
    ) -> OrderOut:
        """Cancel an order not yet settled (the body is optional); publishes OrderCancelled,
        and inventory releases what it held."""
        reason = "" if request is None else request.reason
        document = await committer.run(
            lambda ctx: _document(commands.cancel(ctx, order_id, reason), ctx)
        )
        return OrderOut.from_document(document)

    return router


def _document(order: Order, ctx: CommandContext) -> dict[str, Any]:
    """The order's document as the command left it (in its transaction)."""
    document = Orders(ctx.state).document(order.order_id)
    assert document is not None, "the command saved it"
    return document
