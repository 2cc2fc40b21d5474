"""POST /api/v1/pricing/estimate with "my actual usage": a held product's average use of each metric over
its last periods, priced on the offering asked about; who may name which product; bad input."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from console.usage import months_back
from tests.factories.catalog import OfferingFactory
from tests.factories.customers import CustomerFactory, HeldProductFactory
from tests.factories.usage import MetricFactory, ingest, usage_price
from tests.tmf import assert_tmf_error, rows_in_database
from usage.records import UsageRecordIn

D = Decimal
ESTIMATE = "/api/v1/pricing/estimate"


def month_start(months: int) -> datetime:
    day = months_back(timezone.now().date(), months)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@pytest.fixture
def world(channels):
    """A customer's line that used 100, 200 and 600 MB (and 30, 0, 60 SMS) in the last three periods and
    50 MB so far in this one; an unlimited-data offering to price it on, sold in every channel."""
    data = MetricFactory(code="data", unit="MB")
    sms = MetricFactory(code="sms", unit="SMS")
    current_plan = OfferingFactory(name="Mobile Flex")
    usage_price(current_plan, data, included=100, tiers=[(0, None, "0.01")])
    line = HeldProductFactory(customer=CustomerFactory(), offering=current_plan)
    records = [
        UsageRecordIn(f"D{back}", line.external_id, "data", D(q), month_start(back))
        for back, q in {3: 100, 2: 200, 1: 600, 0: 50}.items()
    ] + [
        UsageRecordIn(f"S{back}", line.external_id, "sms", D(q), month_start(back))
        for back, q in {3: 30, 1: 60}.items()
    ]
    ingest(records)
    target = OfferingFactory(name="Data Saver", channels=list(channels.values()))
    usage_price(target, data, tiers=[(0, 250, "0.02"), (250, None, "0.01")], tax_rate=21)
    usage_price(target, sms, amount="0.10")
    return line, target


def asked(line, target, **actual) -> dict:
    return {"productOffering": {"id": target.pk}, "actualUsage": {"product": {"id": line.pk}, **actual}}


@pytest.mark.django_db
class TestPricingActualUsage:
    def test_the_average_of_the_last_periods_is_priced(self, customer_client, world):
        line, target = world
        response = customer_client(line.customer).post(ESTIMATE, asked(line, target), format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        # (100 + 200 + 600) / 3 = 300 MB: 250 at 0.02 and 50 at 0.01 = 5.50; (30 + 0 + 60) / 3 = 30 SMS = 3.00.
        assert body["usage"] == {"data": 300, "sms": 30}
        charges = {c["productOfferingPrice"]["name"]: c for c in body["charge"]}
        assert sorted(c["dutyFreeAmount"]["value"] for c in charges.values()) == [3, 5.5]
        assert body["productOffering"]["id"] == target.pk
        actual = body["actualUsage"]
        assert actual["product"]["id"] == line.pk and actual["projected"] is False
        assert [p["startDate"] for p in actual["period"]] == [month_start(b).date().isoformat() for b in (3, 2, 1)]

    def test_fewer_periods(self, staff_client, world):
        line, target = world
        body = staff_client("agent").post(ESTIMATE, asked(line, target, periods=1), format="json").json()
        assert body["usage"] == {"data": 600, "sms": 60} and len(body["actualUsage"]["period"]) == 1

    def test_with_no_period_over_yet_the_current_ones_projection(self, customer_client, channels):
        data = MetricFactory(code="data", unit="MB")
        target = OfferingFactory(channels=[channels["web"]])
        usage_price(target, data, amount="0.01")
        line = HeldProductFactory(customer=CustomerFactory())
        ingest([UsageRecordIn("N1", line.external_id, "data", D(40), month_start(0))])
        body = customer_client(line.customer).post(ESTIMATE, asked(line, target), format="json").json()
        assert body["actualUsage"]["projected"] is True and body["usage"]["data"] >= 40

    def test_a_product_without_usage_has_nothing_to_price(self, customer_client, world):
        _, target = world
        idle = HeldProductFactory(customer=CustomerFactory())
        body = assert_tmf_error(customer_client(idle.customer).post(ESTIMATE, asked(idle, target), format="json"), 422)
        assert body["message"].startswith("actualUsage: ") and "no usage recorded" in body["message"]

    def test_the_given_usage_still_works_under_the_same_name(self, web, world):
        _, target = world
        assert reverse("pricing-estimate") == ESTIMATE
        body = web.post(ESTIMATE, {"productOffering": {"id": target.pk}, "usage": {"MB": 300}}, format="json").json()
        assert "actualUsage" not in body and "usage" not in body
        assert next(c["dutyFreeAmount"]["value"] for c in body["charge"] if c["priceType"] == "usage") == 5.5


@pytest.mark.django_db
class TestWhoMayNameWhichProduct:
    @pytest.mark.parametrize(
        ("caller", "status"),
        [
            ("anonymous", 401),
            ("owner", 200),
            ("another customer", 404),
            ("application", 403),
            ("application with customers:read", 403),
            ("application with usage:read", 200),
            ("agent", 200),
            ("supervisor", 200),
            ("catalog_manager", 403),
        ],
    )
    def test_matrix(self, caller, status, world, anonymous, customer_client, make_client, staff_client):
        line, target = world
        client = {
            "anonymous": lambda: anonymous,
            "owner": lambda: customer_client(line.customer),
            "another customer": lambda: customer_client(CustomerFactory()),
            "application": lambda: make_client("web"),
            "application with customers:read": lambda: make_client("web", ("customers:read",)),
            "application with usage:read": lambda: make_client("web", ("usage:read",)),
        }.get(caller, lambda: staff_client(caller))()
        before = rows_in_database()
        response = client.post(ESTIMATE, asked(line, target), format="json")
        if status == 200:
            assert response.status_code == 200, response.content
        else:
            assert_tmf_error(response, status)
        assert rows_in_database() == before

    def test_an_unknown_product(self, customer_client, world):
        line, target = world
        body = asked(line, target)
        body["actualUsage"]["product"]["id"] = "nothing"
        assert_tmf_error(customer_client(line.customer).post(ESTIMATE, body, format="json"), 404)


@pytest.mark.django_db
class TestBadInput:
    @pytest.mark.parametrize(
        "change",
        [
            lambda b: b.update(usage={"MB": 1}),  # both
            lambda b: b.pop("actualUsage"),  # neither
            lambda b: b["actualUsage"].update(periods=0),
            lambda b: b["actualUsage"].update(periods=13),
            lambda b: b["actualUsage"].update(periods="three"),
            lambda b: b["actualUsage"].pop("product"),
            lambda b: b["actualUsage"].update(product="x"),
            lambda b: b.update(actualUsage=[]),
        ],
    )
    def test_400(self, customer_client, world, change):
        line, target = world
        body = asked(line, target)
        change(body)
        me = customer_client(line.customer)
        before = rows_in_database()
        assert_tmf_error(me.post(ESTIMATE, body, format="json"), 400)
        assert rows_in_database() == before


def test_the_schema_documents_actual_usage(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][ESTIMATE]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    properties = schema["components"]["schemas"][request]["properties"]
    assert {"productOffering", "usage", "actualUsage"} <= set(properties)
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"charge", "usage", "actualUsage"} <= set(schema["components"]["schemas"][answer]["properties"])
