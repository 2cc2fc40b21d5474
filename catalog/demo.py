"""A realistic demo catalog of a telco, created through the catalog services.

Until the adapters import the catalog from back-office systems, ``load_demo``
uses this; it is also the data the benchmarks and manual tests start from.
"""

from datetime import timedelta
from decimal import Decimal as D

from django.db import transaction
from django.utils import timezone

from catalog import services
from catalog.models import (
    Campaign,
    Channel,
    FulfilmentStep,
    MarketSegment,
    OfferingRule,
    ProductOffering,
    ProductSpecification,
    Recommendation,
)
from catalog.services import CharacteristicInput, MemberInput, TierInput

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
def _fulfilment_plans(*, phone, mobile, broadband, tv, usage, streaming) -> None:
    """What happens where when each is ordered: the reference hybrid order runs across all five systems."""
    plans = {
        # key, system, task, after, undo, creates the product, on failure
        mobile: [
            ("activate_sim", "mobile", "activate_sim", "ship_device", "deactivate_sim", True, "fail_order"),
            ("bill", "crm", "add_billing", "activate_sim", "remove_billing", False, "fail_order"),
        ],
        broadband: [
            ("provision_line", "fixed", "provision_line", "", "cease_line", True, "fail_order"),
            ("bill", "crm", "add_billing", "provision_line", "remove_billing", False, "fail_order"),
        ],
        tv: [("bill", "crm", "add_billing", "", "remove_billing", False, "fail_order")],
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


def load_demo_catalog() -> bool:
    """Create the demo catalog unless it is there already; True if it was created."""
    if ProductOffering.objects.filter(source_system=DEMO_SOURCE).exists():
        return False
    channels = {
        code: Channel.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in [
            ("web", "Web storefront"),
            ("mobile", "Mobile app"),
            ("store", "Retail store"),
            ("callcentre", "Call centre"),
            ("partner", "Partner"),
        ]
    }
    everywhere = list(channels.values())
    online = [channels["web"], channels["mobile"]]
    segments = {
        code: MarketSegment.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in [("consumer", "Consumer"), ("business", "Business"), ("youth", "Youth (under 26)")]
    }

    def category(name, parent=None):
        return services.category_create({"name": name, "parent_id": parent, "lifecycle_status": "Active"}).pk

    mobile_cat = category("Mobile")
    plans_cat = category("Mobile plans", mobile_cat)
    sim_only_cat = category("SIM-only", mobile_cat)
    broadband_cat = category("Broadband")
    tv_cat = category("TV")
    devices_cat = category("Devices")
    addons_cat = category("Add-ons")
    streaming_cat = category("Streaming")
    bundles_cat = category("Bundles")

    def spec(name, kind, characteristics=(), brand="Overlay Telecom"):
        return services.specification_create(
            {
                "name": name,
                "kind": kind,
                "brand": brand,
                "lifecycle_status": "Active",
                "characteristics": list(characteristics),
            }
        ).pk

    sim_choice = CharacteristicInput("SIM type", values=({"value": "physical", "is_default": True}, {"value": "eSIM"}))
    mobile_spec = spec("Mobile subscription", "digital", [sim_choice])
    broadband_spec = spec(
        "Fibre broadband",
        "digital",
        [
            CharacteristicInput("Router", values=({"value": "standard", "is_default": True}, {"value": "wifi6"})),
            CharacteristicInput("Installation address", min_cardinality=1, regex=r".{5,200}"),
        ],
    )
    # Qualification and checkout ask the fixed stack whether fibre reaches the address.
    ProductSpecification.objects.filter(pk=broadband_spec).update(serviceability_system="fixed")
    tv_spec = spec("TV pack", "digital")
    phone_spec = spec(
        "Aurora X smartphone",
        "physical",
        [
            CharacteristicInput("Storage", values=({"value": "128GB", "is_default": True}, {"value": "256GB"})),
            CharacteristicInput("Colour", values=({"value": "black", "is_default": True}, {"value": "silver"})),
        ],
        brand="Aurora",
    )
    lite_spec = spec("Aurora Lite smartphone", "physical", brand="Aurora")
    usage_spec = spec("Mobile data add-on", "digital")
    streaming_spec = spec("StreamMax subscription", "digital", brand="StreamMax")

    _fulfilment_plans(
        phone=[phone_spec, lite_spec],
        mobile=mobile_spec,
        broadband=broadband_spec,
        tv=tv_spec,
        usage=usage_spec,
        streaming=streaming_spec,
    )

    offerings = {}
    for key, name, monthly, gigabytes in [
        ("mobile-s", "Mobile S 10 GB", "15.00", 10),
        ("mobile-m", "Mobile M 50 GB", "25.00", 50),
        ("mobile-l", "Mobile L Unlimited", "35.00", None),
    ]:
        offerings[key] = _offering(
            key,
            name,
            description=f"{gigabytes or 'Unlimited'} GB data, unlimited calls and texts.",
            spec=mobile_spec,
            prices=[
                _price(f"{name} monthly fee", "recurring", D(monthly), recurring_period="month"),
                _price(f"{name} SIM activation", "oneTime", D("10.00")),
            ],
            channels=everywhere,
            categories=[plans_cat],
            segments=[segments["consumer"], segments["youth"]],
        )
    offerings["sim-only"] = _offering(
        "sim-only",
        "SIM-only 20 GB (online exclusive)",
        spec=mobile_spec,
        prices=[_price("SIM-only monthly fee", "recurring", D("10.00"), recurring_period="month")],
        channels=online,
        categories=[sim_only_cat],
        segments=[segments["consumer"]],
    )
    for speed, monthly in [(100, "29.99"), (500, "39.99"), (1000, "49.99")]:
        key = f"fibre-{speed}"
        offerings[key] = _offering(
            key,
            f"Fibre {speed} Mbps",
            description=f"Home fibre broadband at {speed} Mbps down.",
            spec=broadband_spec,
            prices=[
                _price(f"Fibre {speed} monthly fee", "recurring", D(monthly), recurring_period="month"),
                _price(f"Fibre {speed} activation", "oneTime", D("49.00")),
                _price(f"Fibre {speed} Wi-Fi 6 router", "oneTime", D("59.00"), char_name="Router", char_value="wifi6"),
            ],
            channels=everywhere,
            categories=[broadband_cat],
        )
    offerings["tv-basic"] = _offering(
        "tv-basic",
        "TV Basic (80 channels)",
        spec=tv_spec,
        prices=[_price("TV Basic monthly fee", "recurring", D("10.00"), recurring_period="month")],
        channels=everywhere,
        categories=[tv_cat],
    )
    offerings["tv-sports"] = _offering(
        "tv-sports",
        "TV Sports pack",
        spec=tv_spec,
        prices=[_price("TV Sports monthly fee", "recurring", D("20.00"), recurring_period="month")],
        channels=everywhere,
        categories=[tv_cat],
    )
    offerings["aurora-x"] = _offering(
        "aurora-x",
        "Aurora X",
        spec=phone_spec,
        prices=[
            _price("Aurora X 128GB", "oneTime", D("699.00"), char_name="Storage", char_value="128GB"),
            _price("Aurora X 256GB", "oneTime", D("799.00"), char_name="Storage", char_value="256GB"),
        ],
        channels=[channels["web"], channels["mobile"], channels["store"], channels["callcentre"]],
        categories=[devices_cat],
    )
    offerings["aurora-lite"] = _offering(
        "aurora-lite",
        "Aurora Lite",
        spec=lite_spec,
        prices=[_price("Aurora Lite", "oneTime", D("299.00"))],
        channels=everywhere,
        categories=[devices_cat],
    )
    offerings["data-boost"] = _offering(
        "data-boost",
        "Data Boost (pay per GB)",
        description="Extra data beyond your plan, cheaper the more you use.",
        spec=usage_spec,
        prices=[
            _price(
                "Data Boost per GB",
                "usage",
                unit_of_measure="GB",
                tiering="graduated",
                tiers=[
                    TierInput(D(0), D(10), D("2.00")),
                    TierInput(D(10), D(50), D("1.00")),
                    TierInput(D(50), None, D("0.50")),
                ],
            )
        ],
        channels=everywhere,
        categories=[addons_cat],
    )
    offerings["travel-data"] = _offering(
        "travel-data",
        "Travel Data (roaming)",
        description="Roaming data outside the EU; the more you use, the lower the rate on every GB.",
        spec=usage_spec,
        prices=[
            _price(
                "Travel Data per GB",
                "usage",
                unit_of_measure="GB",
                tiering="volume",
                included_units=D(1),
                tiers=[
                    TierInput(D(0), D(5), D("3.00")),
                    TierInput(D(5), D(20), D("2.00")),
                    TierInput(D(20), None, D("1.50")),
                ],
            )
        ],
        channels=everywhere,
        categories=[addons_cat],
    )
    offerings["streammax"] = _offering(
        "streammax",
        "StreamMax Premium (partner)",
        description="Films and series from our partner StreamMax.",
        spec=streaming_spec,
        prices=[_price("StreamMax monthly fee", "recurring", D("9.99"), recurring_period="month")],
        channels=everywhere,
        categories=[streaming_cat],
    )
    ProductOffering.objects.filter(pk=offerings["streammax"].pk).update(source_system="streammax-partner")
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
        categories=[bundles_cat],
    )

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
    web_campaign.offerings.set([offerings[k] for k in ("fibre-100", "fibre-500", "fibre-1000")])
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
    services.catalog_changed()
    return True
