"""The billing system's tariff table and the partner catalog, imported over HTTP; the demo built on them."""

from decimal import Decimal

import pytest

from adapters.builtin.simulated import CrmAdapter
from adapters.contracts import MappingError, OfferingRecord, SpecificationRecord
from adapters.demo import import_catalogs
from adapters.models import SyncRun
from adapters.sync import sync_stream
from catalog import services
from catalog.demo import CatalogNotImported, load_demo_catalog
from catalog.models import ProductOffering, ProductSpecification


def prices(offering: ProductOffering) -> dict:
    return {(p.price_type, p.char_value): (p.name, p.amount) for p in offering.prices.all()}


@pytest.mark.django_db
def test_tariffs_become_offerings_with_their_specifications_and_prices(systems):
    run = sync_stream(systems["crm"], "products")
    assert (run.status, run.fetched, run.created, run.quarantined) == ("succeeded", 14, 14, 0)
    plan = ProductOffering.objects.get(source_system="crm", external_id="MOB-M")
    assert (plan.name, plan.lifecycle_status) == ("Mobile M 50 GB", "In design")  # unsold until placed
    assert prices(plan) == {
        ("recurring", ""): ("Mobile M 50 GB monthly fee", Decimal("25.00")),  # "25,00" in the billing system
        ("oneTime", ""): ("Mobile M 50 GB SIM activation", Decimal("10.00")),
    }
    mobile = plan.specification
    assert (mobile.source_system, mobile.external_id, mobile.name, mobile.kind) == (
        "crm",
        "MOBILE",
        "Mobile subscription",
        "digital",
    )
    assert set(mobile.offerings.values_list("external_id", flat=True)) == {"MOB-S", "MOB-M", "MOB-L", "SIM-ONLY"}
    assert ProductOffering.objects.get(external_id="AURORA-X-128").specification.kind == "physical"
    assert ProductSpecification.objects.filter(source_system="crm").count() == 7
    assert sync_stream(systems["crm"], "products").fetched == 0  # nothing new since the cursor


@pytest.mark.django_db
def test_a_tariff_change_moves_the_base_price_and_keeps_what_overlay_added(systems):
    sync_stream(systems["crm"], "products")
    fibre = ProductOffering.objects.get(external_id="FIBRE-500")
    router = services.price_create(
        {"name": "Wi-Fi 6 router", "price_type": "oneTime", "amount": Decimal("59"), "char_name": "Router"}
        | {"char_value": "wifi6", "lifecycle_status": "Active"}
    )
    router.offering = fibre
    router.save()
    changed = OfferingRecord(
        "FIBRE-500",
        "Fibre 500 Mbps",
        recurring_price=Decimal("41.99"),
        one_time_price=Decimal("49.00"),
        one_time_name="Activation",
        specification=SpecificationRecord("FIBRE", "Fibre broadband"),
    )
    counts = services.offerings_import("crm", [changed])
    assert (counts.updated, counts.unchanged) == (1, 0)
    assert prices(fibre)[("recurring", "")][1] == Decimal("41.99")
    assert prices(fibre)[("oneTime", "wifi6")][1] == Decimal("59")  # Overlay's own price stays
    assert services.offerings_import("crm", [changed]).unchanged == 1


def test_an_amount_the_mapping_cannot_read_is_a_mapping_error():
    adapter = CrmAdapter.__new__(CrmAdapter)
    raw = {"PROD_CD": "X", "PROD_NM": "X", "SPEC_CD": "S", "MRC": "twelve"}
    with pytest.raises(MappingError, match="MRC 'twelve' is not an amount"):
        adapter.map_record("products", raw)
    with pytest.raises(MappingError):
        adapter.map_record("products", {"PROD_NM": "no code", "SPEC_CD": "S"})


