"""The demo catalog's consumption terms: the usage metrics, each plan's usage prices, the partners' share of
what their services earn, and one outcome-based offering (fleet tracking, paid per vehicle-day tracked).

Usage records name a metric by its code; each offering's usage price for that metric rates them
(``usage.rating``). The included units say what each offering's description promises: Mobile M's 50 GB
are 51,200 MB included, then the out-of-bundle rate; "unlimited calls and texts" are usage prices at a
zero rate, so that usage is still shown against the plan. Data is counted in MB (1 GB = 1,024 MB), and
priced per MB: a rate per GB would need more decimals than a rate keeps.
"""

from decimal import Decimal as D

from catalog import services
from catalog.models import Channel, MarketSegment, ProductOffering, ProductOfferingPrice, UsageMetric
from catalog.services import TierInput

GB = 1024  # MB
VAT = D("20")
# code, name, unit, kind, aggregation
METRICS = [
    ("data", "Data", "MB", "resource", "sum"),
    ("voice", "Voice calls", "minute", "resource", "sum"),
    ("sms", "Text messages", "SMS", "resource", "sum"),
    ("roaming_data", "Roaming data", "MB", "resource", "sum"),
    ("streaming_hours", "Streaming", "hour", "resource", "sum"),
    ("api_calls", "API calls", "call", "resource", "sum"),
    ("iot_messages", "IoT messages", "message", "resource", "sum"),
    ("vehicle_day", "Vehicle-days tracked", "vehicle-day", "outcome", "sum"),
    ("tracker_uptime", "Tracker uptime", "percent", "level", "average"),
]
# Beyond a plan's data: the first GB at 0.01 per MB (10.24 per GB), then 0.005 (5.12 per GB).
OUT_OF_BUNDLE_DATA = ((0, GB, "0.0100"), (GB, None, "0.0050"))
# Outside the EU, every MB at the rate of the volume reached.
ROAMING = ((0, GB, "0.0100"), (GB, 5 * GB, "0.0070"), (5 * GB, None, "0.0050"))
# Included data by plan (None: unlimited); whether calls and texts are unlimited (else per unit).
MOBILE_PLANS = {
    "mobile-s": (10 * GB, True),  # "10 GB data, unlimited calls and texts."
    "mobile-m": (50 * GB, True),  # "50 GB data, unlimited calls and texts."
    "mobile-l": (None, True),  # "Unlimited data, calls and texts."
    "sim-only": (20 * GB, False),  # "SIM-only 20 GB": calls and texts per unit
}
BROADBAND_FAIR_USE = 1024 * GB  # 1 TB a month included on every broadband line
# Partner services by SKU: their share of what they earn (percent), and streaming included (hours, rate
# per hour beyond; None: unlimited). Only those the partner catalog holds are given terms.
PARTNER_TERMS = {
    "STREAMMAX-PREMIUM": (D("70"), (100, "0.10")),
    "STREAMMAX-BASIC": (D("70"), (30, "0.20")),
    "MUSICBOX": (D("65"), None),
    "CLOUDSAFE-100": (D("60"), ()),  # no usage
    "GAMEPASS-LITE": (D("70"), ()),
}
FLEET_TARIFF = ("crm", "IOT-FLEET")
FLEET_DAY_RATE = D("1.50")
FLEET_UPTIME_THRESHOLD, FLEET_CREDIT = D("99"), D("10")


def usage_metrics_ensure() -> dict[str, UsageMetric]:
    """The metrics the simulated systems report, by code (kept as a catalog manager left them)."""
    return {
        code: UsageMetric.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "kind": kind, "aggregation": aggregation}
        )[0]
        for code, name, unit, kind, aggregation in METRICS
    }


def usage_price(offering: ProductOffering, name: str, metric: str, *, included=0, amount=None, tiers=(), **extra):
    """A usage price of ``offering`` on ``metric``; ``tiers``: (lower, upper or None, rate per unit)."""
    price = services.price_create(
        {
            "name": name,
            "price_type": ProductOfferingPrice.PriceType.USAGE,
            "metric_id": metric,
            "included_units": D(included),
            "amount": None if amount is None else D(amount),
            "tiers": [
                TierInput(D(lower), None if upper is None else D(upper), D(rate)) for lower, upper, rate in tiers
            ],
            "tax_rate": VAT,
            "lifecycle_status": "Active",
            **extra,
        }
    )
    ProductOfferingPrice.objects.filter(pk=price.pk).update(offering=offering)
    return price


