"""A hybrid shop with fulfilment plans, the simulated estate, and helpers that drive orders to the end."""

import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.request import urlopen

import pytest
from django.db import transaction

from catalog.models import FulfilmentStep, ProductOffering
from orchestration import fulfilment, states
from orchestration.models import ProductOrder
from orchestration.services import OrderItemInput, order_create

# The back-office simulator (a real process over loopback HTTP) and its systems.
from tests.adapters.conftest import _fresh_circuit_breakers, simulator, systems  # noqa: F401
from tests.cart.conftest import bob, carts_app, customer_client  # noqa: F401
from tests.catalog.factories import MemberFactory, OfferingFactory, PriceFactory, SpecificationFactory
from tests.customers.factories import CustomerFactory


def step(spec, key, system, task, *, after="", undo="", creates=False, on_failure="fail_order", **extra):
    return FulfilmentStep.objects.create(
        specification=spec,
        key=key,
        system=system,
        task=task,
        after=after,
        undo_task=undo,
        creates_product=creates,
        on_failure=on_failure,
        position=FulfilmentStep.objects.filter(specification=spec).count(),
        **extra,
    )


@dataclass
class HybridShop:
    phone: ProductOffering
    plan: ProductOffering
    fibre: ProductOffering
    streaming: ProductOffering
    bundle: ProductOffering


@pytest.fixture
def hybrid(db, channels) -> HybridShop:
    """The reference hybrid order's offerings: a phone shipped by logistics, a SIM activated in the mobile
    stack after delivery, a fibre line from the fixed stack, a partner streaming service, billing in CRM."""
    sold = list(channels.values())
    phone_spec = SpecificationFactory(name="Phone", kind="physical")
    step(phone_spec, "ship", "logistics", "ship_device", undo="return_device", creates=True)
    plan_spec = SpecificationFactory(name="Mobile plan")
    step(plan_spec, "activate_sim", "mobile", "activate_sim", after="ship", undo="deactivate_sim", creates=True)
    step(plan_spec, "bill", "crm", "add_billing", after="activate_sim", undo="remove_billing")
    fibre_spec = SpecificationFactory(name="Fibre")
    step(fibre_spec, "provision_line", "fixed", "provision_line", undo="cease_line", creates=True)
    step(fibre_spec, "bill", "crm", "add_billing", after="provision_line", undo="remove_billing")
    streaming_spec = SpecificationFactory(name="Streaming")
    step(
        streaming_spec,
        "activate_service",
        "partner",
        "activate_subscription",
        undo="deactivate_subscription",
        creates=True,
        on_failure="drop_item",
    )
    phone = OfferingFactory(name="Phone X", specification=phone_spec, channels=sold)
    PriceFactory(offering=phone, name="Device", price_type="oneTime", recurring_period="", amount=Decimal("300"))
    plan = OfferingFactory(name="Mobile M", specification=plan_spec, channels=sold)
    PriceFactory(offering=plan, name="Monthly", amount=Decimal("25"))
    fibre = OfferingFactory(name="Fibre 500", specification=fibre_spec, channels=sold)
    PriceFactory(offering=fibre, name="Fibre monthly", amount=Decimal("40"))
    streaming = OfferingFactory(name="StreamMax", specification=streaming_spec, channels=sold)
    PriceFactory(offering=streaming, name="StreamMax monthly", amount=Decimal("9.99"))
    bundle = OfferingFactory(name="Home & Mobile", is_bundle=True, channels=sold)
    MemberFactory(bundle=bundle, member=fibre, lower_limit=1, upper_limit=1, default_count=1)
    MemberFactory(bundle=bundle, member=plan, lower_limit=1, upper_limit=4, default_count=1)
    return HybridShop(phone=phone, plan=plan, fibre=fibre, streaming=streaming, bundle=bundle)


@pytest.fixture
def customer(db):
    return CustomerFactory(given_name="Hanna", family_name="Hybrid", postcode="1011AB", house_number="1")


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


def hybrid_items(shop: HybridShop) -> list[OrderItemInput]:
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


@dataclass
class Listener:
    """A TMF event listener on loopback that records what it receives; it can be 'down' (answers 503)."""

    url: str = ""
    received: list = field(default_factory=list)
    down: bool = False
    server: ThreadingHTTPServer | None = None

    def bodies(self, event_type: str | None = None) -> list[dict]:
        events = [json.loads(body) for body, _ in self.received]
        return [e for e in events if event_type is None or e["eventType"] == event_type]


@pytest.fixture
def listener():
    record = Listener()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if record.down:
                self.send_response(503)
                self.end_headers()
                return
            record.received.append((body, dict(self.headers)))
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    record.server = server
    record.url = f"http://127.0.0.1:{server.server_address[1]}/events"
    yield record
    server.shutdown()
