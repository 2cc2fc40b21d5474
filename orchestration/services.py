"""Domain actions of orchestration: taking orders, hub listener registration."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db import transaction

from orchestration.models import EventSubscription, ProductOrder, ProductOrderItem
from overlay.errors import NotFound, UnprocessableEntity


@dataclass(frozen=True)
class OrderItemInput:
    """One priced line of an order; ``item_price`` is the pricing engine's snapshot."""

    item_id: str
    action: str
    offering_id: str | None
    offering_name: str
    quantity: int
    characteristics: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)
    held_product_id: str | None = None
    item_price: list = field(default_factory=list)


def order_create(
    *,
    customer_id: str,
    channel: str,
    created_by: str,
    items: list[OrderItemInput],
    total_price: list,
    cart_id: str = "",
    description: str = "",
    external_id: str = "",
    note: list | None = None,
) -> ProductOrder:
    """Take an order (state ``acknowledged``) with its priced snapshot; runs in the caller's transaction."""
    if not items:
        raise UnprocessableEntity("An order needs at least one item.")
    order = ProductOrder.objects.create(
        customer_id=customer_id,
        channel=channel,
        created_by=created_by[:150],
        cart_id=cart_id,
        description=description,
        external_id=external_id,
        note=note or [],
        order_total_price=total_price,
    )
    ProductOrderItem.objects.bulk_create(
        ProductOrderItem(
            order=order,
            item_id=item.item_id,
            action=item.action,
            offering_id=item.offering_id,
            offering_name=item.offering_name,
            quantity=item.quantity,
            characteristics=item.characteristics,
            members=item.members,
            held_product_id=item.held_product_id,
            item_price=item.item_price,
        )
        for item in items
    )
    return order


MAX_SUBSCRIPTIONS_PER_OWNER = 50


@transaction.atomic
def subscription_register(*, api: str, callback: str, query: str, owner: str) -> EventSubscription:
    """Register a listener for the events of one TMF API."""
    parts = urlsplit(callback)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UnprocessableEntity("callback must be an absolute http(s) URL.")
    if EventSubscription.objects.filter(owner=owner).count() >= MAX_SUBSCRIPTIONS_PER_OWNER:
        raise UnprocessableEntity(f"At most {MAX_SUBSCRIPTIONS_PER_OWNER} listeners per client.")
    return EventSubscription.objects.create(api=api, callback=callback, query=query, owner=owner)


@transaction.atomic
def subscription_unregister(*, api: str, subscription_id: str, owner: str) -> None:
    """Remove a listener; only the principal that registered it may (others are told it does not exist)."""
    deleted, _ = EventSubscription.objects.filter(api=api, pk=subscription_id, owner=owner).delete()
    if not deleted:
        raise NotFound(f"No listener with id '{subscription_id}'.")
