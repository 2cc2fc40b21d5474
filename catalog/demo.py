"""The demo's commercial catalog: what a catalog manager builds in Overlay on the imported products.

The products themselves (specifications, offerings, their monthly and one-time
charges) come from the simulated billing system's tariff table and the partner
catalog, through the real adapters (``crm/products``, ``partner/offerings``).
On top of them this adds what is Overlay's own: characteristics and the prices
that depend on them, usage tiers, categories, channels, segments, the bundle,
campaigns, recommendations, rules and fulfilment plans, and launches it all,
through the catalog services. What the products consume (the usage metrics, usage prices, the
partners' share, the fleet-tracking offering paid per outcome) is in ``catalog.demo_usage``.
"""

from datetime import timedelta
from decimal import Decimal as D

from django.db import transaction
from django.utils import timezone

from catalog import demo_aftersales, demo_usage, services
from catalog.models import (
    Campaign,
    Channel,
    FulfilmentStep,
    MarketSegment,
    OfferingRule,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
    Recommendation,
)
from catalog.services import CharacteristicInput, MemberInput

DEMO_SOURCE = "demo"
VAT = D("20")


def _price(name, price_type, amount=None, **extra) -> str:
    data = {"name": name, "price_type": price_type, "amount": amount, "tax_rate": VAT, "lifecycle_status": "Active"}
    data.update(extra)
    return services.price_create(data).pk


def _offering(
    key, name, *, spec=None, prices=(), channels=None, categories=(), segments=(), **extra
) -> ProductOffering:
    data = {
        "name": name,
        "lifecycle_status": "Launched",
        "specification_id": spec,
        "price_ids": list(prices),
        "channel_ids": [c.pk for c in channels],
        "category_ids": list(categories),
        "segment_ids": [s.pk for s in segments],
    }
    data.update(extra)
    offering = services.offering_create(data)
    ProductOffering.objects.filter(pk=offering.pk).update(source_system=DEMO_SOURCE, external_id=key)
    return offering


@transaction.atomic
def _fulfilment_plans(*, phone, mobile, broadband, tv, usage, streaming, fleet) -> None:
    """What happens where when each is ordered: the reference hybrid order runs across all five systems."""
    plans = {
        # key, system, task, after, undo, creates the product, on failure
        mobile: [
            ("activate_sim", "mobile", "activate_sim", "ship_device", "deactivate_sim", True, "fail_order"),
            ("bill", "crm", "add_billing", "activate_sim", "remove_billing", False, "fail_order"),
        ],
        **{
            spec: [
                ("provision_line", "fixed", "provision_line", "", "cease_line", True, "fail_order"),
                ("bill", "crm", "add_billing", "provision_line", "remove_billing", False, "fail_order"),
            ]
            for spec in broadband
        },
        tv: [("bill", "crm", "add_billing", "", "remove_billing", False, "fail_order")],
        # The fleet's trackers are SIMs on the mobile stack.
        fleet: [
            ("activate_sim", "mobile", "activate_sim", "", "deactivate_sim", True, "fail_order"),
            ("bill", "crm", "add_billing", "activate_sim", "remove_billing", False, "fail_order"),
        ],
        usage: [("add_bundle", "mobile", "add_data_bundle", "", "remove_data_bundle", False, "fail_order")],
        streaming: [
            ("activate_service", "partner", "activate_subscription", "", "deactivate_subscription", True, "drop_item"),
            ("bill", "crm", "add_billing", "activate_service", "remove_billing", False, "drop_item"),
        ],
        **{
            spec: [("ship_device", "logistics", "ship_device", "", "return_device", True, "fail_order")]
            for spec in phone
        },
    }
    FulfilmentStep.objects.bulk_create(
        FulfilmentStep(
            specification_id=spec,
            position=position,
            key=key,
            system=system,
            task=task,
            after=after,
            undo_task=undo,
            creates_product=creates,
            on_failure=on_failure,
        )
        for spec, steps in plans.items()
        for position, (key, system, task, after, undo, creates, on_failure) in enumerate(steps)
    )


