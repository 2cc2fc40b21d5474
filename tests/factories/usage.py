"""Usage test data: metrics, usage prices, mediation records, and importing them as a sync does."""

from datetime import UTC, datetime
from decimal import Decimal

import factory

from catalog.models import ProductOfferingPrice, UsageMetric
from tests.factories.catalog import PriceFactory, TierFactory
from usage.imports import usage_link
from usage.rating import rate_pending
from usage.records import UsageRecordIn

D = Decimal


class MetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageMetric
        django_get_or_create = ("code",)

    code = "data"
    name = factory.LazyAttribute(lambda m: m.code.replace("_", " ").title())
    unit = "MB"


def usage_price(offering, metric, *, amount=None, included=0, tiers=(), tiering="", tax_rate=0, **extra):
    """A usage price on ``metric``; ``tiers``: (lower, upper or None, unit amount)."""
    price = PriceFactory(
        offering=offering,
        price_type=ProductOfferingPrice.PriceType.USAGE,
        recurring_period="",
        amount=None if amount is None else D(str(amount)),
        metric=metric,
        unit_of_measure=metric.unit,
        included_units=D(str(included)),
        tiering=tiering or ("graduated" if tiers else ""),
        tax_rate=D(str(tax_rate)),
        **extra,
    )
    for lower, upper, rate in tiers:
        TierFactory(
            price=price, lower=D(str(lower)), upper=None if upper is None else D(str(upper)), unit_amount=D(str(rate))
        )
    return price


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def record(number, product, metric="data", quantity=1, start="2026-11-20", **attributes) -> UsageRecordIn:
    return UsageRecordIn(
        external_id=f"U{number}",
        product_ref=product.external_id,
        metric=metric,
        quantity=D(str(quantity)),
        start=at(start) if isinstance(start, str) else start,
        attributes=attributes,
    )


def ingest(records, system="mobile", now=None):
    """Import a page of records as the sync engine does, then rate what it touched; the plan."""
    plan = usage_link(system, records)
    plan.store()
    rate_pending(now=now)
    return plan
