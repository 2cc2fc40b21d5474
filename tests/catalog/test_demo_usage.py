"""The demo catalog's usage prices rate what their offerings' descriptions promise."""

from decimal import Decimal

import pytest

from adapters.demo import import_catalogs
from catalog import services
from catalog.demo import load_demo_catalog
from catalog.models import ProductOffering, UsageMetric
from catalog.pricing import rate_usage
from catalog.records import OfferingRecord, SpecificationRecord
from catalog.selectors import prices_data, usage_price_refs

D = Decimal
GB = 1024
MOBILE = ("MOB-S", "MOB-M", "MOB-L", "SIM-ONLY")
FIBRE = ("FIBRE-100", "FIBRE-500", "FIBRE-1000")


def usage_price(external_id: str, metric: str, source: str = "crm"):
    offering = ProductOffering.objects.get(source_system=source, external_id=external_id)
    refs = usage_price_refs([offering.pk])[offering.pk, metric]
    assert len(refs) == 1, (external_id, metric)
    return prices_data([refs[0].price_id])[refs[0].price_id]


def cost(price, quantity, level=None) -> tuple[Decimal, Decimal]:
    rated = rate_usage([(price, D(quantity))], None if level is None else D(level))
    return rated.amount, rated.credit


@pytest.fixture
def demo(systems):
    import_catalogs()
    assert load_demo_catalog() is True


@pytest.mark.django_db
def test_the_metrics_are_data_with_their_units_and_aggregations(demo):
    metrics = {m.code: (m.unit, m.kind, m.aggregation) for m in UsageMetric.objects.all()}
    assert metrics == {
        "data": ("MB", "resource", "sum"),
        "voice": ("minute", "resource", "sum"),
        "sms": ("SMS", "resource", "sum"),
        "roaming_data": ("MB", "resource", "sum"),
        "streaming_hours": ("hour", "resource", "sum"),
        "api_calls": ("call", "resource", "sum"),
        "iot_messages": ("message", "resource", "sum"),
        "vehicle_day": ("vehicle-day", "outcome", "sum"),
        "tracker_uptime": ("percent", "level", "average"),
    }


@pytest.mark.django_db
def test_mobile_plans_include_the_data_their_descriptions_promise_then_charge_by_tier(demo):
    for plan, included in (("MOB-S", 10 * GB), ("MOB-M", 50 * GB), ("SIM-ONLY", 20 * GB)):
        data = usage_price(plan, "data")
        assert (data.unit_of_measure, data.included_units) == ("MB", included)
        assert cost(data, included) == (D("0.00"), 0)  # all of it included
        # Beyond: the first GB at 0.01 per MB, then 0.005.
        assert cost(data, included + GB) == (D("10.24"), 0)
        assert cost(data, included + 3 * GB) == (D("20.48"), 0)
    unlimited = usage_price("MOB-L", "data")
    assert cost(unlimited, 500 * GB) == (D("0.00"), 0)


@pytest.mark.django_db
def test_unlimited_calls_and_texts_are_shown_at_a_zero_rate_and_sim_only_pays_per_unit(demo):
    for plan in ("MOB-S", "MOB-M", "MOB-L"):
        assert cost(usage_price(plan, "voice"), 5000) == (D("0.00"), 0)
        assert cost(usage_price(plan, "sms"), 900) == (D("0.00"), 0)
    assert cost(usage_price("SIM-ONLY", "voice"), 100) == (D("5.00"), 0)
    assert cost(usage_price("SIM-ONLY", "sms"), 10) == (D("0.50"), 0)


@pytest.mark.django_db
def test_roaming_data_is_charged_at_the_rate_of_the_volume_reached(demo):
    for plan in MOBILE:
        roaming = usage_price(plan, "roaming_data")
        assert roaming.tiering == "volume"
        assert cost(roaming, 500) == (D("5.00"), 0)  # 0.01 per MB under 1 GB
        assert cost(roaming, 2 * GB) == (D("14.34"), 0)  # every MB at 0.007
        assert cost(roaming, 10 * GB) == (D("51.20"), 0)  # every MB at 0.005


