"""Products imported from the stacks know what they are in the catalog, and cost the billing system's tariff.

The mobile stack names a subscription's plan by the billing system's tariff code (``MOB-M``); the catalog
imported the tariff table as offerings keyed by the same codes. Synced over HTTP from the simulator.
"""

from decimal import Decimal

import pytest

from adapters.sync import apply_pushed, sync_stream
from catalog.models import ProductOffering
from catalog.records import OfferingRecord, SpecificationRecord
from catalog.selectors import offerings_by_tariff_code
from catalog.services import offerings_import
from customers.imports import held_products_link
from customers.models import HeldProduct
from customers.records import HeldProductRecord, PartyRecord

pytestmark = pytest.mark.django_db(transaction=True)
PRODUCTS = "/tmf-api/productInventory/v4/product"


def amounts(body: dict) -> dict[str, tuple[str, float]]:
    return {p["name"]: (p["priceType"], p["price"]["dutyFreeAmount"]["value"]) for p in body["productPrice"]}


def test_imported_products_are_their_tariffs_offering_at_its_price(systems, make_client):
    sync_stream(systems["crm"], "products")
    for system, stream in (("crm", "customers"), ("mobile", "subscriptions"), ("fixed", "lines")):
        sync_stream(systems[system], stream)
    sync_stream(systems["logistics"], "shipments")

    tariffs = dict(ProductOffering.objects.filter(source_system="crm").values_list("external_id", "pk"))
    products = list(HeldProduct.objects.all())
    assert products and all(p.offering_id == tariffs[p.product_code] for p in products)
    reader = make_client("web", ("customers:read",))
    plan = next(p for p in products if p.product_code == "MOB-M")
    body = reader.get(f"{PRODUCTS}/{plan.pk}").json()
    assert body["productOffering"]["name"] == "Mobile M 50 GB"
    assert amounts(body) == {
        "Mobile M 50 GB monthly fee": ("recurring", 25),  # "25,00" in the billing system
        "Mobile M 50 GB SIM activation": ("oneTime", 10),
    }
    assert body["billingAccount"]["id"] == plan.billing_account_ref
    # A fixed line names no account: it is billed to its holder's, which the CRM keeps.
    line = next(p for p in products if p.system == "fixed")
    assert reader.get(f"{PRODUCTS}/{line.pk}").json()["billingAccount"]["id"].startswith("A")
    listed = reader.get(PRODUCTS, {"limit": 50}).json()
    assert all({"productOffering", "productPrice", "billingAccount"} <= set(p) for p in listed)


def test_products_imported_before_their_tariff_learn_it(systems):
    sync_stream(systems["mobile"], "subscriptions")
    assert not HeldProduct.objects.exclude(offering=None).exists()
    sync_stream(systems["crm"], "products")
    found = HeldProduct.objects.values_list("product_code", "offering__source_system", "offering__external_id")
    assert {(code, "crm", code) for code, _, _ in found} == set(found)


def test_a_tariff_change_is_the_new_price_of_every_product_on_it(systems, make_client):
    sync_stream(systems["crm"], "products")
    sync_stream(systems["fixed"], "lines")
    raised = OfferingRecord(
        "FIBRE-100",
        "Fibre 100 Mbps",
        recurring_price=Decimal("31.99"),
        one_time_price=Decimal("49.00"),
        one_time_name="Activation",
        specification=SpecificationRecord("FIBRE", "Fibre broadband"),
    )
    assert offerings_import("crm", [raised]).updated == 1
    line = HeldProduct.objects.filter(product_code="FIBRE-100").first()
    body = make_client("web", ("customers:read",)).get(f"{PRODUCTS}/{line.pk}").json()
    assert amounts(body)["Fibre 100 Mbps monthly fee"] == ("recurring", 31.99)


def test_a_code_no_tariff_names_leaves_the_product_without_offering(systems, make_client):
    sync_stream(systems["crm"], "products")
    holder = PartyRecord("h-1", given_name="Ivo", family_name="Bos", phone="+31612345678")
    record = HeldProductRecord("SUB-X", holder=holder, name="Legacy plan", product_code="LEGACY-9")
    held_products_link("mobile", [record], offerings=offerings_by_tariff_code).store()
    product = HeldProduct.objects.get(external_id="SUB-X")
    assert product.offering_id is None
    body = make_client("web", ("customers:read",)).get(f"{PRODUCTS}/{product.pk}").json()
    assert "productOffering" not in body and body["productPrice"] == []


def test_a_product_the_back_office_sends_again_is_what_it_says(systems, make_client):
    """An order changed the plan and agreed a price; the stack's own record, changed since, is the truth."""
    sync_stream(systems["crm"], "products")
    sync_stream(systems["mobile"], "subscriptions")
    product = HeldProduct.objects.filter(product_code="MOB-S").first()
    large = ProductOffering.objects.get(source_system="crm", external_id="MOB-L")
    agreed = [{"price_id": "x", "name": "Mobile L", "price_type": "recurring", "currency": "EUR", "amount": "30"}]
    HeldProduct.objects.filter(pk=product.pk).update(offering=large, name="Mobile L Unlimited", price=agreed)
    raw = {
        "subscriptionId": product.external_id,
        "msisdn": product.characteristics["MSISDN"],
        "plan": {"code": "MOB-S"},
        "holder": {"fullName": "Ivo Bos", "billingAccount": product.billing_account_ref},
        "status": "suspended",
        "updatedAt": "2027-01-01T00:00:00.000000Z",
    }
    apply_pushed(systems["mobile"], "subscriptions", [raw])
    product.refresh_from_db()
    assert (product.name, product.status, product.price) == ("Mobile S 10 GB", "suspended", None)
    assert product.offering.external_id == "MOB-S"
