"""After-sales orders fulfilled against the simulated logistics and billing systems over HTTP.

In-process without a broker (as tests/orchestration/test_fulfilment.py): the order's ready tasks run
on commit, ``drive`` runs the sweeper. The worker path is tests/e2e/test_aftersales_e2e.py.
"""

import json
from decimal import Decimal
from urllib.request import Request, urlopen

import pytest

from adapters.sync import sync_system
from catalog.models import ProductOfferingPrice
from customers.models import HeldProduct
from orchestration.models import ProductOrder
from tests.factories.orders import drive, fulfilment_log, item, place
from tests.fixtures.simulator import API_KEY

pytestmark = pytest.mark.django_db(transaction=True)
ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
CANCELS = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"


def sim_get(simulator, path: str) -> dict:
    request = Request(f"{simulator.url}{path}", headers={"X-Api-Key": API_KEY})
    return json.loads(urlopen(request, timeout=5).read())


def delivered_phone(customer, offering) -> HeldProduct:
    """A phone ordered and shipped through the logistics system: it has a serial number there."""
    order = drive(place(customer, [item(1, offering)]).pk)
    assert order.state == "completed", order.state_reason
    return HeldProduct.objects.get(customer=customer, offering=offering, status="active")


def start(client, kind: str, held: HeldProduct, action: str, **terms) -> ProductOrder:
    product = {"id": held.pk, "productCharacteristic": [{"name": k, "value": v} for k, v in terms.items()]}
    body = {"category": kind, "productOrderItem": [{"id": "1", "action": action, "product": product}]}
    response = client.post(ORDERS, body, format="json")
    assert response.status_code == 201, response.content
    return drive(response.json()["id"])


def account_of(order: ProductOrder) -> str:
    terms = order.items.get().characteristics
    return terms.get("billingAccount") or order.customer_id


def test_a_return_credits_the_refund_takes_the_device_back_and_ends_the_product(
    customer_client, devices, customer, systems, simulator
):
    phone = delivered_phone(customer, devices.phone)
    serial = phone.characteristics["serialNumber"]
    assert sim_get(simulator, f"/logistics/devices/{serial}")["state"] == "withCustomer"

    order = start(customer_client(customer), "return", phone, "delete", reason="changedMind")

    assert order.state == "completed", order.state_reason
    assert HeldProduct.objects.get(pk=phone.pk).status == "terminated"
    billing = sim_get(simulator, f"/crm/accounts/{account_of(order)}/adjustments")
    assert [(a["kind"], a["amount"]) for a in billing["adjustments"]] == [("credit", "300.00")]
    device = sim_get(simulator, f"/logistics/devices/{serial}")
    assert device["state"] == "inStock" and device["customer"] is None
    assert [m["task"] for m in device["moves"]][1:] == [
        "pickup_device",
        "inspect_device",
        "restock_device",
        "terminate_device",
    ]


def test_a_faulty_phone_is_swapped_for_a_new_serial_number_at_no_charge(
    customer_client, devices, customer, systems, simulator
):
    phone = delivered_phone(customer, devices.phone)
    old = phone.characteristics["serialNumber"]

    order = start(customer_client(customer), "exchange", phone, "modify", reason="faulty")

    assert order.state == "completed", order.state_reason
    swapped = HeldProduct.objects.get(pk=phone.pk)
    new = swapped.characteristics["serialNumber"]
    assert swapped.status == "active" and new != old and swapped.offering_id == devices.phone.pk
    assert sim_get(simulator, f"/logistics/devices/{new}")["state"] == "withCustomer"
    assert sim_get(simulator, f"/logistics/devices/{old}")["state"] == "inStock"
    assert sim_get(simulator, f"/crm/accounts/{account_of(order)}/adjustments")["adjustments"] == []
    assert order.tasks.get(key="settle").outputs["settled"] == "nothing to settle"


def test_a_repair_with_a_loaner_lends_a_device_until_the_repaired_one_is_back(
    customer_client, devices, customer, systems, simulator
):
    phone = delivered_phone(customer, devices.phone)
    serial = phone.characteristics["serialNumber"]
    simulator.control("faults", {"system": "logistics", "repair_ms": 300})

    order = start(customer_client(customer), "repair", phone, "modify", reason="faulty", loaner=True)

    assert order.state == "completed", order.state_reason
    tasks = {t.key: t for t in order.tasks.all()}
    # The loaner went out before the repair was done, and came back after the phone was home again.
    assert tasks["ship_loaner"].finished_at < tasks["repair"].finished_at
    assert tasks["collect_loaner"].submitted_at >= tasks["send_back"].finished_at
    loaner = tasks["ship_loaner"].outputs["loanerSerialNumber"]
    assert sim_get(simulator, f"/logistics/devices/{loaner}")["state"] == "inStock"
    assert sim_get(simulator, f"/logistics/repairs/{tasks['repair'].outputs['repairJob']}")["state"] == "returned"
    assert sim_get(simulator, f"/logistics/devices/{serial}")["state"] == "withCustomer"
    kept = HeldProduct.objects.get(pk=phone.pk)
    assert kept.status == "active" and kept.characteristics["serialNumber"] == serial


