"""Importing usage records and rating them per billing period with the catalog's pricing engine."""

from datetime import date
from decimal import Decimal

import pytest

from events.models import OutboxEvent
from tests.factories.catalog import OfferingFactory
from tests.factories.customers import BillingAccountFactory, HeldProductFactory
from tests.factories.usage import MetricFactory, at, ingest, record, usage_price
from usage.models import Consumption, UsageAlert, UsageRecord
from usage.selectors import period_figures, rated_records

D = Decimal
NOW = at("2026-11-25")


@pytest.fixture
def data(db):
    return MetricFactory(code="data", unit="MB")


@pytest.fixture
def holding(data):
    """A mobile product on an offering with 100 MB included, then graduated tiers; bill cycle day 15."""
    offering = OfferingFactory(name="Mobile M")
    price = usage_price(offering, data, included=100, tiers=[(0, 1000, "0.01"), (1000, None, "0.005")], tax_rate=21)
    account = BillingAccountFactory(bill_cycle=15)
    product = HeldProductFactory(customer=account.customer, offering=offering, billing_account_ref=account.external_id)
    return product, price


def period(product, metric="data", start=date(2026, 11, 15)) -> Consumption:
    return Consumption.objects.get(product=product, metric_id=metric, period_start=start)


def test_included_units_first_then_graduated_tiers(holding):
    product, _ = holding
    ingest([record(1, product, quantity=600), record(2, product, quantity=700, start="2026-11-21")], now=NOW)
    c = period(product)
    # 1300 MB used, 100 included: 1000 at 0.01 and 200 at 0.005.
    assert (c.quantity, c.records, c.included) == (D(1300), 2, D(100))
    assert (c.gross, c.amount, c.tax, c.currency) == (D("11.00"), D("11.00"), D("2.31"), "EUR")
    assert c.period_end == date(2026, 12, 15) and not c.dirty


def test_volume_tiers_charge_every_unit_at_the_tier_reached(data):
    offering = OfferingFactory()
    usage_price(offering, data, included=100, tiers=[(0, 1000, "0.01"), (1000, None, "0.005")], tiering="volume")
    product = HeldProductFactory(offering=offering)
    ingest([record(1, product, quantity=1300)], now=NOW)
    assert period(product, start=date(2026, 11, 1)).amount == D("6.00")  # 1200 billable, all at 0.005


def test_each_record_counts_once_despite_duplicates_and_retried_pages(holding):
    product, _ = holding
    page = [record(1, product, quantity=600), record(1, product, quantity=600), record(2, product, quantity=50)]
    first = ingest(page, now=NOW)
    again = ingest(page, now=NOW)  # the page retried
    assert (first.counts.created, again.counts.created, again.counts.unchanged) == (2, 0, 2)
    assert UsageRecord.objects.count() == 2
    assert period(product).quantity == D(650)


def test_the_bill_cycle_day_splits_periods_and_each_period_starts_with_its_included_units(holding):
    product, _ = holding
    ingest([record(1, product, quantity=150, start="2026-11-14"), record(2, product, quantity=150)], now=NOW)
    before, current = period(product, start=date(2026, 10, 15)), period(product)
    assert (before.quantity, before.amount) == (D(150), D("0.50"))  # 100 included again in each
    assert (current.quantity, current.amount) == (D(150), D("0.50"))


def test_a_changed_price_applies_from_its_validity_on(holding, data):
    product, old = holding
    old.valid_to = at("2026-11-20", 0)
    old.save()
    usage_price(product.offering, data, included=100, tiers=[(0, None, "0.02")], valid_from=at("2026-11-20", 0))
    ingest([record(1, product, quantity=300, start="2026-11-16"), record(2, product, quantity=300)], now=NOW)
    # The first 300 (100 included, 200 at 0.01) at the old price; the next 300 at the new one's 0.02.
    assert period(product).amount == D("8.00")
    shares = {r.record.external_id: r.amount for r in rated_records(list(UsageRecord.objects.all()))}
    assert shares == {"U1": D("2.0000"), "U2": D("6.0000")}


def test_late_usage_rerates_its_period(holding):
    product, _ = holding
    ingest([record(1, product, quantity=100, start="2026-10-20")], now=NOW)
    assert period(product, start=date(2026, 10, 15)).amount == 0
    ingest([record(2, product, quantity=500, start="2026-10-16")], now=NOW)  # late, earlier in that period
    late = period(product, start=date(2026, 10, 15))
    assert (late.quantity, late.amount) == (D(600), D("5.00"))
    shares = {r.record.external_id: r.amount for r in rated_records(list(UsageRecord.objects.all()))}
    assert shares == {"U2": D("4.0000"), "U1": D("1.0000")}  # in time order, U2 took the included units


