"""Returns, exchanges and repairs with real parts: the customer's channel over HTTP (live server), a Redis
broker, a Celery worker process, the simulated logistics and billing over HTTP on loopback."""

import json
import uuid
from datetime import timedelta
from urllib.request import Request, urlopen

import httpx
import pytest
from django.utils import timezone

from customers.models import HeldProduct
from orchestration.models import FulfilmentTask, ProductOrder
from overlay.services import api_client_create, customer_token_issue
from tests.e2e.test_fulfilment_e2e import final, wait_for
from tests.factories.orders import item, place
from tests.fixtures.simulator import API_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
PRODUCTS = "/tmf-api/productInventory/v4/product"


def channel_of(customer, base_url: str) -> httpx.Client:
    """The customer signed in to the web shop: a customer token of a web application."""
    issued = api_client_create(name=f"web-{uuid.uuid4().hex[:6]}", channel="web", scopes=["customers:token"])
    token = customer_token_issue(client_id=issued.client.pk, channel="web", customer_id=customer.pk).token
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def sim_get(simulator, path: str) -> dict:
    return json.loads(urlopen(Request(f"{simulator.url}{path}", headers={"X-Api-Key": API_KEY}), timeout=5).read())


def delivered(customer, offering, worker) -> HeldProduct:
    order = final(place(customer, [item(1, offering)]).pk, worker)
    assert order.state == "completed", order.state_reason
    return order.items.get().product


def ask(client: httpx.Client, kind: str, held: HeldProduct, action: str, **terms) -> httpx.Response:
    product = {"id": held.pk, "productCharacteristic": [{"name": k, "value": v} for k, v in terms.items()]}
    return client.post(
        ORDERS, json={"category": kind, "productOrderItem": [{"id": "1", "action": action, "product": product}]}
    )


def followed(client: httpx.Client, order_id: str, worker) -> dict:
    """The order as the customer's channel reads it, once it is final."""

    def done():
        body = client.get(f"{ORDERS}/{order_id}").json()
        return body if body["state"] in ("completed", "failed", "partial", "cancelled") else None

    return wait_for(done, worker, what=f"order {order_id} final over HTTP")


def account_of(order: dict, customer) -> str:
    """The billing account the order's money goes to (the customer's id in the simulator when it has none)."""
    return ProductOrder.objects.get(pk=order["id"]).items.get().characteristics.get("billingAccount", customer.pk)


def test_a_phone_is_returned_within_its_cooling_off_period_and_refused_after_it(
    celery_worker, live_server, devices, customer, estate, simulator
):
    phone = delivered(customer, devices.phone, celery_worker)
    late = delivered(customer, devices.lite, celery_worker)
    HeldProduct.objects.filter(pk=late.pk).update(start_date=timezone.now() - timedelta(days=15))
    shop = channel_of(customer, live_server.url)
    serial = phone.characteristics["serialNumber"]

    response = ask(shop, "return", phone, "delete", reason="changedMind")
    assert response.status_code == 201, response.text
    order = followed(shop, response.json()["id"], celery_worker)

    assert order["state"] == "completed" and order["category"] == "return"
    # The refund is credited on the billing account, the device is back in the warehouse, the product gone.
    billing = sim_get(simulator, f"/crm/accounts/{account_of(order, customer)}/adjustments")
    assert [(a["kind"], a["amount"], a["reversed"]) for a in billing["adjustments"]] == [("credit", "300.00", False)]
    assert sim_get(simulator, f"/logistics/devices/{serial}")["state"] == "inStock"
    assert shop.get(f"{PRODUCTS}/{phone.pk}").json()["status"] == "terminated"
    assert [p["id"] for p in shop.get(PRODUCTS, params={"status": "active"}).json()] == [late.pk]

    # The cheap phone was delivered fifteen days ago: too late to return; nothing is written or sent.
    tasks_before, log_before = FulfilmentTask.objects.count(), len(sim_get(simulator, "/_control/fulfilment")["tasks"])
    refused = ask(shop, "return", late, "delete")
    assert refused.status_code == 422 and refused.json()["code"] == "coolingOffExpired"
    assert ProductOrder.objects.filter(category="return").count() == 1
    assert FulfilmentTask.objects.count() == tasks_before
    assert len(sim_get(simulator, "/_control/fulfilment")["tasks"]) == log_before


def test_a_faulty_phone_is_exchanged_for_a_new_serial_and_another_repaired_with_a_loaner(
    celery_worker, live_server, devices, customer, estate, simulator
):
    faulty = delivered(customer, devices.phone, celery_worker)
    broken = delivered(customer, devices.phone, celery_worker)
    HeldProduct.objects.filter(pk=faulty.pk).update(start_date=timezone.now() - timedelta(days=100))
    simulator.control("faults", {"system": "logistics", "repair_ms": 500})
    shop = channel_of(customer, live_server.url)
    old = faulty.characteristics["serialNumber"]

    exchange = ask(shop, "exchange", faulty, "modify", reason="faulty")
    repair = ask(shop, "repair", broken, "modify", reason="faulty", loaner=True)
    assert exchange.status_code == repair.status_code == 201, (exchange.text, repair.text)
    exchanged = followed(shop, exchange.json()["id"], celery_worker)
    repaired = followed(shop, repair.json()["id"], celery_worker)

    assert exchanged["state"] == "completed" and "orderTotalPrice" not in exchanged
    product = shop.get(f"{PRODUCTS}/{faulty.pk}").json()
    new = {c["name"]: c["value"] for c in product["productCharacteristic"]}["serialNumber"]
    assert product["status"] == "active" and new != old
    assert sim_get(simulator, f"/logistics/devices/{new}")["state"] == "withCustomer"
    account = (
        ProductOrder.objects.get(pk=exchanged["id"]).items.get().characteristics.get("billingAccount", customer.pk)
    )
    assert sim_get(simulator, f"/crm/accounts/{account}/adjustments")["adjustments"] == []  # no charge

    assert repaired["state"] == "completed"
    tasks = {t.key: t for t in FulfilmentTask.objects.filter(order_id=repaired["id"])}
    assert sim_get(simulator, f"/logistics/repairs/{tasks['repair'].outputs['repairJob']}")["state"] == "returned"
    assert sim_get(simulator, f"/logistics/devices/{tasks['ship_loaner'].outputs['loanerSerialNumber']}")["state"] == (
        "inStock"
    )
    assert shop.get(f"{PRODUCTS}/{broken.pk}").json()["status"] == "active"
