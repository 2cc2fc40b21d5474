"""Partner statement test data: two partners' services and one of the operator's own, and a November of
products in and out of service with their rated periods."""

from datetime import UTC, date, datetime
from decimal import Decimal

from catalog.models import Channel
from tests.factories.catalog import OfferingFactory, PriceFactory
from tests.factories.customers import HeldProductFactory
from tests.factories.usage import MetricFactory
from usage.models import Consumption
from usage.periods import next_period_start

D = Decimal
NOVEMBER = date(2026, 11, 1)


def on(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def rated(product, amount, period_start=NOVEMBER, metric="streaming_hours", currency="EUR"):
    MetricFactory(code=metric, unit="hour")
    return Consumption.objects.create(
        product=product,
        customer=product.customer,
        metric_id=metric,
        period_start=period_start,
        period_end=next_period_start(period_start),
        quantity=1,
        records=1,
        amount=D(amount),
        gross=D(amount),
        currency=currency,
        dirty=False,
    )


def partner_offerings():
    """StreamMax (70%, through the partner channel) and another partner's service (50%), one not a partner's."""
    partner = Channel.objects.create(code="partner", name="Partner")
    other = Channel.objects.create(code="store", name="Another partner")
    streaming = OfferingFactory(name="StreamMax", revenue_share=D("70"), partner_channel=partner)
    PriceFactory(offering=streaming, name="StreamMax monthly", amount=D("9.99"))
    PriceFactory(offering=streaming, name="HD option", amount=D("3.00"), char_name="Quality", char_value="HD")
    PriceFactory(offering=streaming, name="Yearly pass", amount=D("99.00"), recurring_period="year")
    music = OfferingFactory(name="MusicBox", revenue_share=D("50"), partner_channel=other)
    PriceFactory(offering=music, amount=D("7.49"))
    own = OfferingFactory(name="Mobile M")
    PriceFactory(offering=own, amount=D("25.00"))
    return streaming, music, own


def november_estate(partners):
    streaming, music, own = partners
    tariff = HeldProductFactory(offering=streaming, start_date=on("2026-10-01"))  # the offering's 9.99
    agreed = HeldProductFactory(
        offering=streaming,
        start_date=on("2026-11-20"),
        price=[
            {"price_type": "recurring", "amount": "7.99", "currency": "EUR", "period": "month"},
            {"price_type": "oneTime", "amount": "10.00", "currency": "EUR", "period": ""},
            {"price_type": "recurring", "amount": "99.00", "currency": "EUR", "period": "year"},  # not monthly
        ],
    )
    left = HeldProductFactory(offering=streaming, status="terminated", termination_date=on("2026-11-10"))
    HeldProductFactory(offering=streaming, status="terminated", termination_date=on("2026-10-20"))  # gone before
    HeldProductFactory(offering=streaming, start_date=on("2026-12-05"))  # not yet
    HeldProductFactory(offering=streaming, status="cancelled")  # never in service
    rated(tariff, "1.25")
    rated(tariff, "3.00", period_start=date(2026, 10, 1))  # October's
    rated(agreed, "2.50", period_start=date(2026, 11, 15))  # a bill cycle on the 15th: starts in November
    rated(left, "0.40", metric="data")
    rated(HeldProductFactory(offering=music), "5.00")
    rated(HeldProductFactory(offering=own), "8.00")
    return partners