@pytest.mark.django_db
def test_the_demo_catalog_is_built_on_the_imported_products(systems):
    with pytest.raises(CatalogNotImported, match="sync the back-office catalogs first"):
        load_demo_catalog()
    import_catalogs()
    assert SyncRun.objects.filter(stream__in=["products", "offerings"], status="succeeded").count() == 2
    assert load_demo_catalog() is True
    plan = ProductOffering.objects.get(source_system="crm", external_id="MOB-M")
    assert plan.lifecycle_status == "Launched"
    assert set(plan.channels.values_list("code", flat=True)) == {"web", "mobile", "store", "callcentre", "partner"}
    assert list(plan.specification.characteristics.values_list("name", flat=True)) == ["SIM type"]
    phone = ProductOffering.objects.get(external_id="AURORA-X-128")
    assert prices(phone) == {
        ("oneTime", ""): ("Aurora X Aurora X 128GB", Decimal("699.00")),  # from billing
        ("oneTime", "256GB"): ("Aurora X 256GB storage", Decimal("100.00")),  # Overlay's surcharge
    }
    streaming = ProductOffering.objects.get(source_system="partner", external_id="STREAMMAX-PREMIUM")
    assert streaming.lifecycle_status == "Launched"
    # The specification the partner import made for the service, described by Overlay.
    assert (streaming.specification.source_system, streaming.specification.brand) == ("partner", "StreamMax")
    assert streaming.specification.fulfilment_steps.exists()
    bundle = ProductOffering.objects.get(source_system="demo", external_id="home-mobile")
    members = set(bundle.bundle_members.values_list("member__external_id", flat=True))
    assert members == {"FIBRE-500", "MOB-M", "TV-BASIC", "STREAMMAX-PREMIUM"}
    # The partner's other services stay unsold until a catalog manager places them.
    assert ProductOffering.objects.get(external_id="MUSICBOX").lifecycle_status == "In design"
    assert load_demo_catalog() is False


@pytest.mark.django_db
def test_each_partner_service_becomes_a_specification_of_its_own(systems):
    """TMF620's kit: an offering that is no bundle names the product it sells. The partner catalog has
    no specifications; each of its services (SKU) becomes one."""
    run = sync_stream(systems["partner"], "offerings")
    assert (run.status, run.created) == ("succeeded", 5)
    for offering in ProductOffering.objects.filter(source_system="partner").select_related("specification"):
        spec = offering.specification
        assert (spec.source_system, spec.external_id, spec.name) == ("partner", offering.external_id, offering.name)
        assert (spec.kind, spec.lifecycle_status) == ("digital", "Active")
    assert ProductSpecification.objects.filter(source_system="partner").count() == 5
    assert sync_stream(systems["partner"], "offerings", full=True).unchanged == 5


@pytest.mark.django_db
def test_a_specification_overlay_gave_an_imported_offering_stays(systems):
    sync_stream(systems["partner"], "offerings")
    music = ProductOffering.objects.get(source_system="partner", external_id="MUSICBOX")
    own = services.specification_create({"name": "Music streaming", "lifecycle_status": "Active"})
    services.offering_update(music, {"specification_id": own.pk})
    renamed = OfferingRecord("MUSICBOX", "MusicBox", specification=SpecificationRecord("MUSICBOX", "MusicBox"))
    assert services.offerings_import("partner", [renamed]).updated == 1
    music.refresh_from_db()
    assert (music.name, music.specification_id) == ("MusicBox", own.pk)
    # One the source gave follows the source.
    boost = OfferingRecord("CLOUDSAFE-100", "CloudSafe", specification=SpecificationRecord("CLOUD", "Cloud backup"))
    services.offerings_import("partner", [boost])
    cloud = ProductOffering.objects.get(source_system="partner", external_id="CLOUDSAFE-100")
    assert cloud.specification.external_id == "CLOUD"


@pytest.mark.django_db
def test_a_tariff_changed_in_the_billing_system_reaches_the_catalog(systems, simulator):
    sync_stream(systems["crm"], "products")
    changed = simulator.control("changes", {"system": "crm", "stream": "products", "count": 1})["records"][0]
    run = sync_stream(systems["crm"], "products")
    assert (run.fetched, run.updated) == (1, 1)
    offering = ProductOffering.objects.get(source_system="crm", external_id=changed["PROD_CD"])
    assert offering.name == changed["PROD_NM"]

    def billed(value):  # "26,00" -> Decimal("26.00")
        return Decimal(value.replace(",", ".")) if value else None

    base = {price_type: amount for (price_type, char), (_, amount) in prices(offering).items() if not char}
    assert (base.get("recurring"), base.get("oneTime")) == (billed(changed["MRC"]), billed(changed["NRC"]))
