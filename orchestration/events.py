"""The event outbox: TMF688 events written in the caller's transaction, one delivery row per listener.

A listener's ``query`` may narrow what it gets to some event types
(``eventType=ProductOrderStateChangeEvent,ProductOrderCreateEvent``); other conditions are
ignored. Delivery (signed, retried, in order per resource) is ``orchestration.dispatch``.
"""

from urllib.parse import parse_qs

from django.conf import settings
from django.db import transaction

from customers.api.representations import CUSTOMER_BASE, full_name
from orchestration.models import EventDelivery, EventSubscription, OutboxEvent, ProductOrder

ORDERING_API = "productOrderingManagement"


class EventHrefs:
    """Hrefs in events point at the public base URL (there is no request to take the host from)."""

    def __init__(self):
        self.href = lambda path: settings.PUBLIC_BASE_URL.rstrip("/") + path


def wanted(query: str, event_type: str) -> bool:
    types = []
    for key, values in parse_qs(query or "").items():
        if key == "eventType":
            types += [name.strip() for value in values for name in value.split(",")]
    return not types or event_type in types


def publish(*, api: str, event_type: str, resource_type: str, resource_id: str, event: dict) -> OutboxEvent:
    """Write one event to the outbox, and a pending delivery for every listener that wants it."""
    from orchestration.tasks import dispatch_events_task

    row = OutboxEvent.objects.create(
        api=api, event_type=event_type, resource_type=resource_type, resource_id=resource_id, payload=event
    )
    listeners = [s for s in EventSubscription.objects.filter(api=api) if wanted(s.query, event_type)]
    if listeners:
        EventDelivery.objects.bulk_create(
            EventDelivery(event=row, subscription=s, resource_key=f"{resource_type}:{resource_id}") for s in listeners
        )
        transaction.on_commit(lambda: dispatch_events_task.delay(), robust=True)
    return row


def _order_body(order: ProductOrder) -> dict:
    from orchestration.api.representations import product_order
    from orchestration.selectors import orders_with_related

    loaded = orders_with_related(ProductOrder.objects.filter(pk=order.pk)).get()
    return product_order(loaded, EventHrefs())


def order_created(order: ProductOrder) -> None:
    publish(
        api=ORDERING_API,
        event_type="ProductOrderCreateEvent",
        resource_type="ProductOrder",
        resource_id=order.pk,
        event={"productOrder": _order_body(order)},
    )


def order_state_changed(order: ProductOrder) -> None:
    publish(
        api=ORDERING_API,
        event_type="ProductOrderStateChangeEvent",
        resource_type="ProductOrder",
        resource_id=order.pk,
        event={"productOrder": _order_body(order)},
    )


def cancellation_event(cancellation, event_type: str) -> None:
    from orchestration.api.representations import cancel_product_order

    publish(
        api=ORDERING_API,
        event_type=event_type,
        resource_type="CancelProductOrder",
        resource_id=cancellation.pk,
        event={"cancelProductOrder": cancel_product_order(cancellation, EventHrefs())},
    )


def cart_event(cart, event_type: str) -> None:
    """TMF663 ShoppingCartCreateEvent / AttributeValueChangeEvent / DeleteEvent."""
    hrefs = EventHrefs()
    publish(
        api="shoppingCart",
        event_type=event_type,
        resource_type="ShoppingCart",
        resource_id=cart.pk,
        event={
            "shoppingCart": {
                "id": cart.pk,
                "href": hrefs.href(f"/tmf-api/shoppingCart/v4/shoppingCart/{cart.pk}"),
                "status": cart.status,
                "version": cart.version,
                "@type": "ShoppingCart",
            }
        },
    )


def customer_event(customer, event_type: str) -> None:
    """TMF629 CustomerCreateEvent / AttributeValueChangeEvent / StateChangeEvent / DeleteEvent."""
    hrefs = EventHrefs()
    publish(
        api="customerManagement",
        event_type=event_type,
        resource_type="Customer",
        resource_id=customer.pk,
        event={
            "customer": {
                "id": customer.pk,
                "href": hrefs.href(f"{CUSTOMER_BASE}/customer/{customer.pk}"),
                "name": full_name(customer),
                "status": customer.status,
                "@type": "Customer",
            }
        },
    )
