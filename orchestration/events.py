"""TMF622 events of orders and cancellations, as listeners of productOrderingManagement receive them.

Bodies are the orders' API representations, with hrefs on the public base URL; they are
published to the outbox in the caller's transaction (``events.services.publish``).
"""

from events.services import EventHrefs, publish
from orchestration.api.representations import cancel_product_order, product_order
from orchestration.models import CancelProductOrder, ProductOrder
from orchestration.selectors import cancellations_visible, orders_visible, orders_with_related
from overlay.tmf import ORDERING


def _order_body(order: ProductOrder) -> dict:
    # Fulfilment finishing an order has just loaded its items as the representation reads them: no second read.
    if "items" not in getattr(order, "_prefetched_objects_cache", {}):
        order = orders_with_related(ProductOrder.objects.filter(pk=order.pk)).get()
    return product_order(order, EventHrefs())


def _order_visible(order_id: str):
    return lambda principal: orders_visible(principal).filter(pk=order_id).exists()


def order_created(order: ProductOrder) -> None:
    publish(
        api=ORDERING.name,
        event_type="ProductOrderCreateEvent",
        resource_type="ProductOrder",
        resource_id=order.pk,
        event={"productOrder": _order_body(order)},
        visible_to=_order_visible(order.pk),
    )


def order_state_changed(order: ProductOrder) -> None:
    publish(
        api=ORDERING.name,
        event_type="ProductOrderStateChangeEvent",
        resource_type="ProductOrder",
        resource_id=order.pk,
        event={"productOrder": _order_body(order)},
        visible_to=_order_visible(order.pk),
    )


def cancellation_event(cancellation: CancelProductOrder, event_type: str) -> None:
    """CancelProductOrderCreateEvent / CancelProductOrderStateChangeEvent."""
    publish(
        api=ORDERING.name,
        event_type=event_type,
        resource_type="CancelProductOrder",
        resource_id=cancellation.pk,
        event={"cancelProductOrder": cancel_product_order(cancellation, EventHrefs())},
        visible_to=lambda principal: cancellations_visible(principal).filter(pk=cancellation.pk).exists(),
    )
