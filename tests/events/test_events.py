"""Order events: written to the outbox with the change, delivered signed, retried, in order per order."""

import hashlib
import hmac
import json
import time

import pytest

from events import dispatch
from events.models import DeliveryAttempt, EventDelivery, OutboxEvent
from orchestration import fulfilment
from tests.factories.orders import drive, item, place

pytestmark = pytest.mark.django_db(transaction=True)
HUB = "/tmf-api/productOrderingManagement/v4/hub"


@pytest.fixture
def web(make_client):
    """The listening application: it holds the read scopes of what it listens to."""
    return make_client("web", ("orders:read", "carts:read", "customers:read", "catalog:read"))


def register(client, listener, query: str = "") -> dict:
    response = client.post(HUB, {"callback": listener.url, "query": query}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def states_per_order(listener) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for event in listener.bodies():
        order = event["event"]["productOrder"]
        label = "created" if event["eventType"] == "ProductOrderCreateEvent" else order["state"]
        seen.setdefault(order["id"], []).append(label)
    return seen


def wait_until(condition, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        fulfilment.sweep()
        dispatch.sweep()
        time.sleep(0.02)


def test_listeners_get_signed_tmf688_events_in_order(web, listener, hybrid, customer, systems):
    subscription = register(web, listener)
    order = drive(place(customer, [item(1, hybrid.phone), item(2, hybrid.plan)]).pk)
    assert order.state == "completed"
    wait_until(lambda: len(listener.received) == 3)

    assert states_per_order(listener) == {order.pk: ["created", "inProgress", "completed"]}
    body, headers = listener.received[-1]
    expected = "sha256=" + hmac.new(subscription["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Overlay-Signature"] == expected
    event = json.loads(body)
    assert event["eventType"] == "ProductOrderStateChangeEvent" and event["eventId"]
    assert event["eventTime"].endswith("Z") and event["domain"] == "productOrderingManagement"
    assert event["event"]["productOrder"]["href"].endswith(f"/productOrder/{order.pk}")
    assert EventDelivery.objects.filter(state="delivered").count() == 3


def test_a_listener_down_for_a_while_gets_every_event_afterwards_in_order(
    web, listener, hybrid, customer, systems, settings
):
    # With the tests' retries every few milliseconds, a slow machine drove the three orders for longer
    # than 20 attempts take, and the deliveries gave up (the next test's subject, not this one's).
    settings.EVENT_MAX_ATTEMPTS = 10_000
    settings.EVENT_RETRY_BASE_SECONDS, settings.EVENT_RETRY_MAX_SECONDS = 0.2, 0.5
    register(web, listener)
    listener.down = True
    orders = [drive(place(customer, [item(1, hybrid.fibre)]).pk) for _ in range(3)]
    for _ in range(3):
        dispatch.dispatch()
    assert listener.received == []
    assert DeliveryAttempt.objects.filter(status_code=503).exists()

    listener.down = False
    wait_until(lambda: EventDelivery.objects.exclude(state="delivered").count() == 0)
    assert states_per_order(listener) == {o.pk: ["created", "inProgress", "completed"] for o in orders}


def test_a_listener_that_never_answers_is_given_up_and_can_be_redelivered(web, listener, hybrid, customer, settings):
    settings.EVENT_MAX_ATTEMPTS = 2
    register(web, listener, query="eventType=ProductOrderCreateEvent")
    listener.down = True
    place(customer, [item(1, hybrid.streaming)])
    wait_until(lambda: EventDelivery.objects.filter(state="gaveUp").count() == 1)
    delivery = EventDelivery.objects.get()
    assert delivery.attempts == 2 and delivery.last_error == "HTTP 503"

    listener.down = False
    assert dispatch.redeliver(EventDelivery.objects.all()) == 1
    wait_until(lambda: EventDelivery.objects.filter(state="delivered").count() == 1)
    assert [e["eventType"] for e in listener.bodies()] == ["ProductOrderCreateEvent"]


def test_the_query_narrows_event_types_and_apis_are_separate(web, listener, hybrid, customer):
    register(web, listener, query="eventType=ProductOrderStateChangeEvent")
    other = register(web, listener)
    web.delete(f"{HUB}/{other['id']}")
    web.post("/tmf-api/productCatalogManagement/v4/hub", {"callback": listener.url + "/catalog"}, format="json")
    place(customer, [item(1, hybrid.streaming)])
    assert OutboxEvent.objects.filter(event_type="ProductOrderCreateEvent").count() == 1
    assert EventDelivery.objects.filter(event__event_type="ProductOrderCreateEvent").count() == 0
    assert not EventDelivery.objects.filter(subscription__api="productCatalogManagement").exists()


def test_cart_and_customer_changes_are_events_too(web, make_client, listener, customer, carts_app, hybrid):
    register_at = {
        "shoppingCart": "/tmf-api/shoppingCart/v4/hub",
        "customerManagement": "/tmf-api/customerManagement/v4/hub",
    }
    for path in register_at.values():
        assert web.post(path, {"callback": listener.url}, format="json").status_code == 201
    app = carts_app("web")
    cart = app.post(
        "/tmf-api/shoppingCart/v4/shoppingCart",
        {"relatedParty": [{"id": customer.pk, "role": "customer"}], "cartItem": []},
        format="json",
    ).json()
    app.delete(f"/tmf-api/shoppingCart/v4/shoppingCart/{cart['id']}")
    writer = make_client("callcentre", ("customers:read", "customers:write"))
    response = writer.patch(
        f"/tmf-api/customerManagement/v4/customer/{customer.pk}", {"status": "suspended"}, format="json"
    )
    assert response.status_code == 200, response.content
    wait_until(lambda: len(listener.received) == 3)
    assert [(e["eventType"], e["domain"]) for e in listener.bodies()] == [
        ("ShoppingCartCreateEvent", "shoppingCart"),
        ("ShoppingCartDeleteEvent", "shoppingCart"),
        ("CustomerStateChangeEvent", "customerManagement"),
    ]
    assert listener.bodies()[2]["event"]["customer"]["status"] == "suspended"
