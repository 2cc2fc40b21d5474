"""A plan change end to end, on PostgreSQL with the simulated estate over HTTP: the demo catalog built on the
billing system's tariffs, subscriptions synced from the mobile stack, a TMF622 modify carried out in the
stack, and the held product in TMF637 afterwards."""

import pytest

from adapters.demo import import_catalogs
from adapters.sync import sync_stream
from catalog.demo import load_demo_catalog
from catalog.models import ProductOffering
from customers.models import HeldProduct
from orchestration.models import FulfilmentTask
from tests.factories.orders import drive, fulfilment_log

pytestmark = pytest.mark.django_db(transaction=True)
ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
PRODUCTS = "/tmf-api/productInventory/v4/product"


@pytest.fixture
def estate(systems):
    """The demo catalog on the imported tariffs; the CRM's customers and the mobile stack's subscriptions."""
    import_catalogs()
    load_demo_catalog()
    sync_stream(systems["crm"], "customers")
    sync_stream(systems["mobile"], "subscriptions")
    return systems


@pytest.fixture
def orders_app(make_client):
    return make_client("web", ("orders:read", "orders:write", "customers:read"))


def plan_change(app, held: HeldProduct, to: ProductOffering) -> dict:
    line = {"id": "1", "action": "modify", "productOffering": {"id": to.pk}, "product": {"id": held.pk}}
    body = {"productOrderItem": [line], "relatedParty": [{"id": held.customer_id, "role": "customer"}]}
    response = app.post(ORDERS, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def prices(body_prices: list[dict]) -> list[tuple]:
    return sorted((p["name"], p["priceType"], p["price"]["dutyFreeAmount"]["value"]) for p in body_prices)


def test_a_plan_change_moves_the_held_product_to_the_new_plan(estate, simulator, orders_app):
    held = HeldProduct.objects.filter(product_code="MOB-S", status="active").first()
    large = ProductOffering.objects.get(source_system="crm", external_id="MOB-L")
    before = orders_app.get(f"{PRODUCTS}/{held.pk}").json()
    assert before["name"] == before["productOffering"]["name"] == "Mobile S 10 GB"

    placed = plan_change(orders_app, held, large)
    charged = placed["productOrderItem"][0]["itemPrice"]
    # No SIM activation for a SIM in use: the monthly fee, and the plan's usage prices (rated as used).
    assert {p["priceType"] for p in charged} == {"recurring", "usage"}
    order = orders_app.get(f"{ORDERS}/{drive(placed['id']).pk}").json()

    assert (order["state"], order["stateReason"]) == ("completed", "every item delivered")
    assert order["productOrderItem"][0]["product"]["id"] == held.pk
    after = orders_app.get(f"{PRODUCTS}/{held.pk}").json()
    assert after["name"] == "Mobile L Unlimited"
    assert after["productOffering"]["id"] == large.pk and after["productOffering"]["name"] == "Mobile L Unlimited"
    assert prices(after["productPrice"]) == prices(charged)  # what the change was charged, per month
    kept = [c for c in after["productCharacteristic"] if c["name"] in ("MSISDN", "ICCID")]
    assert kept == before["productCharacteristic"]  # the same line, the same SIM
    # The mobile stack was asked, once, to change the subscription it keeps to the new plan.
    (sent,) = [t for t in fulfilment_log(simulator) if t["reference"].startswith(placed["id"])]
    assert (sent["system"], sent["task"], sent["submits"]) == ("mobile", "modify_product", 1)
    payload = FulfilmentTask.objects.get(reference=sent["reference"]).payload
    assert payload["offering"]["name"] == "Mobile L Unlimited"
    assert payload["product"] == {"system": "mobile", "id": held.external_id}


def test_a_plan_change_the_stack_refuses_leaves_the_product_as_it_was(estate, simulator, orders_app):
    simulator.control("faults", {"system": "mobile", "reject_tasks": ["modify_product"]})
    held = HeldProduct.objects.filter(product_code="MOB-S", status="active").first()
    before = orders_app.get(f"{PRODUCTS}/{held.pk}").json()
    large = ProductOffering.objects.get(source_system="crm", external_id="MOB-L")

    order = drive(plan_change(orders_app, held, large)["id"])

    assert order.state == "failed" and "modify_product in mobile failed" in order.state_reason
    assert orders_app.get(f"{PRODUCTS}/{held.pk}").json() == before