def test_a_return_whose_refund_is_refused_is_undone_and_keeps_the_product(
    customer_client, devices, customer, systems, simulator
):
    phone = delivered_phone(customer, devices.phone)
    simulator.control("faults", {"system": "crm", "reject_tasks": ["credit_account"]})

    order = start(customer_client(customer), "return", phone, "delete")

    assert order.state == "failed" and "credit_account" in order.state_reason
    assert HeldProduct.objects.get(pk=phone.pk).status == "active"
    cancelled = {r["task"] for r in fulfilment_log(simulator) if r["cancelled"]}
    assert {"pickup_device", "inspect_device"} <= cancelled
    serial = phone.characteristics["serialNumber"]
    assert sim_get(simulator, f"/logistics/devices/{serial}")["state"] == "withCustomer"
    assert sim_get(simulator, f"/crm/accounts/{account_of(order)}/adjustments")["adjustments"] == []


def test_a_phone_synced_from_logistics_carries_its_serial_number(systems, simulator):
    sync_system(systems["logistics"])
    shipped = HeldProduct.objects.filter(system="logistics").order_by("external_id").first()
    serial = shipped.characteristics["serialNumber"]
    assert len(serial) == 15 and serial.isdigit()
    record = simulator.records("logistics", "shipments")[0]
    assert record["item"]["serialNo"] == serial and record["shipmentNo"] == shipped.external_id


def test_a_return_cancelled_midway_reverses_the_refund_and_gives_the_device_back(
    customer_client, devices, customer, systems, simulator
):
    phone = delivered_phone(customer, devices.phone)
    serial = phone.characteristics["serialNumber"]
    simulator.control("faults", {"system": "logistics", "fulfil_ms": 800})  # each logistics step takes a while
    me = customer_client(customer)
    body = {"category": "return", "productOrderItem": [{"id": "1", "action": "delete", "product": {"id": phone.pk}}]}
    order_id = me.post(ORDERS, body, format="json").json()["id"]
    drive(order_id, until=lambda o: o.tasks.filter(key="refund", state="done").exists())

    cancelled = me.post(CANCELS, {"productOrder": {"id": order_id}, "cancellationReason": "kept it"}, format="json")

    assert cancelled.status_code == 201, cancelled.content
    order = drive(order_id)
    assert order.state == "cancelled", order.state_reason
    billing = sim_get(simulator, f"/crm/accounts/{account_of(order)}/adjustments")
    assert [(a["kind"], a["reversed"]) for a in billing["adjustments"]] == [("credit", True)]
    assert billing["balance"] == "0"
    assert sim_get(simulator, f"/logistics/devices/{serial}")["state"] == "withCustomer"
    assert HeldProduct.objects.get(pk=phone.pk).status == "active"


def paid_once(offering, amount: str) -> dict:
    """A one-time charge as an order's item price keeps it (and the held product it delivers)."""
    return {
        "price_id": "",
        "offering_id": offering.pk,
        "name": "Device",
        "price_type": "oneTime",
        "period": "",
        "unit_of_measure": "",
        "currency": "EUR",
        "quantity": "1",
        "gross_amount": amount,
        "amount": amount,
        "tax_rate": "0.00",
        "tax_amount": "0.00",
        "total": amount,
        "alterations": [],
    }


def test_a_device_exchanged_for_another_refunds_what_was_paid_for_it_not_its_price_that_day(
    customer_client, devices, customer, systems, simulator
):
    """Before: the exchanged-for device was held with no price, so its return refunded its offering's price on
    the day of the return (in the returning channel): a customer exchanged for a dearer phone, waited for its
    price to rise (or returned it through a channel without the exchange's campaign) and got more back than paid."""
    phone = delivered_phone(customer, devices.phone)
    HeldProduct.objects.filter(pk=phone.pk).update(
        price=[paid_once(devices.phone, "300.00")]
    )  # as a checkout leaves it
    me = customer_client(customer)
    product = {"id": phone.pk, "productCharacteristic": [{"name": "reason", "value": "changedMind"}]}
    line = {"id": "1", "action": "modify", "product": product, "productOffering": {"id": devices.dearer.pk}}
    response = me.post(ORDERS, {"category": "exchange", "productOrderItem": [line]}, format="json")
    assert response.status_code == 201, response.content
    assert drive(response.json()["id"]).state == "completed"  # 100 charged: 400 paid for the dearer one
    shown = me.get(f"/tmf-api/productInventory/v4/product/{phone.pk}")
    assert shown.status_code == 200 and shown.json()["productOffering"]["id"] == devices.dearer.pk
    ProductOfferingPrice.objects.filter(offering=devices.dearer).update(amount=Decimal("900"))

    back = start(me, "return", HeldProduct.objects.get(pk=phone.pk), "delete", reason="changedMind")

    assert back.items.get().characteristics["refund"] == "400.00"
