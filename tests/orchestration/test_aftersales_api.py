"""After-sales orders through TMF622 POST productOrder: who may, what is refused (writing nothing), how they read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.fulfilment import plan_problems
from customers.models import HeldProduct, Interaction
from events.models import OutboxEvent
from orchestration.models import FulfilmentTask, ProductOrder
from orchestration.plan import plan_actions
from tests.factories.orders import OrderFactory, OrderItemFactory
from tests.tmf import assert_tmf_error

pytestmark = pytest.mark.django_db
ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"


def aftersales_body(kind, held, *, action=None, offering=None, customer=None, **terms) -> dict:
    item = {
        "id": "1",
        "action": action or {"return": "delete", "exchange": "modify", "repair": "modify"}[kind],
        "product": {"id": held.pk if held else "nope"},
    }
    if terms:
        item["product"]["productCharacteristic"] = [{"name": k, "value": v} for k, v in terms.items()]
    if offering is not None:
        item["productOffering"] = {"id": offering.pk}
    body = {"category": kind, "productOrderItem": [item]}
    if customer is not None:
        body["relatedParty"] = [{"id": customer.pk, "role": "customer"}]
    return body


def written() -> tuple:
    return (
        ProductOrder.objects.count(),
        FulfilmentTask.objects.count(),
        OutboxEvent.objects.count(),
        Interaction.objects.count(),
    )


def test_a_customer_returns_their_phone_and_sees_it_as_a_return(customer_client, devices, customer, held_device):
    phone = held_device(customer, devices.phone)
    me = customer_client(customer)

    response = me.post(ORDERS, aftersales_body("return", phone, reason="changedMind"), format="json")

    assert response.status_code == 201, response.content
    order = response.json()
    assert order["category"] == "return" and order["state"] == "acknowledged"
    item = order["productOrderItem"][0]
    assert item["action"] == "delete" and item["product"]["id"] == phone.pk
    # The refund is what was paid once for the phone (its offering's price: 300), a negative charge.
    assert item["itemPrice"][0]["price"]["taxIncludedAmount"] == {"unit": "EUR", "value": -300}
    terms = {c["name"]: c["value"] for c in item["product"]["productCharacteristic"]}
    assert terms["refund"] == "300.00" and terms["serialNumber"] == phone.characteristics["serialNumber"]
    stored = ProductOrder.objects.get(pk=order["id"])
    assert sorted(stored.tasks.values_list("key", flat=True)) == sorted(
        ["pickup", "inspect", "restock", "refund", "end_product"]
    )
    refund = stored.tasks.get(key="refund")
    assert refund.system == "crm" and refund.payload["characteristics"]["refund"] == "300.00"
    assert {stored.tasks.get(pk=i).key for i in stored.tasks.get(key="end_product").depends_on} == {"restock", "refund"}
    # Every channel reads it back among the customer's orders, by category too.
    listed = me.get(ORDERS, {"category": "return"}).json()
    assert [o["id"] for o in listed] == [order["id"]]
    assert Interaction.objects.filter(customer=customer, kind="order", summary__startswith="return").exists()
    assert HeldProduct.objects.get(pk=phone.pk).status == "active"  # until the return is fulfilled


def test_an_agent_exchanges_any_customers_phone_for_a_dearer_one_and_the_difference_is_charged(
    staff_client, devices, customer, held_device
):
    phone = held_device(customer, devices.phone)
    agent = staff_client("agent")

    body = aftersales_body("exchange", phone, offering=devices.dearer, customer=customer)
    response = agent.post(ORDERS, body, format="json")

    assert response.status_code == 201, response.content
    item = response.json()["productOrderItem"][0]
    assert item["productOffering"]["id"] == devices.dearer.pk
    assert item["itemPrice"][0]["price"]["taxIncludedAmount"] == {"unit": "EUR", "value": 100}
    order = ProductOrder.objects.get(pk=response.json()["id"])
    assert order.created_by == "agent:agent-user" and order.category == "exchange"
    assert sorted(order.tasks.values_list("key", flat=True)) == sorted(
        ["pickup", "inspect", "restock", "ship_replacement", "settle"]
    )
    assert order.tasks.get(key="settle").payload["characteristics"]["charge"] == "100.00"


def test_a_faulty_phone_is_exchanged_for_the_same_one_after_cooling_off_for_nothing(
    customer_client, devices, customer, held_device
):
    phone = held_device(customer, devices.phone, days=200)
    me = customer_client(customer)

    response = me.post(ORDERS, aftersales_body("exchange", phone, reason="faulty"), format="json")

    assert response.status_code == 201, response.content
    item = response.json()["productOrderItem"][0]
    assert "itemPrice" not in item and "orderTotalPrice" not in response.json()
    settle = ProductOrder.objects.get(pk=response.json()["id"]).tasks.get(key="settle")
    assert "charge" not in settle.payload["characteristics"] and "refund" not in settle.payload["characteristics"]


def test_a_repair_with_a_loaner_plans_the_loaner_steps_and_one_without_does_not(
    customer_client, devices, customer, held_device
):
    me = customer_client(customer)
    with_loaner = me.post(
        ORDERS, aftersales_body("repair", held_device(customer, devices.phone), loaner=True), format="json"
    )
    without = me.post(ORDERS, aftersales_body("repair", held_device(customer, devices.phone, days=400)), format="json")

    assert with_loaner.status_code == without.status_code == 201, (with_loaner.content, without.content)
    keys = [
        sorted(ProductOrder.objects.get(pk=r.json()["id"]).tasks.values_list("key", flat=True))
        for r in (with_loaner, without)
    ]
    assert keys[0] == sorted(["pickup", "inspect", "repair", "send_back", "ship_loaner", "collect_loaner"])
    assert keys[1] == sorted(["pickup", "inspect", "repair", "send_back"])


def test_plan_actions_choose_the_steps_by_the_after_sales_kind():
    order = ProductOrder(category="repair")
    assert plan_actions(order, OrderItemFactory.build(action="modify", characteristics={"loaner": "true"})) == {
        "repair",
        "loaner",
    }
    assert plan_actions(order, OrderItemFactory.build(action="modify", characteristics={})) == {"repair"}
    assert plan_actions(ProductOrder(category="upsell"), OrderItemFactory.build(action="add")) == {"add"}


@pytest.mark.parametrize(
    "case,status,code",
    [
        ("someone_elses", 422, None),
        ("unknown_product", 422, None),
        ("not_a_device", 422, None),
        ("already_returned", 409, None),
        ("being_returned", 409, None),
        ("after_cooling_off", 422, "coolingOffExpired"),
        ("exchange_after_cooling_off_not_faulty", 422, "coolingOffExpired"),
        ("exchange_for_unknown_offering", 422, None),
        ("exchange_for_a_plan", 422, None),
        ("repair_not_repairable", 422, None),
        ("wrong_action", 422, None),
        ("loaner_with_a_return", 422, None),
        ("unknown_term", 422, None),
        ("two_items_one_product", 422, None),
    ],
)
def test_bad_after_sales_requests_are_refused_and_write_nothing(
    customer_client, devices, customer, bob, held_device, case, status, code
):
    me = customer_client(customer)
    phone = held_device(customer, devices.phone)
    bodies = {
        "someone_elses": lambda: aftersales_body("return", held_device(bob, devices.phone)),
        "unknown_product": lambda: aftersales_body("return", None),
        "not_a_device": lambda: aftersales_body("return", held_device(customer, devices.plan, system="mobile")),
        "already_returned": lambda: aftersales_body(
            "return", held_device(customer, devices.phone, status=HeldProduct.Status.TERMINATED)
        ),
        "being_returned": lambda: _being_returned(phone),
        "after_cooling_off": lambda: aftersales_body("return", held_device(customer, devices.phone, days=15)),
        "exchange_after_cooling_off_not_faulty": lambda: aftersales_body(
            "exchange", held_device(customer, devices.phone, days=15), reason="changedMind"
        ),
        "exchange_for_unknown_offering": lambda: _with_offering(aftersales_body("exchange", phone), "nope"),
        "exchange_for_a_plan": lambda: aftersales_body("exchange", phone, offering=devices.plan),
        "repair_not_repairable": lambda: aftersales_body("repair", held_device(customer, devices.lite)),
        "wrong_action": lambda: aftersales_body("return", phone, action="modify"),
        "loaner_with_a_return": lambda: aftersales_body("return", phone, loaner=True),
        "unknown_term": lambda: aftersales_body("return", phone, colour="red"),
        "two_items_one_product": lambda: _twice(aftersales_body("return", phone)),
    }
    body = bodies[case]()
    before = written()

    response = me.post(ORDERS, body, format="json")

    error = assert_tmf_error(response, status)
    if code:
        assert error["code"] == code
    assert written() == before


def _being_returned(phone) -> dict:
    order = OrderFactory(customer=phone.customer, category="return", state="inProgress")
    OrderItemFactory(order=order, action="delete", held_product=phone)
    return aftersales_body("exchange", phone, reason="faulty")


def _with_offering(body: dict, offering_id: str) -> dict:
    body["productOrderItem"][0]["productOffering"] = {"id": offering_id}
    return body


def _twice(body: dict) -> dict:
    body["productOrderItem"].append({**body["productOrderItem"][0], "id": "2"})
    return body


def test_a_customer_cannot_return_for_another_customer(customer_client, devices, customer, bob, held_device):
    bobs = held_device(bob, devices.phone)
    response = customer_client(customer).post(ORDERS, aftersales_body("return", bobs, customer=bob), format="json")
    assert_tmf_error(response, 403)
    assert ProductOrder.objects.count() == 0


def test_an_application_without_orders_write_cannot_start_one(make_client, devices, customer, held_device):
    reader = make_client("web", ("orders:read", "customers:read"))
    body = aftersales_body("return", held_device(customer, devices.phone), customer=customer)
    assert_tmf_error(reader.post(ORDERS, body, format="json"), 403)
    assert ProductOrder.objects.count() == 0


def test_the_cooling_off_period_is_a_setting(customer_client, devices, customer, held_device, settings):
    settings.COOLING_OFF_DAYS = 30
    phone = held_device(customer, devices.phone, days=20)
    response = customer_client(customer).post(ORDERS, aftersales_body("return", phone), format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("count", [2, 20])
def test_listing_after_sales_orders_takes_the_same_queries_for_2_and_20(
    customer_client, devices, customer, held_device, django_assert_num_queries, count
):
    me = customer_client(customer)
    for _ in range(count):
        phone = held_device(customer, devices.phone, days=1)
        assert me.post(ORDERS, aftersales_body("return", phone), format="json").status_code == 201
    ProductOrder.objects.update(order_date=timezone.now() - timedelta(minutes=1))
    with django_assert_num_queries(4):
        response = me.get(ORDERS, {"category": "return", "limit": 50})
    assert len(response.json()) == count


def test_the_serial_number_is_personal_data_in_the_order(customer_client, make_client, devices, customer, held_device):
    phone = held_device(customer, devices.phone)
    me = customer_client(customer)
    order = me.post(ORDERS, aftersales_body("return", phone), format="json").json()
    serial = phone.characteristics["serialNumber"]

    def serial_seen_by(client) -> str:
        item = client.get(f"{ORDERS}/{order['id']}").json()["productOrderItem"][0]
        return {c["name"]: c["value"] for c in item["product"]["productCharacteristic"]}["serialNumber"]

    assert serial_seen_by(me) == serial
    assert serial_seen_by(make_client("web", ("orders:read",))) == "***" + serial[-4:]
    assert serial_seen_by(make_client("web", ("orders:read", "customers:pii"))) == serial
    created = OutboxEvent.objects.get(resource_id=order["id"], event_type="ProductOrderCreateEvent")
    assert serial not in str(created.payload)


def test_an_after_sales_order_is_published_to_listeners_with_its_category(
    customer_client, devices, customer, held_device
):
    order = customer_client(customer).post(
        ORDERS, aftersales_body("repair", held_device(customer, devices.phone), reason="faulty"), format="json"
    )
    event = OutboxEvent.objects.get(resource_id=order.json()["id"], event_type="ProductOrderCreateEvent")
    assert event.payload["productOrder"]["category"] == "repair"
    assert event.payload["productOrder"]["productOrderItem"][0]["action"] == "modify"


def test_plans_may_name_the_after_sales_kinds_and_nothing_else():
    def plan(actions):
        return [{"key": "pickup", "after": [], "actions": actions}]

    assert plan_problems(plan(["return", "exchange", "repair", "loaner"])) == []
    assert plan_problems(plan(["refund"])) == [
        "Step 'pickup': actions must be among add, modify, delete, return, exchange, repair, loaner."
    ]


@pytest.mark.parametrize(
    ("kind", "value"), [("segment", "business"), ("min_age", "120"), ("region", "9999"), ("channel", "nowhere")]
)
def test_an_exchange_is_for_a_device_the_customer_may_buy(customer_client, devices, customer, held_device, kind, value):
    """Before: an exchange checked only that the device was sold in the channel, so a consumer swapped their
    phone for one sold only to business customers, to adults or in another region (the rules a purchase
    obeys), paying the difference."""
    from tests.factories.catalog import rule

    rule(devices.dearer, kind, value)
    phone = held_device(customer, devices.phone)
    before = written()

    body = aftersales_body("exchange", phone, offering=devices.dearer)
    response = customer_client(customer).post(ORDERS, body, format="json")

    assert [problem["rule"] for problem in assert_tmf_error(response, 422, "cartNotValid")["validation"]] == [kind]
    assert written() == before
