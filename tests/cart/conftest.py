"""A small shop: plans, a phone with storage options, fibre (needs serviceability), a bundle, a campaign."""

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from catalog.models import OfferingRule, ProductOffering
from overlay.services import customer_token_issue

# The back-office simulator (a real process over loopback HTTP) and its systems, for qualification.
from tests.adapters.conftest import _fresh_circuit_breakers, simulator, systems  # noqa: F401
from tests.catalog.factories import (
    CampaignFactory,
    CharacteristicFactory,
    CharacteristicValueFactory,
    MemberFactory,
    OfferingFactory,
    PriceFactory,
    SpecificationFactory,
)
from tests.conftest import MERGE_PATCH
from tests.customers.factories import CustomerFactory

CART = "/tmf-api/shoppingCart/v4/shoppingCart"


@dataclass
class Shop:
    plan: ProductOffering
    phone: ProductOffering
    fibre: ProductOffering
    bundle: ProductOffering
    tv: ProductOffering
    addon: ProductOffering


@pytest.fixture
def shop(channels) -> Shop:
    sold = list(channels.values())
    plan = OfferingFactory(name="Unlimited 5G", channels=sold)
    PriceFactory(offering=plan, name="Monthly fee", amount=Decimal("20.00"), tax_rate=Decimal("21"))
    phone_spec = SpecificationFactory(name="Phone X", kind="physical")
    storage = CharacteristicFactory(specification=phone_spec, name="Storage", min_cardinality=1)
    CharacteristicValueFactory(characteristic=storage, value="128GB", is_default=True)
    CharacteristicValueFactory(characteristic=storage, value="256GB")
    phone = OfferingFactory(name="Phone X", specification=phone_spec, channels=sold)
    PriceFactory(
        offering=phone,
        name="Device",
        price_type="oneTime",
        recurring_period="",
        amount=Decimal("300.00"),
        tax_rate=Decimal("21"),
    )
    PriceFactory(
        offering=phone,
        name="Device 256GB extra",
        price_type="oneTime",
        recurring_period="",
        amount=Decimal("100"),
        char_name="Storage",
        char_value="256GB",
    )
    fibre_spec = SpecificationFactory(name="Fibre 1000", serviceability_system="fixed")
    fibre = OfferingFactory(name="Fibre 1000", specification=fibre_spec, channels=sold)
    PriceFactory(offering=fibre, name="Fibre monthly", amount=Decimal("40.00"))
    tv = OfferingFactory(name="TV pack", channels=sold)
    PriceFactory(offering=tv, name="TV monthly", amount=Decimal("10.00"))
    bundle = OfferingFactory(name="Home bundle", is_bundle=True, channels=sold)
    MemberFactory(bundle=bundle, member=fibre, lower_limit=1, upper_limit=1, default_count=1)
    MemberFactory(bundle=bundle, member=tv, lower_limit=0, upper_limit=2, default_count=1)
    addon = OfferingFactory(name="Roaming pack", channels=sold)
    PriceFactory(offering=addon, name="Roaming monthly", amount=Decimal("5.00"))
    CampaignFactory(name="Web 10% off", value=Decimal("10"), channels=[channels["web"]], offerings=[plan])
    return Shop(plan=plan, phone=phone, fibre=fibre, bundle=bundle, tv=tv, addon=addon)


@pytest.fixture
def carts_app(make_client):
    """A web channel application trusted with carts and orders (it has signed its users in)."""

    def make(channel: str = "web") -> APIClient:
        return make_client(channel, ("carts:read", "carts:write", "orders:read", "customers:read"))

    return make


@pytest.fixture
def customer_client(make_client):
    """A client acting as one customer (a customer token issued to a channel application)."""

    def make(customer, channel: str = "web") -> APIClient:
        app = make_client(channel, ("customers:token",))
        token = customer_token_issue(client_id=app.api_client.pk, channel=channel, customer_id=customer.pk).token
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        client.customer = customer
        return client

    return make


@pytest.fixture
def alice(db):
    return CustomerFactory(given_name="Alice", family_name="Jansen", postcode="1011AB", house_number="1")


@pytest.fixture
def bob(db):
    return CustomerFactory(given_name="Bob", family_name="de Vries")


def line(offering, quantity: int = 1, **extra) -> dict:
    item = {"productOffering": {"id": offering.pk}, "quantity": quantity}
    if "characteristics" in extra:
        item["product"] = {
            "productCharacteristic": [{"name": k, "value": v} for k, v in extra.pop("characteristics").items()]
        }
    item.update(extra)
    return item


def merge_patch(client, url: str, body: dict, **headers):
    return client.generic("PATCH", url, json.dumps(body), content_type=MERGE_PATCH, **headers)


def new_cart(client, customer=None, items=()) -> dict:
    body = {"cartItem": list(items)}
    if customer is not None:
        body["relatedParty"] = [{"id": customer.pk, "role": "customer", "@referredType": "Customer"}]
    response = client.post(CART, body, format="json")
    assert response.status_code == 201, response.content
    return response


def rule(offering, kind: str, value: str = "", other=None, message: str = "") -> OfferingRule:
    return OfferingRule.objects.create(offering=offering, kind=kind, value=value, other=other, message=message)
