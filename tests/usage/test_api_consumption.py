"""TMF677 consumption queries: the report per product (buckets per metric and period with used, remaining,
projected and the amount so far), the shared read contract, bad input, who sees what, constant queries."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.catalog import OfferingFactory
from tests.factories.customers import BillingAccountFactory, CustomerFactory, HeldProductFactory
from tests.factories.usage import MetricFactory, at, ingest, record, usage_price
from tests.tmf import TMFReadContract, assert_tmf_error, rows_in_database
from usage.models import Consumption, QueryUsageConsumption

QUERY = "/tmf-api/usageConsumption/v4/queryUsageConsumption"
NOW = at("2026-11-25")  # 10 of the 30 days of the period from 15 November have passed (at noon: 10.5)
D = Decimal


@pytest.fixture(autouse=True)
def _now(monkeypatch):
    """The queries are answered at NOW (the reports' figures depend on how much of the period passed)."""
    monkeypatch.setattr("usage.api.views.timezone", SimpleNamespace(now=lambda: NOW))


@pytest.fixture
def data(db):
    return MetricFactory(code="data", name="Data", unit="MB")


@pytest.fixture
def sms(db):
    return MetricFactory(code="sms", name="SMS", unit="message", aggregation="count")


@pytest.fixture
def mobile_m(data, sms):
    """100 MB included then 0.01 a MB, 21% tax; SMS at 0.10 each with 10 included."""
    offering = OfferingFactory(name="Mobile M")
    usage_price(offering, data, included=100, tiers=[(0, None, "0.01")], tax_rate=21)
    usage_price(offering, sms, amount="0.10", included=10)
    return offering


def holding(offering, bill_cycle=15, customer=None):
    account = BillingAccountFactory(bill_cycle=bill_cycle, **({"customer": customer} if customer else {}))
    return HeldProductFactory(
        customer=account.customer, offering=offering, billing_account_ref=account.external_id, name="Mobile M"
    )


def ask(*products, **extra) -> dict:
    return {"searchCriteria": {"product": [{"id": p.pk} for p in products], **extra}}


@pytest.fixture
def reader(make_client):
    return make_client("web", ("usage:read",))


def test_the_report_has_a_bucket_per_metric_with_used_remaining_projected_and_amount(reader, mobile_m):
    product = holding(mobile_m)
    ingest([record(1, product, quantity=300, start="2026-11-16"), record(2, product, quantity=60)], now=NOW)
    response = reader.post(QUERY, ask(product), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == body["href"] == f"http://testserver{QUERY}/{body['id']}"
    assert body["@type"] == "QueryUsageConsumption"
    assert body["queryUsageConsumptionDate"] == "2026-11-25T12:00:00.000Z"
    assert body["searchCriteria"]["product"][0]["id"] == product.pk
    [report] = body["usageConsumption"]
    period = {"startDateTime": "2026-11-15T00:00:00.000Z", "endDateTime": "2026-12-15T00:00:00.000Z"}
    assert report["validPeriod"] == period and report["state"] == "done"
    assert report["product"][0]["id"] == product.pk and report["relatedParty"][0]["id"] == product.customer_id
    data, sms = report["bucketRefOrValue"]
    assert data["usageType"] == "data" and data["status"] == "active" and data["validFor"] == period
    assert data["remainingValue"] == {"amount": 0, "units": "MB"}
    counters = {c["counterType"]: c["value"] for c in data["bucketCounter"]}
    # 360 MB used, 100 included: 260 at 0.01 = 2.60 (3.15 with tax); 10.5 of 30 days: 360 / 0.35 projected.
    assert counters == {
        "used": {"amount": 360, "units": "MB"},
        "outOfBucket": {"amount": 260, "units": "MB"},
        "projected": {"amount": pytest.approx(1028.571429), "units": "MB"},
        "amount": {"amount": 2.6, "units": "EUR"},
        "amountTaxIncluded": {"amount": 3.15, "units": "EUR"},  # tax rounded to the cent
        "projectedAmount": {"amount": pytest.approx(9.29), "units": "EUR"},
    }
    assert data["bucketCounter"][0]["valueName"] == "360 MB"
    # No SMS yet: an empty bucket, every included message left.
    assert sms["usageType"] == "sms" and sms["remainingValue"] == {"amount": 10, "units": "message"}
    assert {c["counterType"]: c["value"]["amount"] for c in sms["bucketCounter"]} == {
        "used": 0,
        "outOfBucket": 0,
        "projected": 0,
        "amount": 0,
        "amountTaxIncluded": 0,
        "projectedAmount": 0,
    }
    assert reader.get(body["href"]).json() == body  # read back as answered


def test_a_past_period_and_several_through_valid_period(reader, mobile_m):
    product = holding(mobile_m)
    ingest(
        [
            record(1, product, quantity=150, start="2026-09-20"),
            record(2, product, quantity=50, start="2026-10-20"),
            record(3, product, quantity=10),
        ],
        now=NOW,
    )
    last = reader.post(QUERY, ask(product, validPeriod={"startDateTime": "2026-10-30T00:00:00Z"}), format="json").json()
    [bucket, _] = last["usageConsumption"][0]["bucketRefOrValue"]
    assert bucket["status"] == "expired" and bucket["validFor"]["startDateTime"] == "2026-10-15T00:00:00.000Z"
    counters = {c["counterType"]: c["value"]["amount"] for c in bucket["bucketCounter"]}
    assert counters["used"] == counters["projected"] == 50  # a past period projects what it used

    span = {"startDateTime": "2026-09-15T00:00:00Z", "endDateTime": "2027-03-01T00:00:00Z"}  # the end: now at most
    report = reader.post(QUERY, ask(product, validPeriod=span), format="json").json()["usageConsumption"][0]
    data = [b for b in report["bucketRefOrValue"] if b["usageType"] == "data"]
    assert [b["validFor"]["startDateTime"][:10] for b in data] == ["2026-09-15", "2026-10-15", "2026-11-15"]
    assert [b["status"] for b in data] == ["expired", "expired", "active"]
    assert report["validPeriod"] == {
        "startDateTime": "2026-09-15T00:00:00.000Z",
        "endDateTime": "2026-12-15T00:00:00.000Z",
    }
    used = [next(c for c in b["bucketCounter"] if c["counterType"] == "used")["value"]["amount"] for b in data]
    assert used == [150, 50, 10]


def test_a_service_level_credit_is_a_counter(reader, db):
    delivered = MetricFactory(code="parcels", name="Parcels tracked", unit="parcel", kind="outcome")
    uptime = MetricFactory(code="uptime", name="Tracker uptime", unit="percent", kind="level", aggregation="average")
    offering = OfferingFactory(name="Fleet")
    usage_price(
        offering,
        delivered,
        amount="0.50",
        sla_metric=uptime,
        sla_threshold=D("99"),
        sla_credit_percentage=D("10"),
    )
    product = holding(offering)
    ingest([record(1, product, "parcels", quantity=100), record(2, product, "uptime", quantity=95)], now=NOW)
    report = reader.post(QUERY, ask(product), format="json").json()["usageConsumption"][0]
    parcels = next(b for b in report["bucketRefOrValue"] if b["usageType"] == "parcels")
    counters = {c["counterType"]: c["value"]["amount"] for c in parcels["bucketCounter"]}
    assert counters["amount"] == 45 and counters["serviceCredit"] == 5


def test_a_customer_named_reports_each_of_their_products_with_usage(reader, mobile_m, sms):
    first = holding(mobile_m)
    second = holding(mobile_m, customer=first.customer)
    HeldProductFactory(customer=first.customer, offering=OfferingFactory())  # no usage, nothing priced
    ingest([record(1, first, quantity=5), record(2, second, "sms", quantity=1)], now=NOW)
    body = reader.post(
        QUERY, {"searchCriteria": {}, "relatedParty": [{"id": first.customer_id, "role": "customer"}]}, format="json"
    ).json()
    assert body["relatedParty"][0]["id"] == first.customer_id
    assert sorted(r["product"][0]["id"] for r in body["usageConsumption"]) == sorted([first.pk, second.pk])


def test_a_customer_asks_about_their_own_products_only(customer_client, mobile_m):
    mine, theirs = holding(mobile_m), holding(mobile_m)
    ingest([record(1, mine, quantity=5), record(2, theirs, quantity=7)], now=NOW)
    me = customer_client(mine.customer)
    asked = me.post(QUERY, ask(mine), format="json")
    assert asked.status_code == 201
    own = me.post(QUERY, {"searchCriteria": {"relatedParty": [{"id": mine.customer_id}]}}, format="json")
    assert [r["product"][0]["id"] for r in own.json()["usageConsumption"]] == [mine.pk]
    before = rows_in_database()
    assert_tmf_error(me.post(QUERY, ask(theirs), format="json"), 422, "invalidReference")
    assert_tmf_error(me.post(QUERY, ask(mine, theirs), format="json"), 422, "invalidReference")
    other = {"searchCriteria": {"product": [{"id": mine.pk}]}, "relatedParty": [{"id": theirs.customer_id}]}
    assert_tmf_error(me.post(QUERY, other, format="json"), 403)
    assert rows_in_database() == before
    # What they asked, they read back; nobody else does.
    listed = me.get(QUERY)
    assert listed["X-Total-Count"] == "2"
    other_customer = customer_client(theirs.customer)
    assert other_customer.get(QUERY).json() == []
    assert_tmf_error(other_customer.get(f"{QUERY}/{asked.json()['id']}"), 404)
    assert_tmf_error(other_customer.delete(f"{QUERY}/{asked.json()['id']}"), 404)
    assert me.delete(f"{QUERY}/{asked.json()['id']}").status_code == 204
    assert_tmf_error(me.get(f"{QUERY}/{asked.json()['id']}"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"searchCriteria": {}},
        {"searchCriteria": {"product": [{}]}},
        {"searchCriteria": {"product": "x"}},
        {"searchCriteria": {"product": [{"id": "p"}] * 21}},
        {"searchCriteria": {"product": [{"id": "p"}], "validPeriod": {"startDateTime": "yesterday"}}},
        {"searchCriteria": {"product": [{"id": "p"}], "validPeriod": {"endDateTime": "2026-11-01T00:00:00Z"}}},
        {
            "searchCriteria": {
                "product": [{"id": "p"}],
                "validPeriod": {"startDateTime": "2026-11-01T00:00:00Z", "endDateTime": "2026-10-01T00:00:00Z"},
            }
        },
        {
            "searchCriteria": {
                "product": [{"id": "p"}],
                "validPeriod": {"startDateTime": "2020-01-01T00:00:00Z", "endDateTime": "2026-10-01T00:00:00Z"},
            }
        },
        {"searchCriteria": {"product": [{"id": "p"}], "validPeriod": {"startDateTime": "0001-01-01T00:00:00Z"}}},
        {"searchCriteria": {"relatedParty": [{"id": "a"}, {"id": "b"}]}},
        {"searchCriteria": {"product": [{"id": "p"}]}, "partyAccount": [{"id": "acc"}]},
    ],
)
def test_malformed_queries_are_a_400_and_keep_nothing(reader, db, body):
    before = rows_in_database()
    assert_tmf_error(reader.post(QUERY, body, format="json"), 400)
    assert rows_in_database() == before


def test_unknown_products_customers_and_future_periods_are_a_422_and_keep_nothing(reader, mobile_m):
    product = holding(mobile_m)
    before = rows_in_database()
    body = assert_tmf_error(reader.post(QUERY, ask(HeldProductFactory.build()), format="json"), 422)
    assert body["code"] == "invalidReference" and body["message"].startswith("searchCriteria.product: ")
    unknown = {"searchCriteria": {"relatedParty": [{"id": "nobody", "role": "customer"}]}}
    assert assert_tmf_error(reader.post(QUERY, unknown, format="json"), 422)["message"].startswith("relatedParty: ")
    someone_else = {**ask(product), "relatedParty": [{"id": CustomerFactory().pk}]}
    assert_tmf_error(reader.post(QUERY, someone_else, format="json"), 422, "invalidReference")
    future = ask(product, validPeriod={"startDateTime": "2027-01-01T00:00:00Z"})
    assert_tmf_error(reader.post(QUERY, future, format="json"), 422)
    assert rows_in_database() == {**before, "customers.Customer": before["customers.Customer"] + 1}


def test_who_may_ask(make_client, staff_client, anonymous, mobile_m):
    product = holding(mobile_m)
    ingest([record(1, product, quantity=5)], now=NOW)
    refused = [make_client("web", ("customers:read", "orders:read")), staff_client("catalog_manager")]
    before = rows_in_database()
    assert_tmf_error(anonymous.post(QUERY, ask(product), format="json"), 401)
    for client in refused:
        assert_tmf_error(client.post(QUERY, ask(product), format="json"), 403)
        assert_tmf_error(client.get(QUERY), 403)
    assert rows_in_database() == before
    for client in (make_client("mobile", ("usage:read",)), staff_client("agent"), staff_client("supervisor")):
        assert client.post(QUERY, ask(product), format="json").status_code == 201
        assert client.get(QUERY)["X-Total-Count"] == "1"  # each reads back its own


def test_queries_are_not_changed(reader, mobile_m):
    body = reader.post(QUERY, ask(holding(mobile_m)), format="json").json()
    assert_tmf_error(reader.patch(f"{QUERY}/{body['id']}", {"searchCriteria": {}}, format="json"), 405)
    assert_tmf_error(reader.put(f"{QUERY}/{body['id']}", {"searchCriteria": {}}, format="json"), 405)
    assert reader.get(f"{QUERY}/{body['id']}").json() == body


def answered_in(reader, body) -> tuple[int, dict]:
    """How many queries answering the query took, and its answer."""
    with CaptureQueriesContext(connection) as captured:
        response = reader.post(QUERY, body, format="json")
    assert response.status_code == 201, response.content
    return len(captured), response.json()


def test_a_report_costs_the_same_queries_for_2_or_20_buckets_and_periods(reader, mobile_m, data, sms):
    product = holding(mobile_m)
    ingest([record(1, product, quantity=5), record(2, product, "sms", quantity=1)], now=NOW)
    reader.get(QUERY)  # the token is verified once, then remembered
    two, _ = answered_in(reader, ask(product))
    months = [date(2025, m, 20) for m in range(9, 13)] + [date(2026, m, 20) for m in range(1, 12)]
    ingest([record(10 + n, product, quantity=n + 1, start=at(d.isoformat())) for n, d in enumerate(months)], now=NOW)
    span = {"startDateTime": "2025-09-15T00:00:00Z", "endDateTime": "2026-11-25T00:00:00Z"}
    many, body = answered_in(reader, ask(product, validPeriod=span))
    assert Consumption.objects.filter(product=product).count() == 16
    assert len(body["usageConsumption"][0]["bucketRefOrValue"]) == 2 * 15  # data and SMS in each of 15 periods
    # Several products at once cost no more either.
    others = [holding(mobile_m) for _ in range(19)]
    ingest([record(100 + n, p, quantity=1) for n, p in enumerate(others)], now=NOW)
    twenty, body = answered_in(reader, ask(product, *others))
    assert len(body["usageConsumption"]) == 20
    # products, periods, prices' validity, prices (2), metrics and prices for the projection (3), the insert,
    # the read back
    assert two == many == twenty == 10, (two, many, twenty)


class TestQueryUsageConsumptionContract(TMFReadContract):
    path = QUERY
    resource_type = "QueryUsageConsumption"
    model = QueryUsageConsumption
    list_queries = 2  # count, page (the report is kept with the query)
    detail_queries = 1
    selected_attributes = ("id", "usageConsumption")
    name_attribute = ("id", "pk")

    @pytest.fixture
    def reader(self, make_client):
        return make_client("web", ("usage:read",))

    @pytest.fixture(autouse=True)
    def _products(self, mobile_m, reader):
        self.offering = mobile_m
        self.asker = reader

    def make(self, count, channels):
        ids = []
        for _ in range(count):
            product = holding(self.offering)
            ids.append(self.asker.post(QUERY, ask(product), format="json").json()["id"])
        return list(QueryUsageConsumption.objects.filter(pk__in=ids))

    def filter_case(self, rows):
        return f"relatedParty.id={rows[1].customer_id}", {rows[1].pk}