# Overlay's names for the imported offerings: (source system, id there).
IMPORTED = {
    "mobile-s": ("crm", "MOB-S"),
    "mobile-m": ("crm", "MOB-M"),
    "mobile-l": ("crm", "MOB-L"),
    "sim-only": ("crm", "SIM-ONLY"),
    "fibre-100": ("crm", "FIBRE-100"),
    "fibre-500": ("crm", "FIBRE-500"),
    "fibre-1000": ("crm", "FIBRE-1000"),
    "tv-basic": ("crm", "TV-BASIC"),
    "tv-sports": ("crm", "TV-SPORTS"),
    "aurora-x": ("crm", "AURORA-X-128"),
    "aurora-lite": ("crm", "AURORA-LITE"),
    "data-boost": ("crm", "DATA-BOOST"),
    "travel-data": ("crm", "TRAVEL-DATA"),
    "streammax": ("partner", "STREAMMAX-PREMIUM"),
}


class CatalogNotImported(Exception):
    """The back-office catalog has not been synced: the demo has nothing to build on."""


def demo_catalog_present() -> bool:
    return ProductOffering.objects.filter(source_system=DEMO_SOURCE, external_id="home-mobile").exists()


def _imported() -> dict[str, ProductOffering]:
    found = {}
    for key, (system, external_id) in IMPORTED.items():
        offering = ProductOffering.objects.filter(source_system=system, external_id=external_id).first()
        if offering is None:
            raise CatalogNotImported(
                f"{system}/{external_id} is not in the catalog: sync the back-office catalogs first "
                "(`manage.py sync crm --stream products`, `manage.py sync partner`)."
            )
        found[key] = offering
    return found


def _sell(offering, *, channels, categories=(), segments=(), prices=(), **extra) -> ProductOffering:
    """Place an imported offering in channels, categories and segments, add Overlay's prices, launch it."""
    if prices:
        ProductOfferingPrice.objects.filter(pk__in=prices).update(offering=offering)
    data = {
        "lifecycle_status": "Launched",
        "channel_ids": [c.pk for c in channels],
        "category_ids": list(categories),
        "segment_ids": [s.pk for s in segments],
    }
    data.update(extra)
    return services.offering_update(offering, data)


@transaction.atomic
def load_demo_catalog() -> bool:
    """Build the commercial catalog on the imported products unless it is there; True if it was built."""
    if demo_catalog_present():
        return False
    offerings = _imported()
    channels, segments = _channels(), _segments()
    categories = _categories()
    specs = _specifications(offerings)
    demo_usage.usage_metrics_ensure()
    fleet = demo_usage.fleet_offering(
        channels=[channels["web"], channels["callcentre"], channels["store"]],
        segment=segments["business"],
        category=categories["iot"],
        source=DEMO_SOURCE,
    )
    _fulfilment_plans(
        phone=[specs["phone"], specs["lite"]],
        mobile=specs["mobile"],
        broadband=[specs["broadband"], specs["vdsl"]],
        tv=specs["tv"],
        usage=specs["usage"],
        streaming=specs["streaming"],
        fleet=fleet.specification_id,
    )
    # The cheap phone is exchanged, not repaired.
    demo_aftersales.aftersales_plans(devices=[specs["phone"], specs["lite"]], repairable=[specs["phone"]])
    _sell_offerings(offerings, channels, segments, categories)
    vdsl = _sell_vdsl(channels, categories["broadband"], specs["vdsl"])
    demo_usage.mobile_usage_prices(offerings)
    demo_usage.broadband_usage_prices([offerings[f"fibre-{speed}"] for speed in (100, 500, 1000)] + [vdsl])
    demo_usage.partner_terms(channels["partner"])
    _campaigns(offerings, channels, segments)
    _recommendations_and_rules(offerings)
    services.catalog_changed()
    return True


def _channels() -> dict[str, Channel]:
    return {
        code: Channel.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in [
            ("web", "Web storefront"),
            ("mobile", "Mobile app"),
            ("store", "Retail store"),
            ("callcentre", "Call centre"),
            ("partner", "Partner"),
        ]
    }


def _segments() -> dict[str, MarketSegment]:
    return {
        code: MarketSegment.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in [("consumer", "Consumer"), ("business", "Business"), ("youth", "Youth (under 26)")]
    }


def _categories() -> dict[str, str]:
    """Category ids by a short key."""

    def category(name, parent=None):
        return services.category_create({"name": name, "parent_id": parent, "lifecycle_status": "Active"}).pk

    mobile = category("Mobile")
    return {
        "mobile": mobile,
        "plans": category("Mobile plans", mobile),
        "sim_only": category("SIM-only", mobile),
        "broadband": category("Broadband"),
        "tv": category("TV"),
        "devices": category("Devices"),
        "addons": category("Add-ons"),
        "streaming": category("Streaming"),
        "bundles": category("Bundles"),
        "iot": category("IoT"),
    }


