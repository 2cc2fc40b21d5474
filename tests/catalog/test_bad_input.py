"""TMF620 bad input: nested objects are validated whole on PATCH as on POST; counts stay in range.

Every refusal is a TMF error with nothing written (row counts before and after) and the resource
unchanged.
"""

import pytest

from tests.factories.carts import CartFactory, CartItemFactory
from tests.factories.catalog import OfferingFactory, PriceFactory, SpecificationFactory
from tests.tmf import assert_tmf_error, rows_in_database

pytestmark = pytest.mark.django_db

BASE = "/tmf-api/productCatalogManagement/v4"
OFFERING_PATCHES = [
    {"category": [{}]},
    {"channel": [{}]},
    {"marketSegment": [{}]},
    {"productOfferingPrice": [{}]},
    {"bundledProductOffering": [{"bundledProductOfferingOption": {"numberRelOfferLowerLimit": 1}}]},
    {"productSpecification": {"name": "x"}},  # was a 200 that unlinked the specification
    {"validFor": {"startDateTime": "2024-02-30T00:00:00Z"}},
]
PRICE_PATCHES = [
    {"price": {"unit": "EUR"}},
    {"unitOfMeasure": {"amount": 1}},
    {"tax": [{"taxCategory": "VAT"}]},
    {"pricingLogicAlgorithm": [{"name": "graduated", "tier": [{"lowerLimit": 0}]}]},
    {"prodSpecCharValueUse": [{"productSpecCharacteristicValue": [{"value": "1"}]}]},
]
SPECIFICATION_PATCHES = [
    {"productSpecCharacteristic": [{"value": "0"}]},
    {"productSpecCharacteristic": [{"name": "Storage", "productSpecCharacteristicValue": [{"value": {}}]}]},
]


def refused_patch(client, url: str, body: dict) -> None:
    seen = client.get(url).json()
    before = rows_in_database()
    assert_tmf_error(client.patch(url, body, format="json"), 400)
    assert rows_in_database() == before
    assert client.get(url).json() == seen


@pytest.mark.parametrize("body", OFFERING_PATCHES, ids=lambda body: next(iter(body)))
def test_an_offering_patch_with_a_half_nested_object_is_a_400(manager, body):
    offering = OfferingFactory(specification=SpecificationFactory())
    refused_patch(manager, f"{BASE}/productOffering/{offering.pk}", body)


@pytest.mark.parametrize("body", PRICE_PATCHES, ids=lambda body: next(iter(body)))
def test_a_price_patch_with_a_half_nested_object_is_a_400(manager, body):
    refused_patch(manager, f"{BASE}/productOfferingPrice/{PriceFactory().pk}", body)


@pytest.mark.parametrize("body", SPECIFICATION_PATCHES, ids=["value-without-name", "object-value"])
def test_a_specification_patch_with_a_half_nested_object_is_a_400(manager, body):
    refused_patch(manager, f"{BASE}/productSpecification/{SpecificationFactory().pk}", body)


def test_a_whole_nested_object_in_a_patch_still_applies(manager):
    price = PriceFactory()
    response = manager.patch(
        f"{BASE}/productOfferingPrice/{price.pk}", {"price": {"value": 12.5}, "tax": [{"taxRate": 9}]}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["price"] == {"unit": "EUR", "value": 12.5}  # the default currency, as on create
    assert body["priceType"] == price.price_type  # not given: unchanged


def test_a_patched_amount_keeps_the_price_currency(manager):
    price = PriceFactory(currency="USD")
    response = manager.patch(f"{BASE}/productOfferingPrice/{price.pk}", {"price": {"value": 3}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["price"] == {"unit": "USD", "value": 3}


def test_a_price_depending_on_a_characteristic_value_without_one_is_a_400(manager):
    before = rows_in_database()
    body = {
        "name": "Storage surcharge",
        "price": {"value": 5},
        "prodSpecCharValueUse": [{"name": "Storage", "productSpecCharacteristicValue": [{}]}],
    }
    assert_tmf_error(manager.post(f"{BASE}/productOfferingPrice", body, format="json"), 400)
    assert rows_in_database() == before


@pytest.mark.parametrize(
    "body",
    [
        {
            "name": "Bundle",
            "isBundle": True,
            "bundledProductOffering": [
                {"id": "x", "bundledProductOfferingOption": {"numberRelOfferUpperLimit": 10**30}}
            ],
        },
        {
            "name": "Bundle",
            "isBundle": True,
            "bundledProductOffering": [{"id": "x", "bundledProductOfferingOption": {"numberRelOfferDefault": 40_000}}],
        },
    ],
    ids=["1e30", "beyond-a-small-integer"],
)
def test_a_bundle_count_out_of_range_is_a_400(manager, body):
    member = OfferingFactory()
    body["bundledProductOffering"][0]["id"] = member.pk
    before = rows_in_database()
    assert_tmf_error(manager.post(f"{BASE}/productOffering", body, format="json"), 400)
    assert rows_in_database() == before


def test_a_characteristic_cardinality_out_of_range_is_a_400(manager):
    before = rows_in_database()
    body = {"name": "Phone", "productSpecCharacteristic": [{"name": "Colour", "maxCardinality": 10**30}]}
    assert_tmf_error(manager.post(f"{BASE}/productSpecification", body, format="json"), 400)
    assert rows_in_database() == before


def test_deleting_an_offering_that_carts_and_orders_hold_is_a_409(manager, alice):
    offering = OfferingFactory()
    CartItemFactory(cart=CartFactory(customer=alice), offering=offering)
    before = rows_in_database()
    assert_tmf_error(manager.delete(f"{BASE}/productOffering/{offering.pk}"), 409, "conflict")
    assert rows_in_database() == before
