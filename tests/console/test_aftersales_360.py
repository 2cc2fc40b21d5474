"""The 360°'s returns, exchanges and repairs, and an agent starting one from the console."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from customers.models import Interaction
from orchestration.models import FulfilmentTask, ProductOrder
from tests.factories.customers import CustomerFactory
from tests.tmf import queries_for

pytestmark = pytest.mark.django_db
ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"


def url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/360"


def page(customer) -> str:
    return reverse("admin:customer-console-customer", args=[customer.pk])


def start(customer) -> str:
    return reverse("admin:customer-console-aftersales", args=[customer.pk])


def returned(client, held) -> dict:
    body = {"category": "return", "productOrderItem": [{"id": "1", "action": "delete", "product": {"id": held.pk}}]}
    response = client.post(ORDERS, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_360_shows_returns_and_what_can_be_started_serials_masked_for_agents(
    staff_client, customer_client, devices, customer, held_device
):
    phone, old = held_device(customer, devices.phone), held_device(customer, devices.lite, days=60)
    order = returned(customer_client(customer), phone)
    serial = phone.characteristics["serialNumber"]

    view = staff_client("agent").get(url(customer)).json()

    [shown] = view["afterSales"]
    assert shown["id"] == order["id"] and shown["category"] == "return" and shown["state"] == "acknowledged"
    assert shown["product"][0]["serialNumber"] == "***" + serial[-4:]
    assert shown["product"][0]["money"] == {"kind": "refund", "amount": {"unit": "EUR", "value": 300}}
    # The phone is being returned: nothing more for it; the old cheap one can only be exchanged now.
    assert [(d["id"], d["allowed"]) for d in view["afterSalesDevice"]] == [(old.pk, ["exchange"])]
    assert {o["name"] for o in view["afterSalesOffering"]} == {"Phone X", "Phone X Pro", "Phone Lite"}
    supervisor = staff_client("supervisor").get(url(customer)).json()
    assert supervisor["afterSales"][0]["product"][0]["serialNumber"] == serial


def test_callers_without_orders_read_get_no_after_sales_part(make_client, devices, customer, held_device):
    held_device(customer, devices.phone)
    view = make_client("callcentre", ("customers:read",)).get(url(customer)).json()
    assert "afterSales" not in view and "afterSalesDevice" not in view
    reader = make_client("callcentre", ("customers:read", "orders:read")).get(url(customer)).json()
    assert reader["afterSales"] == [] and "afterSalesDevice" not in reader


def test_an_agent_starts_a_return_from_the_console(staff_client, devices, customer, held_device):
    phone = held_device(customer, devices.phone)
    agent = staff_client("agent")

    response = agent.post(start(customer), {"product": phone.pk, "kind": "return", "reason": "changedMind"})

    assert response.status_code == 302 and response["Location"] == page(customer)
    order = ProductOrder.objects.get(customer=customer)
    assert order.category == "return" and order.channel == "callcentre" and order.created_by == "agent:agent-user"
    assert Interaction.objects.filter(customer=customer, summary__startswith="return").exists()
    html = agent.get(page(customer)).content.decode()
    assert 'id="aftersales"' in html and "Return" in html and "refund 300.00 EUR" in html


def test_an_agent_exchanges_for_another_device_with_a_loaner_refused(staff_client, devices, customer, held_device):
    phone = held_device(customer, devices.phone)
    agent = staff_client("agent")
    form = {"product": phone.pk, "kind": "exchange", "reason": "changedMind", "offering": devices.dearer.pk}

    refused = agent.post(start(customer), {**form, "loaner": "on"})
    assert [m.message for m in get_messages(refused.wsgi_request)] == ["a loaner device comes with a repair only."]
    assert ProductOrder.objects.count() == 0

    agent.post(start(customer), form)
    item = ProductOrder.objects.get(customer=customer, category="exchange").items.get()
    assert item.offering_id == devices.dearer.pk and item.characteristics["charge"] == "100.00"


@pytest.mark.parametrize(
    "form",
    [
        {"kind": "return", "reason": "changedMind"},  # outside the cooling-off period
        {"kind": "repair", "reason": "faulty", "product": "nope"},
        {"kind": "explode", "reason": "faulty"},
        {"kind": "return", "reason": "bored"},
    ],
)
def test_a_refused_start_says_why_and_writes_nothing(staff_client, devices, customer, held_device, form):
    phone = held_device(customer, devices.phone, days=30)
    agent = staff_client("agent")
    before = (ProductOrder.objects.count(), FulfilmentTask.objects.count(), Interaction.objects.count())

    response = agent.post(start(customer), {"product": phone.pk, **form})

    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert (ProductOrder.objects.count(), FulfilmentTask.objects.count(), Interaction.objects.count()) == before


def test_who_may_start_one(staff_client, devices, customer, bob, held_device):
    phone = held_device(customer, devices.phone)
    form = {"product": phone.pk, "kind": "return", "reason": "faulty"}
    assert staff_client("catalog_manager").post(start(customer), form).status_code == 403
    agent = staff_client("agent")
    assert agent.get(start(customer)).status_code == 405
    # Someone else's product, named under another customer: refused as not theirs.
    agent.post(start(bob), form)
    assert ProductOrder.objects.count() == 0


def test_the_after_sales_part_takes_the_same_queries_for_2_and_20(staff_client, customer_client, devices, held_device):
    agent = staff_client("agent")

    def customer_with(count):
        customer = CustomerFactory(postcode="1011AB", house_number="1")
        me = customer_client(customer)
        for n in range(count):
            phone = held_device(customer, devices.phone)
            held_device(customer, devices.lite)
            if n % 2 == 0:
                returned(me, phone)
        return customer

    few, many = customer_with(2), customer_with(20)
    agent.get(url(few)), agent.get(url(many))
    assert queries_for(lambda: agent.get(url(few))) == queries_for(lambda: agent.get(url(many)))
    assert len(agent.get(url(many)).json()["afterSales"]) == 10