def _specifications(offerings: dict[str, ProductOffering]) -> dict[str, str]:
    """The imported specifications with Overlay's characteristics, and the partner's; ids by a short key."""

    def spec(key, characteristics=(), **extra):
        imported = offerings[key].specification
        services.specification_update(imported, {"characteristics": list(characteristics), **extra})
        return imported.pk

    sim_choice = CharacteristicInput("SIM type", values=({"value": "physical", "is_default": True}, {"value": "eSIM"}))
    broadband = spec(
        "fibre-500",
        [
            CharacteristicInput("Router", values=({"value": "standard", "is_default": True}, {"value": "wifi6"})),
            CharacteristicInput("Installation address", min_cardinality=1, regex=r".{5,200}"),
        ],
        brand="Overlay Telecom",
    )
    # Qualification and checkout ask the fixed stack whether fibre (FTTH) reaches the address, and how fast.
    ProductSpecification.objects.filter(pk=broadband).update(
        serviceability_system="fixed", serviceability_technologies="FTTH"
    )
    phone = spec(
        "aurora-x",
        [
            CharacteristicInput("Storage", values=({"value": "128GB", "is_default": True}, {"value": "256GB"})),
            CharacteristicInput("Colour", values=({"value": "black", "is_default": True}, {"value": "silver"})),
        ],
        brand="Aurora",
    )
    return {
        "mobile": spec("mobile-m", [sim_choice], brand="Overlay Telecom"),
        "broadband": broadband,
        "tv": spec("tv-basic", brand="Overlay Telecom"),
        "phone": phone,
        "lite": spec("aurora-lite", brand="Aurora"),
        "usage": spec("data-boost", brand="Overlay Telecom"),
        # The partner catalog knows no specifications: its import made one per service, which Overlay describes.
        "streaming": spec("streammax", brand="StreamMax"),
        "vdsl": _vdsl_specification(),
    }


def _vdsl_specification() -> str:
    """Broadband over the copper line, where fibre does not reach: Overlay's own, delivered by the fixed stack."""
    spec = services.specification_create(
        {"name": "VDSL broadband", "kind": "digital", "brand": "Overlay Telecom", "lifecycle_status": "Active"}
    )
    ProductSpecification.objects.filter(pk=spec.pk).update(
        serviceability_system="fixed", serviceability_technologies="VDSL"
    )
    return spec.pk


def _sell_offerings(offerings, channels, segments, categories) -> None:
    """Channels, categories, segments and extra prices of the imported offerings; the Home & Mobile bundle."""
    everywhere = list(channels.values())
    online = [channels["web"], channels["mobile"]]
    for key in ("mobile-s", "mobile-m", "mobile-l"):
        _sell(
            offerings[key],
            channels=everywhere,
            categories=[categories["plans"]],
            segments=[segments["consumer"], segments["youth"]],
        )
    _sell(offerings["sim-only"], channels=online, categories=[categories["sim_only"]], segments=[segments["consumer"]])
    for speed in (100, 500, 1000):
        _sell(
            offerings[f"fibre-{speed}"],
            channels=everywhere,
            categories=[categories["broadband"]],
            prices=[
                _price(f"Fibre {speed} Wi-Fi 6 router", "oneTime", D("59.00"), char_name="Router", char_value="wifi6")
            ],
        )
        # The speed it sells: where the fibre reaches less, qualification says so.
        ProductOffering.objects.filter(pk=offerings[f"fibre-{speed}"].pk).update(download_mbps=speed)
    _sell(offerings["tv-basic"], channels=everywhere, categories=[categories["tv"]])
    _sell(offerings["tv-sports"], channels=everywhere, categories=[categories["tv"]])
    _sell(
        offerings["aurora-x"],
        channels=[channels["web"], channels["mobile"], channels["store"], channels["callcentre"]],
        categories=[categories["devices"]],
        prices=[
            _price("Aurora X 256GB storage", "oneTime", D("100.00"), char_name="Storage", char_value="256GB"),
        ],
    )
    _sell(offerings["aurora-lite"], channels=everywhere, categories=[categories["devices"]])
    _sell_usage_offerings(offerings, everywhere, categories["addons"])
    _sell(
        offerings["streammax"],
        channels=everywhere,
        categories=[categories["streaming"]],
        description="Films and series from our partner StreamMax.",
    )
    offerings["home-mobile"] = _offering(
        "home-mobile",
        "Home & Mobile bundle",
        description="Fibre 500, TV Basic and up to four Mobile M lines: 15% off every month.",
        is_bundle=True,
        prices=[_price("Home & Mobile 15% off", "discount", percentage=D("15"), applies_to="recurring")],
        members=[
            MemberInput(offerings["fibre-500"].pk, 1, 1, 1),
            MemberInput(offerings["mobile-m"].pk, 1, 4, 1),
            MemberInput(offerings["tv-basic"].pk, 0, 1, 1),
            MemberInput(offerings["streammax"].pk, 0, 1, 0),
        ],
        channels=everywhere,
        categories=[categories["bundles"]],
    )


