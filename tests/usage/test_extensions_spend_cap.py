"""/api/v1/products/{id}/spendCap: the customer (or an agent for them) sets, reads and removes a product's
spend cap; who may, bad input refused whole, and a cap under what is already spent alerting at once."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Interaction
from events.models import OutboxEvent
from tests.factories.catalog import OfferingFactory
from tests.factories.customers import CustomerFactory, HeldProductFactory
from tests.factories.usage import MetricFactory, ingest, usage_price
from tests.tmf import assert_tmf_error, rows_in_database
from usage.models import SpendCap, UsageAlert
from usage.periods import period_of
from usage.records import UsageRecordIn
from usage.services import spend_cap_currencies

D = Decimal


def url(product) -> str:
    return f"/api/v1/products/{product.pk}/spendCap"


def cap(value, unit="EUR") -> dict:
    return {"amount": {"value": value, "unit": unit}}


@pytest.fixture
def line(db):
    """A product with 100 MB included, then 0.01 EUR per MB and 21% tax, that used 600 MB this period:
    5.00 EUR and 1.05 tax so far."""
    data = MetricFactory(code="data", unit="MB")
    offering = OfferingFactory(name="Mobile Flex")
    usage_price(offering, data, included=100, tiers=[(0, None, "0.01")], tax_rate=21)
    product = HeldProductFactory(customer=CustomerFactory(), offering=offering, name="Mobile Flex")
    start = period_of(timezone.now(), None)[0]
    ingest([UsageRecordIn("U1", product.external_id, "data", D(600), datetime(*start.timetuple()[:3], tzinfo=UTC))])
    return product


def cap_alerts():
    return UsageAlert.objects.filter(threshold="spend-cap")


@pytest.mark.django_db
class TestTheCustomer:
    def test_sets_reads_changes_and_removes_their_cap(self, customer_client, line):
        me = customer_client(line.customer)
        assert_tmf_error(me.get(url(line)), 404)  # none yet
        created = me.put(url(line), cap(50), format="json")
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["amount"] == {"unit": "EUR", "value": 50} and body["@type"] == "SpendCap"
        assert body["product"]["id"] == line.pk and body["product"]["href"].endswith(f"/product/{line.pk}")
        assert body["lastUpdate"].endswith("Z")
        assert me.get(url(line)).json()["amount"] == {"unit": "EUR", "value": 50}
        changed = me.put(url(line), cap("75.50"), format="json")
        assert changed.status_code == 200 and changed.json()["amount"]["value"] == 75.5
        assert SpendCap.objects.get(product=line).amount == D("75.50")
        assert me.delete(url(line)).status_code == 204
        assert not SpendCap.objects.exists()
        assert_tmf_error(me.get(url(line)), 404)
        assert_tmf_error(me.delete(url(line)), 404)
        summaries = list(Interaction.objects.filter(kind="spend-cap").order_by("id").values_list("summary", flat=True))
        assert summaries == [
            "Mobile Flex: spend cap set to 50.00 EUR per period.",
            "Mobile Flex: spend cap changed to 75.50 EUR per period.",
            "Mobile Flex: spend cap removed.",
        ]
        assert not cap_alerts().exists()  # 6.05 EUR spent: under both caps

    def test_a_cap_under_what_is_already_spent_alerts_at_once_and_once(self, customer_client, line):
        me = customer_client(line.customer)
        events, warnings = OutboxEvent.objects.count(), Interaction.objects.filter(kind="bill-shock").count()
        assert me.put(url(line), cap(5), format="json").status_code == 201  # 6.05 EUR spent so far
        alert = cap_alerts().get()
        assert (alert.value, alert.limit) == (D("6.05"), D(5))
        assert OutboxEvent.objects.count() == events + 1
        assert OutboxEvent.objects.latest("pk").event_type == "UsageThresholdReachedEvent"
        assert Interaction.objects.filter(kind="bill-shock").count() == warnings + 1
        me.put(url(line), cap(4), format="json")  # lower still: the period was warned already
        assert cap_alerts().count() == 1 and OutboxEvent.objects.count() == events + 1

    def test_anothers_product_is_unknown_and_untouched(self, customer_client, line):
        other = customer_client(CustomerFactory())
        SpendCap.objects.create(product=line, amount=D(50))
        before = rows_in_database()  # (after the clients: making them writes)
        assert_tmf_error(other.get(url(line)), 404)
        assert_tmf_error(other.put(url(line), cap(10), format="json"), 404)
        assert_tmf_error(other.delete(url(line)), 404)
        assert rows_in_database() == before and SpendCap.objects.get().amount == D(50)


@pytest.mark.django_db
class TestWhoMay:
    def test_agents_and_supervisors_act_for_the_customer(self, staff_client, line):
        agent = staff_client("agent")
        assert agent.put(url(line), cap(30), format="json").status_code == 201
        assert staff_client("supervisor").get(url(line)).json()["amount"]["value"] == 30
        interaction = Interaction.objects.get(kind="spend-cap")
        assert (interaction.actor, interaction.channel) == ("agent:agent-user", "callcentre")
        assert SpendCap.objects.get().set_by == "agent:agent-user"

    def test_applications_by_scope(self, make_client, line):
        SpendCap.objects.create(product=line, amount=D(50))
        reader = make_client("web", ("usage:read",))
        writer_only = make_client("web", ("usage:write",))
        customers_app = make_client("web", ("customers:read", "customers:write"))
        assert reader.get(url(line)).status_code == 200
        before = rows_in_database()
        assert_tmf_error(reader.put(url(line), cap(10), format="json"), 403)
        assert_tmf_error(reader.delete(url(line)), 403)
        assert_tmf_error(writer_only.put(url(line), cap(10), format="json"), 403)
        assert_tmf_error(customers_app.get(url(line)), 403)
        assert rows_in_database() == before
        writer = make_client("web", ("usage:read", "usage:write"))
        assert writer.put(url(line), cap(10), format="json").status_code == 200

    def test_who_may_not(self, anonymous, staff_client, line):
        manager, agent = staff_client("catalog_manager"), staff_client("agent")
        before = rows_in_database()
        assert_tmf_error(anonymous.put(url(line), cap(10), format="json"), 401)
        assert_tmf_error(manager.get(url(line)), 403)
        assert_tmf_error(manager.put(url(line), cap(10), format="json"), 403)
        assert_tmf_error(agent.put("/api/v1/products/nothing/spendCap", cap(10), format="json"), 404)
        assert rows_in_database() == before


@pytest.mark.django_db
class TestBadInput:
    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"amount": 50},
            {"amount": {"value": 50}},
            {"amount": {"value": "fifty", "unit": "EUR"}},
            {"amount": {"value": 50, "unit": "eur"}},
            {"amount": {"value": 50, "unit": "EURO"}},
            {"amount": {"value": None, "unit": "EUR"}},
        ],
    )
    def test_malformed_is_400(self, customer_client, line, body):
        me = customer_client(line.customer)
        before = rows_in_database()
        assert_tmf_error(me.put(url(line), body, format="json"), 400)
        assert rows_in_database() == before

    @pytest.mark.parametrize(
        ("value", "unit", "why"),
        [
            (0, "EUR", "above 0"),
            (-5, "EUR", "above 0"),
            ("10.001", "EUR", "2 decimals"),
            ("1e-9", "EUR", "2 decimals"),
            ("1e12", "EUR", "below"),
            (50, "USD", "'USD' is not the currency"),
        ],
    )
    def test_refused_by_the_rule_is_422_naming_the_amount(self, customer_client, line, value, unit, why):
        SpendCap.objects.create(product=line, amount=D(50))
        me = customer_client(line.customer)
        before = rows_in_database()
        body = assert_tmf_error(me.put(url(line), cap(value, unit), format="json"), 422)
        assert body["message"].startswith("amount.") and why in body["message"]
        assert rows_in_database() == before and SpendCap.objects.get().amount == D(50)

    def test_trailing_zeros_are_no_decimals(self, customer_client, line):
        assert customer_client(line.customer).put(url(line), cap("12.500"), format="json").status_code == 201

    def test_a_product_without_usage_prices_takes_euros(self, customer_client, db):
        product = HeldProductFactory()
        me = customer_client(product.customer)
        assert_tmf_error(me.put(url(product), cap(20, "GBP"), format="json"), 422)
        assert me.put(url(product), cap(20, "EUR"), format="json").status_code == 201

    def test_the_currency_is_that_of_the_products_usage_prices(self, db):
        data = MetricFactory(code="data", unit="MB")
        offering = OfferingFactory()
        usage_price(offering, data, amount="0.01", currency="GBP")
        assert spend_cap_currencies(HeldProductFactory(offering=offering)) == {"GBP"}
