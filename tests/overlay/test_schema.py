"""The OpenAPI schema describes what the API answers: generated without a warning, unique operation ids,
the errors each operation can give (TMF Error objects), TMF620's output shapes with numbers, and statuses
and timestamps as the API writes them."""

import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from customers.models import Customer
from overlay.api.representation import timestamp
from tests.factories.catalog import OfferingFactory, PriceFactory, TierFactory
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.django_db
CATALOG = "/tmf-api/productCatalogManagement/v4"


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker, tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("schema") / "schema.json"
    with django_db_blocker.unblock():
        # --fail-on-warn: any warning or error drf-spectacular reports fails the test.
        call_command("spectacular", "--format", "openapi-json", "--validate", "--fail-on-warn", "--file", str(path))
    return json.loads(path.read_text())


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), operation


def component(schema: dict, reference: dict) -> dict:
    return schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[1]]


def test_operation_ids_are_unique(schema):
    ids = [operation["operationId"] for *_, operation in operations(schema)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert "registerShoppingCartListener" in ids and "unregisterPartyListener" in ids


def test_every_operation_documents_its_errors_as_tmf_errors(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "reason", "message", "status", "@type"}
    for path, method, operation in operations(schema):
        errors = {code: response for code, response in operation["responses"].items() if code >= "400"}
        assert "401" in errors, (method, path)
        for response in errors.values():
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


@pytest.mark.parametrize(
    "path,method,expected",
    [
        (f"{CATALOG}/productOffering/{{id}}", "PATCH", {400, 401, 403, 404, 406, 409, 412, 413, 415, 422, 429}),
        (f"{CATALOG}/productOffering", "GET", {400, 401, 403, 406, 429}),
        (f"{CATALOG}/productOffering/{{id}}", "DELETE", {401, 403, 404, 406, 409, 412, 422, 429}),
        ("/api/v1/backoffice/{system}/events", "POST", {400, 401, 404, 406, 409, 413, 415, 422}),  # no scope/throttle
        ("/api/v1/carts/{cart_id}/checkout", "POST", {400, 401, 403, 404, 406, 409, 412, 413, 415, 422, 429}),
    ],
)
def test_the_errors_an_operation_can_give(schema, path, method, expected):
    responses = schema["paths"][path][method.lower()]["responses"]
    assert {int(code) for code in responses if code >= "400"} == expected


def test_catalog_responses_are_output_shapes_with_numbers(schema):
    price = schema["components"]["schemas"]["ProductOfferingPrice"]["properties"]
    assert component(schema, price["price"])["properties"]["value"]["type"] == "number"
    assert price["percentage"]["type"] == "number"
    assert component(schema, price["tax"]["items"])["properties"]["taxRate"]["type"] == "number"
    logic = component(schema, price["pricingLogicAlgorithm"]["items"])
    tier = component(schema, logic["properties"]["tier"]["items"])["properties"]
    assert tier["lowerLimit"]["type"] == tier["upperLimit"]["type"] == "number"
    for resource in ("productOffering", "productSpecification", "productOfferingPrice", "category"):
        read = schema["paths"][f"{CATALOG}/{resource}/{{id}}"]["get"]["responses"]["200"]
        name = read["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert not name.endswith("Input"), (resource, name)


def test_a_price_is_answered_with_numbers_where_the_schema_says_number(manager):
    price = PriceFactory(amount="19.99", tax_rate="20.5", tax_category="VAT")
    TierFactory(price=price, lower=0, upper="10.5", unit_amount="0.25")
    body = manager.get(f"{CATALOG}/productOfferingPrice/{price.pk}").json()
    assert body["price"]["value"] == 19.99 and body["tax"][0]["taxRate"] == 20.5
    tier = body["pricingLogicAlgorithm"][0]["tier"][0]
    assert tier["upperLimit"] == 10.5 and tier["unitPrice"]["value"] == 0.25


def test_the_customer_status_enum_holds_every_status_the_api_answers(schema, make_client):
    documented = component(schema, schema["components"]["schemas"]["Customer"]["properties"]["status"])["enum"]
    reader = make_client("callcentre", ("customers:read",))
    for status in ("active", "suspended", "closed", "deceased"):
        customer = CustomerFactory(status=status)
        assert reader.get(f"/tmf-api/customerManagement/v4/customer/{customer.pk}").json()["status"] in documented
    assert set(documented) == set(Customer.Status.values) - {Customer.Status.PROSPECT}


def test_timestamps_before_the_year_1000_are_padded(manager):
    assert timestamp(datetime(1, 1, 1, 7, 16, 11, tzinfo=UTC)) == "0001-01-01T07:16:11.000Z"
    offering = OfferingFactory(valid_from=datetime(999, 5, 6, tzinfo=UTC))
    body = manager.get(f"{CATALOG}/productOffering/{offering.pk}").json()
    assert body["validFor"]["startDateTime"] == "0999-05-06T00:00:00.000Z"
