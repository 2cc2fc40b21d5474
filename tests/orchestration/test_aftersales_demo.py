"""The demo's after-sales plans (``make run``): a phone synced from logistics, exchanged when faulty and
repaired with a loaner by the demo catalog's plans, against the simulated estate over HTTP."""

import pytest

from adapters.demo import import_catalogs
from adapters.sync import sync_stream
from catalog.demo import load_demo_catalog
from customers.models import HeldProduct
from tests.factories.orders import drive

pytestmark = pytest.mark.django_db(transaction=True)
ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"


@pytest.fixture
def estate(systems):
    import_catalogs()
    load_demo_catalog()
    sync_stream(systems["crm"], "customers")
    sync_stream(systems["logistics"], "shipments")
    return systems


def ask(app, kind: str, held: HeldProduct, **terms):
    action = "delete" if kind == "return" else "modify"
    product = {"id": held.pk, "productCharacteristic": [{"name": k, "value": v} for k, v in terms.items()]}
    body = {
        "category": kind,
        "productOrderItem": [{"id": "1", "action": action, "product": product}],
        "relatedParty": [{"id": held.customer_id, "role": "customer"}],
    }
    return app.post(ORDERS, body, format="json")


def test_the_demo_phones_are_exchanged_and_repaired_by_their_plans(estate, simulator, make_client):
    agent_app = make_client("callcentre", ("orders:read", "orders:write", "customers:read"))
    first, second = HeldProduct.objects.filter(system="logistics", offering__isnull=False).order_by("external_id")[:2]
    serial = first.characteristics["serialNumber"]

    # Delivered long ago (the shipments' dates): too late to return.
    refused = ask(agent_app, "return", first)
    assert refused.status_code == 422 and refused.json()["code"] == "coolingOffExpired"

    exchanged = ask(agent_app, "exchange", first, reason="faulty")
    repaired = ask(agent_app, "repair", second, reason="faulty", loaner=True)
    assert exchanged.status_code == repaired.status_code == 201, (exchanged.content, repaired.content)

    assert drive(exchanged.json()["id"]).state == "completed"
    assert HeldProduct.objects.get(pk=first.pk).characteristics["serialNumber"] != serial
    order = drive(repaired.json()["id"])
    assert order.state == "completed"
    assert {"ship_loaner", "collect_loaner", "repair", "send_back"} <= set(order.tasks.values_list("key", flat=True))