def test_an_outcome_price_with_a_service_level_credit(db):
    vehicle_days = MetricFactory(code="vehicle_day", unit="vehicle-day", kind="outcome")
    uptime = MetricFactory(code="tracker_uptime", unit="percent", kind="level", aggregation="average")
    offering = OfferingFactory(name="Fleet tracking")
    usage_price(
        offering,
        vehicle_days,
        amount="1.50",
        sla_metric=uptime,
        sla_threshold=D(99),
        sla_credit_percentage=D(10),
    )
    fleet = HeldProductFactory(offering=offering)
    ingest(
        [
            record(1, fleet, "vehicle_day", 20, start="2026-11-02"),
            record(2, fleet, "vehicle_day", 20, start="2026-11-03"),
            record(3, fleet, "tracker_uptime", "99.5", start="2026-11-02"),
            record(4, fleet, "tracker_uptime", "97.5", start="2026-11-03"),
        ],
        now=NOW,
    )
    level = period(fleet, "tracker_uptime", start=date(2026, 11, 1))
    outcome = period(fleet, "vehicle_day", start=date(2026, 11, 1))
    assert (level.quantity, level.amount) == (D("98.5"), 0)
    assert (outcome.quantity, outcome.gross, outcome.credit, outcome.amount) == (D(40), D(60), D(6), D(54))
    ingest([record(5, fleet, "tracker_uptime", "100", start="2026-11-04")], now=NOW)  # the level recovers
    assert period(fleet, "vehicle_day", start=date(2026, 11, 1)).credit == 0  # 99.0: the threshold is met


def test_bill_shock_thresholds_are_raised_once_per_period(holding):
    product, _ = holding
    ingest([record(1, product, quantity=80)], now=NOW)
    ingest([record(2, product, quantity=5)], now=NOW)
    ingest([record(3, product, quantity=30)], now=NOW)
    ingest([record(4, product, quantity=30)], now=NOW)
    alerts = sorted(UsageAlert.objects.values_list("threshold", "value"))
    assert alerts == [("included-100", D(115)), ("included-80", D(80))]
    assert product.customer.interactions.filter(kind="bill-shock").count() == 2
    assert OutboxEvent.objects.filter(event_type="UsageThresholdReachedEvent").count() == 2


def test_a_spend_cap_alert_when_the_period_costs_what_the_customer_allowed(holding):
    from usage.models import SpendCap

    product, _ = holding
    SpendCap.objects.create(product=product, amount=D("5.00"))
    ingest([record(1, product, quantity=400)], now=NOW)  # 3.00 + 0.63 tax
    assert not UsageAlert.objects.filter(threshold="spend-cap").exists()
    ingest([record(2, product, quantity=200)], now=NOW)  # 5.00 + 1.05 tax
    assert UsageAlert.objects.get(threshold="spend-cap").value == D("6.05")


def test_alerts_are_not_raised_for_periods_that_are_over(holding):
    product, _ = holding
    ingest([record(1, product, quantity=500, start="2026-10-20")], now=NOW)
    assert not UsageAlert.objects.exists()


def test_records_it_cannot_map_are_handed_back_to_quarantine(holding):
    product, _ = holding
    plan = ingest(
        [
            record(1, product, quantity=10),
            record(2, product.__class__(external_id="NOBODY"), quantity=10),
            record(3, product, metric="teleportation", quantity=1),
            record(4, product, quantity="-1"),
        ],
        now=NOW,
    )
    assert [(position, key) for position, key, _ in plan.failures] == [(1, "U2"), (2, "U3"), (3, "U4")]
    assert [why.split(":")[0] for *_, why in plan.failures] == ["UnknownProduct", "UnknownMetric", "BadQuantity"]
    assert UsageRecord.objects.count() == 1


def test_a_records_shares_add_up_to_its_periods_charge(holding):
    product, _ = holding
    ingest([record(n, product, quantity=137, start=f"2026-11-{15 + n}") for n in range(1, 10)], now=NOW)
    shares = rated_records(list(UsageRecord.objects.all()))
    # 1233 MB: 1000 at 0.01 and 133 at 0.005; the shares to the 0.0001, the period rounded to the cent.
    assert sum(r.amount for r in shares) == D("10.6650")
    assert period(product).gross == D("10.67")


def test_the_projection_carries_the_pace_so_far_to_the_periods_end(holding):
    product, _ = holding
    ingest([record(1, product, quantity=300, start="2026-11-16")], now=NOW)
    (figures,) = period_figures([period(product)], at("2026-11-30", 0))  # half of 30 days gone
    assert (figures.projected_quantity, figures.projected_amount, figures.remaining) == (D(600), D("5.00"), D(0))
