"""TMF629 / TMF632 / TMF637 bad input: nested objects are validated whole on PATCH as on POST.

Every refusal is a TMF error with nothing written and the resource unchanged.
"""

import pytest

from tests.factories.customers import CustomerFactory, HeldProductFactory
from tests.tmf import assert_tmf_error, rows_in_database

pytestmark = pytest.mark.django_db

CUSTOMERS = "/tmf-api/customerManagement/v4/customer"
INDIVIDUALS = "/tmf-api/party/v4/individual"
ORGANIZATIONS = "/tmf-api/party/v4/organization"
PRODUCTS = "/tmf-api/productInventory/v4/product"
HALF_A_CONTACT_MEDIUM = [
    {"contactMedium": [{}]},
    {"contactMedium": [{"mediumType": "email"}]},
    {"contactMedium": [{"characteristic": {"emailAddress": "a@example.com"}}]},
]


@pytest.fixture
def writer(make_client):
    return make_client("callcentre", ("customers:read", "customers:write"))


def refused_patch(client, url: str, body: dict) -> None:
    seen = client.get(url).json()
    before = rows_in_database()
    assert_tmf_error(client.patch(url, body, format="json"), 400)
    assert rows_in_database() == before
    assert client.get(url).json() == seen


@pytest.mark.parametrize("body", HALF_A_CONTACT_MEDIUM, ids=["empty", "no-characteristic", "no-medium-type"])
def test_an_individual_patch_with_half_a_contact_medium_is_a_400(writer, body):
    refused_patch(writer, f"{INDIVIDUALS}/{CustomerFactory().pk}", body)


@pytest.mark.parametrize("body", HALF_A_CONTACT_MEDIUM, ids=["empty", "no-characteristic", "no-medium-type"])
def test_an_organization_patch_with_half_a_contact_medium_is_a_400(writer, body):
    organization = CustomerFactory(kind="organization", organization_name="Acme")
    refused_patch(writer, f"{ORGANIZATIONS}/{organization.pk}", body)


@pytest.mark.parametrize(
    "body",
    [*HALF_A_CONTACT_MEDIUM, {"engagedParty": {}}, {"characteristic": [{}]}],
    ids=["empty", "no-characteristic", "no-medium-type", "engagedParty", "characteristic"],
)
def test_a_customer_patch_with_half_a_nested_object_is_a_400(writer, body):
    refused_patch(writer, f"{CUSTOMERS}/{CustomerFactory().pk}", body)


@pytest.mark.parametrize(
    "body",
    [{"relatedParty": [{}]}, {"productOffering": {}}, {"billingAccount": {}}, {"productCharacteristic": [{}]}],
    ids=["relatedParty", "productOffering", "billingAccount", "productCharacteristic"],
)
def test_a_product_patch_with_half_a_nested_object_is_a_400(writer, body):
    refused_patch(writer, f"{PRODUCTS}/{HeldProductFactory().pk}", body)


def test_a_whole_contact_medium_in_a_patch_still_applies(writer):
    customer = CustomerFactory()
    medium = {"mediumType": "email", "characteristic": {"emailAddress": "New@Example.com"}}
    response = writer.patch(f"{INDIVIDUALS}/{customer.pk}", {"contactMedium": [medium]}, format="json")
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.email == "new@example.com"