@pytest.mark.django_db
def test_broadband_includes_a_terabyte_a_month_and_calls_are_per_minute(demo):
    for fibre, source in [(f, "crm") for f in FIBRE] + [("vdsl-100", "demo")]:
        data = usage_price(fibre, "data", source)
        assert data.included_units == 1024 * GB
        assert cost(data, 1024 * GB) == (D("0.00"), 0)
        assert cost(data, 1025 * GB) == (D("0.51"), 0)  # 1024 MB at 0.0005
        assert cost(usage_price(fibre, "voice", source), 60) == (D("3.00"), 0)


@pytest.mark.django_db
def test_the_add_ons_rate_their_metric_graduated_and_by_volume(demo):
    boost = usage_price("DATA-BOOST", "data")
    assert (boost.tiering, boost.included_units) == ("graduated", 0)
    # 10 GB at 0.002 per MB, 40 GB at 0.001, 10 GB at 0.0005.
    assert cost(boost, 60 * GB) == (D("20.48") + D("40.96") + D("5.12"), 0)
    travel = usage_price("TRAVEL-DATA", "roaming_data")
    assert (travel.tiering, travel.included_units) == ("volume", GB)
    assert cost(travel, GB) == (D("0.00"), 0)
    assert cost(travel, 7 * GB) == (D("12.29"), 0)  # 6 GB beyond the first: every MB at 0.002


@pytest.mark.django_db
def test_partner_services_share_their_earnings_and_streaming_is_included_then_per_hour(demo):
    premium = ProductOffering.objects.get(source_system="partner", external_id="STREAMMAX-PREMIUM")
    assert (premium.revenue_share, premium.partner_channel.code) == (D("70"), "partner")
    partners = ProductOffering.objects.filter(source_system="partner")
    skus = ("STREAMMAX-PREMIUM", "STREAMMAX-BASIC", "MUSICBOX", "CLOUDSAFE-100", "GAMEPASS-LITE")
    assert set(partners.values_list("external_id", "partner_channel__code")) == {(sku, "partner") for sku in skus}
    streaming = usage_price("STREAMMAX-PREMIUM", "streaming_hours", "partner")
    assert cost(streaming, 100) == (D("0.00"), 0)
    assert cost(streaming, D("112.5")) == (D("1.25"), 0)
    assert cost(usage_price("STREAMMAX-BASIC", "streaming_hours", "partner"), 40) == (D("2.00"), 0)
    assert cost(usage_price("MUSICBOX", "streaming_hours", "partner"), 400) == (D("0.00"), 0)
    # Imported offerings the demo does not sell stay unsold; their terms are ready for when they are.
    assert ProductOffering.objects.get(external_id="MUSICBOX").lifecycle_status == "In design"


@pytest.mark.django_db
def test_fleet_tracking_is_paid_per_vehicle_day_with_a_credit_under_99_percent_uptime(systems):
    import_catalogs()
    # A billing system without the fleet tariff: the demo makes the offering its own.
    ProductOffering.objects.filter(source_system="crm", external_id="IOT-FLEET").delete()
    load_demo_catalog()
    fleet = ProductOffering.objects.get(source_system="demo", external_id="iot-fleet")
    assert (fleet.name, fleet.lifecycle_status) == ("Fleet tracking (IoT)", "Launched")
    assert list(fleet.segments.values_list("code", flat=True)) == ["business"]
    assert fleet.specification.fulfilment_steps.count() == 2
    price = usage_price("iot-fleet", "vehicle_day", "demo")
    assert (price.sla_metric, price.sla_threshold, price.sla_credit_percentage) == ("tracker_uptime", 99, 10)
    assert cost(price, 300, level="99.2") == (D("450.00"), 0)
    assert cost(price, 300, level="98.5") == (D("405.00"), D("45.00"))


@pytest.mark.django_db
def test_fleet_tracking_sells_the_billing_systems_tariff_when_it_has_one(systems):
    import_catalogs()
    tariff = OfferingRecord(
        "IOT-FLEET", "Fleet tracking (IoT)", specification=SpecificationRecord("IOT", "IoT fleet tracking")
    )
    services.offerings_import("crm", [tariff])
    load_demo_catalog()
    fleet = ProductOffering.objects.get(source_system="crm", external_id="IOT-FLEET")
    assert fleet.lifecycle_status == "Launched"
    assert not ProductOffering.objects.filter(source_system="demo", external_id="iot-fleet").exists()
    assert cost(usage_price("IOT-FLEET", "vehicle_day"), 10, level="98") == (D("13.50"), D("1.50"))
