"""Orders: factories for rows, and builders that take orders through orchestration and drive them to the end."""

import json
import time
from urllib.request import urlopen

import factory
from django.db import transaction

from orchestration import fulfilment, states
from orchestration.models import CancelProductOrder, ProductOrder, ProductOrderItem
from orchestration.services import OrderItemInput, order_create
from tests.factories.customers import CustomerFactory


class OrderFactory(factory.django.DjangoModelFactory):
    """An order row (no items, no tasks, no events): for read contracts; ``place`` takes real orders."""

    class Meta:
        model = ProductOrder

    customer = factory.SubFactory(CustomerFactory)
    channel = "web"
    created_by = "test"


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductOrderItem

    order = factory.SubFactory(OrderFactory)
    item_id = factory.Sequence(lambda n: str(n + 1))
    offering_name = "Something"


class CancellationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CancelProductOrder

    order = factory.SubFactory(OrderFactory)
    requested_by = "test"
    state = CancelProductOrder.State.DONE


def item(number: int, offering, quantity: int = 1, members=None, action="add", held=None) -> OrderItemInput:
    return OrderItemInput(
        item_id=str(number),
        action=action,
        offering_id=offering.pk if offering else None,
        offering_name=offering.name if offering else (held.name if held else ""),
        quantity=quantity,
        members=members or {},
        held_product_id=held.pk if held else None,
    )


def place(customer, items, channel="web") -> ProductOrder:
    """Take an order and commit: orchestration starts it (in-process, no broker) at once."""
    with transaction.atomic():
        order = order_create(customer_id=customer.pk, channel=channel, created_by="test", items=items, total_price=[])
    return ProductOrder.objects.get(pk=order.pk)


def hybrid_items(shop) -> list[OrderItemInput]:
    return [item(1, shop.phone), item(2, shop.plan), item(3, shop.fibre), item(4, shop.streaming)]


def drive(order_id: str, *, until=None, seconds: float = 20) -> ProductOrder:
    """Run the sweeper (what Celery beat does) until the order is final, or ``until(order)`` holds."""
    deadline = time.monotonic() + seconds
    while True:
        order = ProductOrder.objects.get(pk=order_id)
        if until(order) if until else order.state in states.FINAL and not order.undoing:
            return order
        if time.monotonic() > deadline:
            tasks = list(order.tasks.values_list("key", "state", "last_error"))
            raise AssertionError(f"order still {order.state} (undoing={order.undoing}): {tasks}")
        fulfilment.sweep()
        time.sleep(0.02)


def fulfilment_log(sim) -> list[dict]:
    return json.loads(urlopen(f"{sim.url}/_control/fulfilment", timeout=5).read())["tasks"]