def _sell_vdsl(channels, broadband: str, spec: str) -> ProductOffering:
    """What copper-only addresses can have instead of fibre (TMF679 proposes it as the alternative)."""
    vdsl = _offering(
        "vdsl-100",
        "VDSL 100 Mbps",
        spec=spec,
        description="Home broadband over the phone line at up to 100 Mbps down, where fibre does not reach.",
        prices=[_price("VDSL 100 monthly", "recurring", D("24.99")), _price("Activation", "oneTime", D("49.00"))],
        channels=list(channels.values()),
        categories=[broadband],
    )
    ProductOffering.objects.filter(pk=vdsl.pk).update(download_mbps=100)
    return vdsl


def _sell_usage_offerings(offerings, channels, addons: str) -> None:
    """The pay-per-use add-ons: graduated and volume tiers."""
    for key in ("data-boost", "travel-data"):
        _sell(offerings[key], channels=channels, categories=[addons])
    demo_usage.add_on_usage_prices(offerings)


def _campaigns(offerings, channels, segments) -> None:
    now = timezone.now()
    web_campaign = Campaign.objects.create(
        name="Web exclusive: free fibre activation",
        kind=Campaign.Kind.PERCENTAGE,
        value=D("100"),
        applies_to="oneTime",
        valid_from=now - timedelta(days=1),
        valid_to=now + timedelta(days=60),
    )
    web_campaign.channels.set([channels["web"]])
    fibres = [offerings[k] for k in ("fibre-100", "fibre-500", "fibre-1000")]
    web_campaign.offerings.set(fibres)
    # The activation only: a router bought with the line is paid for.
    web_campaign.prices.set(
        ProductOfferingPrice.objects.filter(offering__in=fibres, price_type="oneTime", char_name="")
    )
    youth = Campaign.objects.create(
        name="Youth: 20% off mobile plans",
        kind=Campaign.Kind.PERCENTAGE,
        value=D("20"),
        applies_to="recurring",
        valid_from=now - timedelta(days=1),
    )
    youth.segments.set([segments["youth"]])
    youth.offerings.set([offerings[k] for k in ("mobile-s", "mobile-m", "mobile-l")])
    seasonal = Campaign.objects.create(
        name="Season deal: 5 off Mobile L",
        kind=Campaign.Kind.AMOUNT,
        value=D("5.00"),
        applies_to="recurring",
        valid_from=now - timedelta(days=1),
        valid_to=now + timedelta(days=30),
    )
    seasonal.offerings.set([offerings["mobile-l"]])


def _recommendations_and_rules(offerings) -> None:
    for source, target, kind, reason in [
        ("mobile-s", "mobile-m", "upsell", "5x the data for 10 more a month"),
        ("mobile-m", "mobile-l", "upsell", "Never run out of data"),
        ("fibre-100", "fibre-500", "upsell", "5x faster for 10 more a month"),
        ("mobile-m", "data-boost", "cross_sell", "Top up data when you need it"),
        ("fibre-500", "tv-basic", "cross_sell", "Add TV to your fibre"),
        ("aurora-x", "mobile-l", "cross_sell", "Unlimited data for your new phone"),
        ("fibre-500", "home-mobile", "upsell", "Save 15% by bundling home and mobile"),
    ]:
        Recommendation.objects.create(source=offerings[source], target=offerings[target], kind=kind, reason=reason)
    # Who may buy what: the rule engine's data (edited by catalog managers in the admin).
    for offering, kind, value, other in [
        ("data-boost", OfferingRule.Kind.REQUIRES_HELD, "", "mobile-m"),
        ("tv-sports", OfferingRule.Kind.REQUIRES, "", "tv-basic"),
        ("tv-sports", OfferingRule.Kind.MIN_AGE, "18", None),
        ("sim-only", OfferingRule.Kind.MAX_PER_CUSTOMER, "5", None),
    ]:
        OfferingRule.objects.create(
            offering=offerings[offering], kind=kind, value=value, other=offerings[other] if other else None
        )