def mobile_usage_prices(offerings: dict[str, ProductOffering]) -> None:
    for key, (included, unlimited_calls) in MOBILE_PLANS.items():
        plan = offerings[key]
        if included is None:
            usage_price(plan, f"{plan.name}: data", "data", amount="0")
        else:
            usage_price(plan, f"{plan.name}: data", "data", included=included, tiers=OUT_OF_BUNDLE_DATA)
        usage_price(plan, f"{plan.name}: calls", "voice", amount="0" if unlimited_calls else "0.05")
        usage_price(plan, f"{plan.name}: texts", "sms", amount="0" if unlimited_calls else "0.05")
        usage_price(plan, f"{plan.name}: roaming data", "roaming_data", tiers=ROAMING, tiering="volume")


def broadband_usage_prices(lines: list[ProductOffering]) -> None:
    """Home broadband (fibre, and VDSL where fibre does not reach): a terabyte a month included, then per MB;
    calls on the line per minute."""
    for line in lines:
        usage_price(line, f"{line.name}: data", "data", included=BROADBAND_FAIR_USE, amount="0.0005")
        usage_price(line, f"{line.name}: calls", "voice", amount="0.05")


def add_on_usage_prices(offerings: dict[str, ProductOffering]) -> None:
    """The pay-per-use add-ons, cheaper the more you use: graduated for extra data (2.048, 1.024, then 0.512
    per GB), by volume reached for roaming data (the first GB included)."""
    boost, travel = offerings["data-boost"], offerings["travel-data"]
    usage_price(
        boost,
        "Data Boost per MB",
        "data",
        tiers=((0, 10 * GB, "0.0020"), (10 * GB, 50 * GB, "0.0010"), (50 * GB, None, "0.0005")),
    )
    usage_price(
        travel,
        "Travel Data per MB",
        "roaming_data",
        included=GB,
        tiers=((0, 5 * GB, "0.0030"), (5 * GB, 20 * GB, "0.0020"), (20 * GB, None, "0.0015")),
        tiering="volume",
    )


def partner_terms(partner: Channel) -> None:
    """The partner's services: their share of what they earn, read by the partner's channel; usage prices
    for those that stream."""
    for offering in ProductOffering.objects.filter(source_system="partner", external_id__in=PARTNER_TERMS):
        share, streaming = PARTNER_TERMS[offering.external_id]
        ProductOffering.objects.filter(pk=offering.pk).update(revenue_share=share, partner_channel=partner)
        if streaming is None:
            usage_price(offering, f"{offering.name}: streaming", "streaming_hours", amount="0")
        elif streaming:
            hours, rate = streaming
            usage_price(offering, f"{offering.name}: streaming", "streaming_hours", included=hours, amount=rate)


def fleet_offering(*, channels, segment: MarketSegment, category: str, source: str) -> ProductOffering:
    """Fleet tracking for businesses, paid per vehicle-day with a working tracker; a month under 99% tracker
    uptime is credited 10%. On the billing system's tariff when it has one, else Overlay's own offering
    (from ``source``, as the demo's others)."""
    fleet = ProductOffering.objects.filter(source_system=FLEET_TARIFF[0], external_id=FLEET_TARIFF[1]).first()
    data = {
        "lifecycle_status": "Launched",
        "description": "A tracker in every vehicle of your fleet: 1.50 per vehicle-day tracked, and 10% back "
        "for any month the trackers are up less than 99% of the time.",
        "channel_ids": [c.pk for c in channels],
        "category_ids": [category],
        "segment_ids": [segment.pk],
    }
    if fleet is None:
        spec = services.specification_create(
            {"name": "IoT fleet tracking", "kind": "digital", "brand": "Overlay Telecom", "lifecycle_status": "Active"}
        )
        fleet = services.offering_create({"name": "Fleet tracking (IoT)", "specification_id": spec.pk, **data})
        ProductOffering.objects.filter(pk=fleet.pk).update(source_system=source, external_id="iot-fleet")
    else:
        fleet = services.offering_update(fleet, data)
    usage_price(
        fleet,
        "Fleet tracking per vehicle-day",
        "vehicle_day",
        amount=FLEET_DAY_RATE,
        sla_metric_id="tracker_uptime",
        sla_threshold=FLEET_UPTIME_THRESHOLD,
        sla_credit_percentage=FLEET_CREDIT,
    )
    return fleet
