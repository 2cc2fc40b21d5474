"""Right-sizing test data: mobile plans of one category that suit different users, and a customer's usage
in the last complete billing periods (before today, as the 360° looks at them)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from catalog.models import Category, ProductOffering
from tests.factories.catalog import CategoryFactory, OfferingFactory, PriceFactory, SpecificationFactory
from tests.factories.customers import HeldProductFactory
from tests.factories.usage import MetricFactory, at, ingest, record, usage_price
from usage.periods import previous_period_start

D = Decimal


@dataclass
class Plans:
    """Mobile S (10.00, 1000 MB, then graduated tiers), M (15.00, 5000 MB), L (25.00, 20000 MB)."""

    category: Category
    small: ProductOffering
    medium: ProductOffering
    large: ProductOffering


def usage_plan(name: str, monthly: str, included: int, tiers, *, category, channels, metric) -> ProductOffering:
    """An offering of ``category`` at ``monthly`` a month, with ``included`` units of ``metric`` then ``tiers``."""
    offering = OfferingFactory(name=name, channels=channels, categories=[category])
    PriceFactory(offering=offering, name=f"{name} monthly", amount=D(monthly))
    usage_price(offering, metric, included=included, tiers=tiers)
    return offering


def mobile_plans(channels) -> Plans:
    data = MetricFactory(code="data", unit="MB")
    category = CategoryFactory(name="Mobile plans")

    def plan(name, monthly, included, tiers):
        return usage_plan(name, monthly, included, tiers, category=category, channels=channels, metric=data)

    return Plans(
        category=category,
        small=plan("Mobile S", "10.00", 1000, [(0, 5000, "0.01"), (5000, None, "0.008")]),
        medium=plan("Mobile M", "15.00", 5000, [(0, None, "0.01")]),
        large=plan("Mobile L", "25.00", 20000, [(0, None, "0.005")]),
    )


@dataclass
class HomePlans:
    """Home phone and internet, calls at 0.10 a minute above what is included, each asking the fixed stack:
    VDSL 100 (30.00, 100 minutes), VDSL 100 Talk (35.00, 1000 minutes), Fibre 100 Talk (20.00, 5000 minutes)."""

    category: Category
    vdsl: ProductOffering
    vdsl_talk: ProductOffering
    fibre_talk: ProductOffering


def home_plans(channels) -> HomePlans:
    voice = MetricFactory(code="voice", unit="min")
    category = CategoryFactory(name="Home phone and internet")
    fibre = SpecificationFactory(name="Fibre", serviceability_system="fixed", serviceability_technologies="FTTH")
    copper = SpecificationFactory(name="VDSL", serviceability_system="fixed", serviceability_technologies="VDSL")

    def plan(name, spec, monthly, included):
        made = usage_plan(
            name, monthly, included, [(0, None, "0.10")], category=category, channels=channels, metric=voice
        )
        made.specification, made.download_mbps = spec, 100
        made.save()
        return made

    return HomePlans(
        category=category,
        vdsl=plan("VDSL 100", copper, "30.00", 100),
        vdsl_talk=plan("VDSL 100 Talk", copper, "35.00", 1000),
        fibre_talk=plan("Fibre 100 Talk", fibre, "20.00", 5000),
    )


def last_periods(count: int, today: date | None = None) -> list[date]:
    """The starts of the last ``count`` complete monthly periods (bill-cycle day 1), oldest first."""
    today = today or timezone.now().date()
    start = date(today.year, today.month, 1)
    starts = []
    for _ in range(count):
        start = previous_period_start(start)
        starts.append(start)
    return starts[::-1]


_numbers = iter(range(1, 10**9))


def used(product, quantities, *, metric="data", system="mobile", today: date | None = None):
    """The product used these quantities in the last len(quantities) complete periods (oldest first)."""
    records = [
        record(f"{product.pk}-{next(_numbers)}", product, metric=metric, quantity=quantity, start=at(str(start), 10))
        for start, quantity in zip(last_periods(len(quantities), today), quantities, strict=True)
    ]
    ingest(records, system=system)


def holding(customer, offering, **extra):
    return HeldProductFactory(customer=customer, offering=offering, name=offering.name, **extra)
