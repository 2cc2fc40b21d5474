"""TMF635 usage: the shared read contract, what a usage record says, its filters, and who sees what."""

import json
import time
from dataclasses import dataclass
from decimal import Decimal

import pytest

from events import dispatch
from events.models import EventDelivery
from tests.factories.catalog import OfferingFactory
from tests.factories.customers import BillingAccountFactory, CustomerFactory, HeldProductFactory
from tests.factories.usage import MetricFactory, at, ingest, record, usage_price
from tests.tmf import TMFReadOnlyContract, assert_tmf_error, queries_for, rows_in_database
from usage.models import UsageRecord

USAGE = "/tmf-api/usageManagement/v4/usage"
HUB = "/tmf-api/usageManagement/v4/hub"
NOW = at("2026-11-25")
D = Decimal


@dataclass(frozen=True)
class Row:
    """A record as the API names it (its id is a string)."""

    pk: str
    metric_id: str
    customer_id: str
    product_id: str


def rows_of(records) -> list[Row]:
    return [Row(str(r.pk), r.metric_id, r.customer_id, r.product_id) for r in records]


@pytest.fixture
def data(db):
    return MetricFactory(code="data", name="Data", unit="MB")


@pytest.fixture
def mobile_m(data):
    """100 MB included, then 0.01 a MB (graduated, to 1000 MB), 21% tax; bill cycle day 15."""
    offering = OfferingFactory(name="Mobile M")
    usage_price(offering, data, included=100, tiers=[(0, 1000, "0.01"), (1000, None, "0.005")], tax_rate=21)
    return offering


def holding(offering, bill_cycle=15, **extra):
    account = BillingAccountFactory(bill_cycle=bill_cycle, **extra)
    return HeldProductFactory(
        customer=account.customer, offering=offering, billing_account_ref=account.external_id, name="Mobile M"
    )


class TestUsageContract(TMFReadOnlyContract):
    path = USAGE
    resource_type = "Usage"
    model = UsageRecord
    list_queries = 7  # count, page; the page's periods (a window), metrics, prices (2); metrics' units
    detail_queries = 6
    selected_attributes = ("usageType", "usageDate")
    name_attribute = ("usageType", "metric_id")

    @pytest.fixture
    def reader(self, make_client):
        return make_client("web", ("usage:read",))

    @pytest.fixture(autouse=True)
    def _offering(self, mobile_m):
        self.offering = mobile_m
        self.numbers = iter(range(1, 10_000))

    def make(self, count, channels):
        products = [holding(self.offering) for _ in range(count)]
        ingest([record(next(self.numbers), p, quantity=60 + n) for n, p in enumerate(products)], now=NOW)
        return rows_of(UsageRecord.objects.filter(product__in=products).order_by("-start", "-id"))

    def filter_case(self, rows):
        return f"relatedParty.id={rows[1].customer_id}", {rows[1].pk}

    def test_quoted_name_filter_matches_exactly(self, reader, channels):
        rows = self.make(2, channels)
        response = reader.get(f'{self.path}?id="{rows[1].pk}"')
        assert [item["id"] for item in response.json()] == [rows[1].pk]


@pytest.fixture
def reader(make_client):
    return make_client("web", ("usage:read",))


def test_a_record_is_a_tmf635_usage_with_its_share_of_the_period_charge(reader, mobile_m):
    product = holding(mobile_m)
    ingest(
        [
            record(1, product, quantity=60),  # within the 100 included
            record(2, product, quantity=600, start="2026-11-21", roamingZone="EU"),  # 40 included, 560 charged
        ],
        now=NOW,
    )
    first, second = UsageRecord.objects.order_by("start")
    body = reader.get(f"{USAGE}/{second.pk}").json()
    assert body == {
        "id": str(second.pk),
        "href": f"http://testserver{USAGE}/{second.pk}",
        "description": "Data: 600 MB",
        "usageDate": "2026-11-21T12:00:00.000Z",
        "usageType": "data",
        "status": "rated",
        "usageCharacteristic": [
            {"name": "metric", "valueType": "string", "value": "data"},
            {"name": "quantity", "valueType": "number", "value": 600},
            {"name": "unit", "valueType": "string", "value": "MB"},
            {"name": "roamingZone", "valueType": "string", "value": "EU"},
        ],
        "relatedParty": [
            {
                "id": product.customer_id,
                "href": f"http://testserver/tmf-api/customerManagement/v4/customer/{product.customer_id}",
                "role": "customer",
                "@referredType": "Customer",
            }
        ],
        "ratedProductUsage": [
            {
                "isBilled": False,
                "productRef": {
                    "id": product.pk,
                    "href": f"http://testserver/tmf-api/productInventory/v4/product/{product.pk}",
                    "name": "Mobile M",
                    "@referredType": "Product",
                },
                "ratingAmountType": "total",
                "taxExcludedRatingAmount": {"unit": "EUR", "value": 5.6},
                "taxIncludedRatingAmount": {"unit": "EUR", "value": 6.776},
                "taxRate": 21,
                "usageRatingTag": "non included usage",
                "offerTariffType": "graduated",
                "@type": "RatedProductUsage",
            }
        ],
        "@type": "Usage",
    }
    included = reader.get(f"{USAGE}/{first.pk}").json()["ratedProductUsage"][0]
    assert included["usageRatingTag"] == "included usage"
    assert included["taxExcludedRatingAmount"] == {"unit": "EUR", "value": 0}


