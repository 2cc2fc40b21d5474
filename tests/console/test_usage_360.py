"""The 360°'s usage part (API and console): per product and metric, the current period against what is
included, the amount so far, the projection and the last periods as bars; bill-shock alerts; who sees it."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.usage import months_back
from customers.models import Interaction
from tests.factories.catalog import OfferingFactory
from tests.factories.customers import CustomerFactory, HeldProductFactory
from tests.factories.usage import MetricFactory, ingest, usage_price
from tests.factories.users import console
from tests.tmf import queries_for
from usage.models import SpendCap
from usage.records import UsageRecordIn

D = Decimal


def url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/360"


def month_start(months: int) -> datetime:
    """Midnight UTC of the first day of the month ``months`` before this one (bill cycle day 1)."""
    day = months_back(timezone.now().date(), months)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def used(product, quantities: dict[int, int], metric="data", prefix="U") -> list[UsageRecordIn]:
    """One record per period: {months back: quantity}; the current period's at its first second."""
    return [
        UsageRecordIn(f"{prefix}{product.pk}-{metric}-{back}", product.external_id, metric, D(q), month_start(back))
        for back, q in quantities.items()
    ]


@pytest.fixture
def plan(db):
    """100 MB included, then 0.01 EUR per MB, 21% tax."""
    data = MetricFactory(code="data", unit="MB", name="Data")
    offering = OfferingFactory(name="Mobile Flex")
    usage_price(offering, data, included=100, tiers=[(0, None, "0.01")], tax_rate=21)
    return offering


@pytest.fixture
def koen(plan):
    customer = CustomerFactory(given_name="Koen", family_name="Bakker")
    line = HeldProductFactory(customer=customer, offering=plan, name="Mobile Flex")
    ingest(used(line, {3: 200, 2: 300, 1: 400, 0: 600}))
    return customer


@pytest.mark.django_db
class TestTheApi:
    def test_an_agent_sees_the_current_period_its_projection_and_the_last_periods(self, staff_client, koen):
        body = staff_client("agent").get(url(koen)).json()
        (product,) = body["usage"]
        assert product["product"]["name"] == "Mobile Flex"
        assert product["product"]["href"].endswith(f"/productInventory/v4/product/{product['product']['id']}")
        (data,) = product["metric"]
        assert (data["metric"], data["name"], data["unit"], data["kind"]) == ("data", "Data", "MB", "resource")
        assert data["periodStart"] == month_start(0).date().isoformat()
        # 600 MB of 100 included: 500 at 0.01 = 5.00 EUR, 1.05 tax; with tax 6.05 spent so far.
        assert (data["used"], data["included"], data["remaining"]) == (600, 100, 0)
        assert (data["amount"], data["tax"]) == ({"unit": "EUR", "value": 5}, {"unit": "EUR", "value": 1.05})
        assert product["spent"] == {"unit": "EUR", "value": 6.05}
        assert "credit" not in data and "spendCap" not in product
        # The pace so far carried to the period's end: at least what is used, priced by the same engine.
        assert data["projected"]["quantity"] >= 600 and data["projected"]["amount"]["value"] >= 5
        assert [(h["used"], h.get("amount", {}).get("value"), h.get("current")) for h in data["history"]] == [
            (200, 1, None),
            (300, 2, None),
            (400, 3, None),
            (600, 5, True),
        ]
        # 80% and all of the included units: both raised in the current period, newest first.
        assert {a["threshold"] for a in body["usageAlert"]} == {"included-80", "included-100"}
        assert body["usageAlert"][0]["product"]["name"] == "Mobile Flex"

    def test_at_most_six_periods_and_a_metric_unused_so_far_starts_at_zero(self, staff_client, plan):
        customer = CustomerFactory()
        line = HeldProductFactory(customer=customer, offering=plan)
        ingest(used(line, {back: 10 * back for back in range(1, 9)}))
        (data,) = staff_client("agent").get(url(customer)).json()["usage"][0]["metric"]
        # Nothing yet this period: nothing used, all included units left, the five periods before it.
        assert (data["used"], data["remaining"], data["amount"]["value"], data["projected"]["quantity"]) == (
            0,
            100,
            0,
            0,
        )
        assert [h["used"] for h in data["history"]] == [50, 40, 30, 20, 10, 0]

    def test_a_spend_cap_and_a_service_level_credit_are_shown(self, staff_client, koen):
        line = koen.held_products.get()
        SpendCap.objects.create(product=line, amount=D("20"), currency="EUR")
        vehicle_days = MetricFactory(code="vehicle_day", unit="vehicle-day", kind="outcome", name="Vehicle days")
        uptime = MetricFactory(code="uptime", unit="percent", kind="level", aggregation="average", name="Uptime")
        fleet_offer = OfferingFactory(name="Fleet tracking")
        usage_price(
            fleet_offer, vehicle_days, amount="1.50", sla_metric=uptime, sla_threshold=D(99), sla_credit_percentage=10
        )
        fleet = HeldProductFactory(customer=koen, offering=fleet_offer, name="Fleet tracking", system="partner")
        ingest(used(fleet, {0: 40}, "vehicle_day") + used(fleet, {0: 97}, "uptime"), system="partner")
        products = {p["product"]["name"]: p for p in staff_client("agent").get(url(koen)).json()["usage"]}
        assert products["Mobile Flex"]["spendCap"] == {"unit": "EUR", "value": 20}
        metrics = {m["metric"]: m for m in products["Fleet tracking"]["metric"]}
        assert metrics["vehicle_day"]["credit"] == {"unit": "EUR", "value": 6}  # 10% of 60.00 under 99% uptime
        assert metrics["vehicle_day"]["amount"] == {"unit": "EUR", "value": 54}
        assert metrics["uptime"]["used"] == 97 and "amount" not in metrics["uptime"]  # a level: not priced

    def test_without_usage_read_the_360_has_no_usage_part(self, make_client, koen):
        body = make_client("callcentre", ("customers:read",)).get(url(koen)).json()
        assert body["name"] == "Koen Bakker"
        assert "usage" not in body and "usageAlert" not in body

    def test_a_customer_without_usage_gets_an_empty_part(self, staff_client, db):
        body = staff_client("supervisor").get(url(CustomerFactory())).json()
        assert (body["usage"], body["usageAlert"]) == ([], [])


