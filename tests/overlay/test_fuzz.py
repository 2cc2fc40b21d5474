"""A bounded property-based run over the OpenAPI schema against the live test server (schemathesis).

Every operation the schema documents is called with generated requests, valid and invalid
(``mode: all``), by an application holding every scope, then (fewer) by a customer through their
customer token: no answer may be a 5xx, every answer
(errors included) must be one the schema documents, in the documented shape, and every refusal
must be a TMF error object. Path parameters name rows of a small world (a shop, a customer
with a product, a cart, an order) so that reads, changes and deletions reach real objects;
queries and bodies are generated. A refusal must leave the database's row counts as they were.
The run is seeded (``derandomize``) and bounded
(``EXAMPLES_PER_OPERATION``) so that CI is stable and quick. No operation is excluded.
"""

import re

import pytest
import schemathesis
from django.apps import apps
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from overlay.principal import CustomerUser, principal_for
from overlay.services import KNOWN_SCOPES, api_client_create, customer_token_issue
from tests.factories.care import TroubleTicketFactory
from tests.factories.carts import CartFactory, CartItemFactory
from tests.factories.catalog import (
    CategoryFactory,
    CharacteristicValueFactory,
    OfferingFactory,
    PriceFactory,
    TierFactory,
)
from tests.factories.customers import BillingAccountFactory, CustomerFactory, HeldProductFactory, LinkFactory
from tests.factories.knowledge import article
from tests.factories.orders import CancellationFactory, OrderItemFactory
from tests.factories.usage import MetricFactory, ingest, record, usage_price
from usage.consumption import ConsumptionAsk, consumption_query_create
from usage.models import UsageRecord

# About 2,100 requests for the application and 700 for the customer: some two minutes on two cores.
EXAMPLES_PER_OPERATION = 25
CUSTOMER_EXAMPLES_PER_OPERATION = 8
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 18,  # with derandomize below: the same requests on every run
        "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION, "deterministic": True},
        # Examples from the schema, then generated cases; the coverage phase's exhaustive edge cases
        # and stateful link-following would multiply the run's length for little more.
        "phases": {
            "examples": {"enabled": True},
            "fuzzing": {"enabled": True},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
    }
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(live_server, transactional_db):
    return schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json", config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def application(transactional_db) -> dict[str, str]:
    """The bearer token of an application with every scope."""
    issued = api_client_create(name="fuzz", channel="web", scopes=sorted(KNOWN_SCOPES))
    return {"Authorization": f"Bearer {issued.token}"}


@pytest.fixture
def customer(transactional_db, alice, world) -> dict[str, str]:
    """The bearer token of the world's customer (Alice), issued to a web application."""
    app = api_client_create(name="fuzz-web-shop", channel="web", scopes=["customers:token"])
    token = customer_token_issue(client_id=app.client.pk, channel="web", customer_id=alice.pk).token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(transactional_db, shop, alice) -> dict[str, str]:
    """Rows the path parameters name, by the resource that precedes the parameter in the path."""
    BillingAccountFactory(customer=alice)
    LinkFactory(customer=alice)
    organization = CustomerFactory(kind="organization", organization_name="Acme")
    held = HeldProductFactory(customer=alice)
    price = PriceFactory(offering=shop.plan, tax_category="VAT", tax_rate="21")
    TierFactory(price=price, lower=0, upper="10.5", unit_amount="0.25")
    category = CategoryFactory()
    category.offerings.add(shop.plan)
    value = CharacteristicValueFactory(characteristic__specification=shop.phone.specification)
    item = CartItemFactory(cart=CartFactory(customer=alice), offering=shop.plan)
    order = OrderItemFactory(order__customer=alice).order
    metered = HeldProductFactory(customer=alice, offering=OfferingFactory(name="Metered"))
    usage_price(metered.offering, MetricFactory(code="data"), included=10, tiers=[(0, None, "0.01")])
    ingest([record(1, metered, quantity=25)], system=metered.system)
    asked = consumption_query_create(  # Alice's: she reads it back
        principal_for(CustomerUser(0, "fuzz", "web", frozenset(), customer_id=alice.pk)),
        ConsumptionAsk(product_ids=(metered.pk,)),
        now=timezone.now(),
    )
    ticket = TroubleTicketFactory(held_product=HeldProductFactory(customer=alice, system="fixed"))
    return {
        "troubleTicket": ticket.pk,
        "productOffering": shop.plan.pk,
        "productOfferingPrice": price.pk,
        "productSpecification": value.characteristic.specification_id,
        "category": category.pk,
        "customer": alice.pk,
        "customers": alice.pk,
        "individual": alice.pk,
        "organization": organization.pk,
        "product": held.pk,
        "shoppingCart": item.cart_id,
        "carts": item.cart_id,
        "items": str(item.pk),
        "productOrder": order.pk,
        "cancelProductOrder": CancellationFactory(order=order).pk,
        "usage": str(UsageRecord.objects.get().pk),
        "queryUsageConsumption": asked.pk,
        "article": article("Fuzz: no internet", offerings=[shop.plan], categories=["no-service"]).pk,
    }


def point_at_the_world(case, world: dict[str, str]) -> None:
    """Each path parameter names the world's row of the resource before it (random ids only find 404s)."""
    for resource, parameter in re.findall(r"/([A-Za-z]+)/\{(\w+)\}", case.operation.path):
        if resource in world and parameter in (case.path_parameters or {}):
            case.path_parameters[parameter] = world[resource]


def tmf_error(ctx, response, case):
    """Every refusal is a TMF error object carrying the response's status."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert {"code", "reason", "message", "status", "@type"} <= set(body), body
    assert body["status"] == str(response.status_code), body
    return True


def rows_everywhere() -> int:
    """All rows of every table, in one query: a refusal must leave it as it was."""
    tables = sorted({model._meta.db_table for model in apps.get_models()})
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + " + ".join(f'(SELECT count(*) FROM "{table}")' for table in tables))
        return cursor.fetchone()[0]


def call_and_check(case, live_server, world: dict[str, str], headers: dict[str, str]) -> None:
    point_at_the_world(case, world)
    before = rows_everywhere()
    response = case.call(base_url=live_server.url, headers=headers)
    case.validate_response(response, checks=[*CHECKS, tmf_error])
    if response.status_code >= 400:
        assert rows_everywhere() == before, f"{case.operation.label} answered {response.status_code} but wrote"


SETTINGS = {"deadline": None, "derandomize": True, "database": None, "suppress_health_check": list(HealthCheck)}


@schema.parametrize()
@hypothesis_settings(**SETTINGS)
def test_every_operation_answers_an_application_as_documented(case, live_server, world, application):
    call_and_check(case, live_server, world, application)


@schema.parametrize()
@hypothesis_settings(**SETTINGS, max_examples=CUSTOMER_EXAMPLES_PER_OPERATION)
def test_every_operation_answers_a_customer_as_documented(case, live_server, world, customer):
    call_and_check(case, live_server, world, customer)