def test_a_record_without_a_price_is_received_not_rated(reader, data):
    product = holding(OfferingFactory())  # its offering prices no data
    ingest([record(1, product, quantity=5)], now=NOW)
    body = reader.get(USAGE).json()[0]
    assert body["status"] == "received"
    assert body["ratedProductUsage"] == [
        {
            "isBilled": False,
            "productRef": {
                "id": product.pk,
                "href": f"http://testserver/tmf-api/productInventory/v4/product/{product.pk}",
                "name": product.name,
                "@referredType": "Product",
            },
        }
    ]


@pytest.fixture
def usage_of_two(mobile_m):
    """Customer A's product with data and SMS over two periods; customer B's with data."""
    sms = MetricFactory(code="sms", name="SMS", unit="message")
    a, b = holding(mobile_m), holding(mobile_m)
    unpriced = HeldProductFactory(customer=a.customer, offering=OfferingFactory())
    ingest(
        [
            record(1, a, quantity=10, start="2026-10-20"),
            record(2, a, quantity=20, start="2026-11-16"),
            record(3, a, "sms", quantity=1, start="2026-11-17"),
            record(4, b, quantity=30, start="2026-11-18"),
            record(5, unpriced, quantity=1, start="2026-11-19"),
        ],
        now=NOW,
    )
    ids = {r.external_id: str(r.pk) for r in UsageRecord.objects.all()}
    return a, b, sms, ids


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", ["U5", "U4", "U3", "U2", "U1"]),  # newest first
        ("usageType=sms", ["U3"]),
        ("usageType=data,sms&relatedParty.id={a}", ["U5", "U3", "U2", "U1"]),
        ("usageType.ne=data", ["U3"]),
        ("usageDate.gte=2026-11-17", ["U5", "U4", "U3"]),
        ("usageDate.gt=2026-11-17T12:00:00Z", ["U5", "U4"]),
        ("usageDate.lt=2026-11-17", ["U2", "U1"]),
        ("usageDate.lte=2026-11-16T12:00:00Z", ["U2", "U1"]),
        ("usageDate>=2026-11-18&usageDate<=2026-11-18T23:59:59Z", ["U4"]),
        ("usageDate=2026-10-20", ["U1"]),
        ("status=received", ["U5", "U3"]),  # no price for SMS, nor for the other product
        ("status=rated", ["U4", "U2", "U1"]),
        ("status.ne=rated", ["U5", "U3"]),
        ("status=rated,received", ["U5", "U4", "U3", "U2", "U1"]),
        ("status=billed", []),
        ("ratedProductUsage.productRef.id={b_product}", ["U4"]),
        ("id={u2},{u4}", ["U4", "U2"]),
        ("id=not-a-record", []),
        ("relatedParty.id=nobody", []),
    ],
)
def test_filters(reader, usage_of_two, query, expected):
    a, b, _, ids = usage_of_two
    query = query.format(a=a.customer_id, b_product=b.pk, u2=ids["U2"], u4=ids["U4"])
    response = reader.get(f"{USAGE}?{query}")
    assert response.status_code == 200, response.content
    names = {v: k for k, v in ids.items()}
    assert [names[item["id"]] for item in response.json()] == expected
    assert response["X-Total-Count"] == str(len(expected))


@pytest.mark.parametrize(
    "query", ["usageDate.gt=yesterday", "usageDate=2026-02-30", "usageDate.gte=2026-11-01,2026-11-02", "limit=x"]
)
def test_malformed_filters_are_a_400(reader, usage_of_two, query):
    assert_tmf_error(reader.get(f"{USAGE}?{query}"), 400)


def test_paging_newest_first_with_count_headers(reader, usage_of_two):
    *_, ids = usage_of_two
    page = reader.get(USAGE, {"offset": 1, "limit": 2, "fields": "usageDate"})
    assert (page["X-Total-Count"], page["X-Result-Count"]) == ("5", "2")
    assert page.json() == [{"usageDate": "2026-11-18T12:00:00.000Z"}, {"usageDate": "2026-11-17T12:00:00.000Z"}]
    nested = reader.get(f"{USAGE}/{ids['U4']}", {"fields": "ratedProductUsage.taxExcludedRatingAmount"}).json()
    assert nested == {"ratedProductUsage": [{"taxExcludedRatingAmount": {"unit": "EUR", "value": 0}}]}