@pytest.mark.django_db
def test_queries_do_not_grow_with_products_and_periods(staff_client, plan):
    agent = staff_client("agent")
    customer = CustomerFactory()
    lines = [HeldProductFactory(customer=customer, offering=plan) for _ in range(2)]
    ingest([r for line in lines for r in used(line, {0: 150, 1: 50})])
    agent.get(url(customer))
    few = queries_for(lambda: agent.get(url(customer)))
    more = [HeldProductFactory(customer=customer, offering=plan) for _ in range(18)]
    ingest([r for line in more for r in used(line, {back: 150 for back in range(6)})])
    many = queries_for(lambda: agent.get(url(customer)))
    assert few == many
    assert len(agent.get(url(customer)).json()["usage"]) == 20
    # The periods, the alerts, and the projection's metrics and prices (with their tiers): 4; right-sizing's
    # periods, candidates, rules and prices: 10 more. Without usage only the periods are looked for.
    assert few - queries_for(lambda: agent.get(url(CustomerFactory()))) == 14


@pytest.mark.django_db
class TestTheConsole:
    def page(self, client, customer):
        return client.get(reverse("admin:customer-console-customer", args=[customer.pk]))

    @pytest.mark.parametrize("role", ["agent", "supervisor"])
    def test_the_panel_and_its_bars(self, role, koen):
        page = self.page(console(role), koen)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="usage"' in html and "Mobile Flex" in html
        assert "used 600 MB of 100 included, 0 left" in html and "so far 5.00 EUR + 1.05 tax" in html
        (svg,) = re.findall(r"<svg class=\"usage-chart\".*?</svg>", html, re.DOTALL)
        bars = re.findall(r'<rect class="bar( current)?" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"', svg)
        assert len(bars) == 4 and [b[0] for b in bars] == ["", "", "", " current"]
        heights = [int(b[4]) for b in bars]
        assert heights == sorted(heights) and heights[-1] > 0  # 200, 300, 400, 600 MB
        assert 'class="included"' in svg and "<title>100 MB included</title>" in svg
        assert "<script" not in svg and "style=" not in svg  # nothing the Content-Security-Policy refuses
        assert "All the included units used" in html  # the bill-shock alert

    def test_a_catalog_manager_cannot_see_the_customer(self, koen):
        assert self.page(console("catalog_manager"), koen).status_code == 403

    def test_staff_without_usage_permissions_see_the_360_without_the_panel(self, koen):
        user = get_user_model().objects.create_user(username="viewer", password="pw", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="view_customer", content_type__app_label="customers"))
        client = Client()
        client.force_login(user)
        page = self.page(client, koen)
        assert page.status_code == 200 and b"Koen Bakker" in page.content
        assert b'id="usage"' not in page.content and b'<svg class="usage-chart"' not in page.content

    def test_the_view_is_recorded_once(self, koen):
        self.page(console("agent"), koen)
        assert Interaction.objects.filter(customer=koen, kind="view_360").count() == 1


def test_months_back_crosses_years():
    assert months_back(datetime(2026, 2, 14).date(), 6) == datetime(2025, 8, 1).date()
    assert months_back(datetime(2026, 12, 31).date(), 0) == datetime(2026, 12, 1).date()
    assert months_back(datetime(2026, 1, 1).date() + timedelta(days=0), 12) == datetime(2025, 1, 1).date()