def test_a_customer_sees_their_own_usage_only(customer_client, usage_of_two):
    a, b, _, ids = usage_of_two
    as_a = customer_client(a.customer)
    listed = as_a.get(USAGE)
    assert {item["id"] for item in listed.json()} == {ids["U1"], ids["U2"], ids["U3"], ids["U5"]}
    assert listed["X-Total-Count"] == "4"
    assert as_a.get(f"{USAGE}/{ids['U1']}").status_code == 200
    assert_tmf_error(as_a.get(f"{USAGE}/{ids['U4']}"), 404)  # B's, as if it did not exist
    assert as_a.get(USAGE, {"relatedParty.id": b.customer_id}).json() == []


def test_who_may_read(make_client, staff_client, anonymous, usage_of_two):
    *_, ids = usage_of_two
    assert_tmf_error(anonymous.get(USAGE), 401)
    for refused in (make_client("web", ("customers:read", "orders:read")), staff_client("catalog_manager")):
        assert_tmf_error(refused.get(USAGE), 403)
        assert_tmf_error(refused.get(f"{USAGE}/{ids['U1']}"), 403)
    for allowed in (make_client("mobile", ("usage:read",)), staff_client("agent"), staff_client("supervisor")):
        assert allowed.get(USAGE)["X-Total-Count"] == "5"


def test_usage_is_not_written_through_the_api(reader, customer_client, staff_client, usage_of_two):
    a, _, _, ids = usage_of_two
    clients = (reader, customer_client(a.customer), staff_client("supervisor"))
    before = rows_in_database()
    for client in clients:
        assert_tmf_error(client.post(USAGE, {"usageType": "data"}, format="json"), 405)
        assert_tmf_error(client.patch(f"{USAGE}/{ids['U1']}", {"status": "billed"}, format="json"), 405)
        assert_tmf_error(client.put(f"{USAGE}/{ids['U1']}", {"status": "billed"}, format="json"), 405)
        assert_tmf_error(client.delete(f"{USAGE}/{ids['U1']}"), 405)
    assert rows_in_database() == before


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999", "-1", "1.5", "%20"])
def test_ids_no_record_can_have_are_a_404(reader, usage_of_two, pk):
    assert_tmf_error(reader.get(f"{USAGE}/{pk}"), 404)


def test_a_page_costs_the_same_queries_for_records_in_2_or_20_periods(reader, mobile_m):
    product = holding(mobile_m)
    ingest([record(1, product, start="2026-10-20"), record(2, product)], now=NOW)
    reader.get(USAGE)
    few = queries_for(lambda: reader.get(USAGE))
    months = [f"2025-{m:02d}-20" for m in range(1, 13)] + [f"2026-{m:02d}-20" for m in range(1, 7)]
    ingest([record(10 + n, holding(mobile_m), start=day) for n, day in enumerate(months)], now=NOW)
    assert UsageRecord.objects.values("product", "period_start").distinct().count() == 20
    assert queries_for(lambda: reader.get(USAGE)) == few == TestUsageContract.list_queries


# --- the hub: bill-shock events ------------------------------------------------------------------
def wait_for(condition, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        dispatch.sweep()
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_usage_listeners_get_each_bill_shock_alert_once(make_client, listener):
    data = MetricFactory(code="data", name="Data", unit="MB")
    offering = OfferingFactory(name="Mobile M")
    usage_price(offering, data, included=100, tiers=[(0, None, "0.01")])
    product = holding(offering)
    app = make_client("web", ("usage:read",))
    registered = app.post(HUB, {"callback": listener.url}, format="json")
    assert registered.status_code == 201, registered.content

    ingest([record(1, product, quantity=85)], now=NOW)  # 85%: the 80% threshold
    ingest([record(2, product, quantity=5, start="2026-11-21")], now=NOW)  # 90%: nothing new
    ingest([record(3, product, quantity=20, start="2026-11-22")], now=NOW)  # 110%: all included used
    ingest([record(3, product, quantity=20, start="2026-11-22")], now=NOW)  # the same page again
    wait_for(lambda: len(listener.received) >= 2)
    time.sleep(0.3)
    dispatch.sweep()

    events = listener.bodies("UsageThresholdReachedEvent")
    assert [e["event"]["usageAlert"]["threshold"] for e in events] == ["included-80", "included-100"]
    assert {e["domain"] for e in events} == {"usageManagement"}
    alert = events[0]["event"]["usageAlert"]
    assert alert["product"]["id"] == product.pk and alert["relatedParty"][0]["id"] == product.customer_id
    assert EventDelivery.objects.filter(state="delivered").count() == 2
    assert json.loads(listener.received[0][0])["eventType"] == "UsageThresholdReachedEvent"


@pytest.mark.django_db
def test_listening_needs_usage_read(make_client, customer_client, anonymous):
    callback = {"callback": "https://93.184.215.14/events"}
    assert_tmf_error(make_client("web", ("customers:read", "orders:read")).post(HUB, callback, format="json"), 403)
    assert_tmf_error(customer_client(CustomerFactory()).post(HUB, callback, format="json"), 403)
    assert_tmf_error(anonymous.post(HUB, callback, format="json"), 401)
    assert make_client("web", ("usage:read",)).post(HUB, callback, format="json").status_code == 201
