"""productOffering pages from rows and rendered offerings kept per catalog revision.

The body must stay what the model-instance representation gave, byte for byte (``previous`` below is that
code, kept as the oracle), and a write through the services (an offering, a price, a synced import) must
show on the next read, though every page between two writes reuses the same rendered offerings.
"""

import sys
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Prefetch
from django.utils import timezone

from catalog import services
from catalog.api.representations import _common, ref
from catalog.models import BundledOffering, Lifecycle, ProductOffering, ProductOfferingPrice
from catalog.records import OfferingRecord
from overlay.api.renderers import JSONRenderer, render_plain_json
from overlay.api.representation import compact, parse_fields, select_fields
from overlay.api.views import RepresentationContext
from tests.factories.catalog import (
    CategoryFactory,
    MemberFactory,
    OfferingFactory,
    PriceFactory,
    SegmentFactory,
    SpecificationFactory,
    TierFactory,
)

BASE = "/tmf-api/productCatalogManagement/v4"
OFFERINGS = f"{BASE}/productOffering"


# --- the oracle: the representation as it was built from model instances ----------------
def previous_queryset(ids):
    return (
        ProductOffering.objects.filter(pk__in=ids)
        .select_related("specification")
        .prefetch_related(
            "categories",
            "channels",
            "segments",
            Prefetch("prices", queryset=ProductOfferingPrice.objects.only("id", "name", "offering_id")),
            Prefetch("bundle_members", queryset=BundledOffering.objects.select_related("member").order_by("id")),
        )
    )


def previous(offering, ctx) -> dict:
    spec = offering.specification
    return compact(
        {
            **_common(offering, ctx, "productOffering", "ProductOffering"),
            "isBundle": offering.is_bundle,
            "isSellable": offering.is_sellable,
            "statusReason": offering.status_reason or None,
            "productSpecification": ref(ctx, "productSpecification", spec.id, spec.name, "ProductSpecification")
            if spec
            else None,
            "category": [ref(ctx, "category", c.id, c.name, "Category") for c in offering.categories.all()],
            "channel": [{"id": ch.id, "name": ch.name, "@referredType": "Channel"} for ch in offering.channels.all()],
            "marketSegment": [
                {"id": s.id, "name": s.name, "@referredType": "MarketSegment"} for s in offering.segments.all()
            ],
            "productOfferingPrice": [
                ref(ctx, "productOfferingPrice", p.id, p.name, "ProductOfferingPrice") for p in offering.prices.all()
            ],
            "bundledProductOffering": [
                {
                    **ref(ctx, "productOffering", m.member.id, m.member.name),
                    "lifecycleStatus": m.member.lifecycle_status,
                    "bundledProductOfferingOption": {
                        "numberRelOfferLowerLimit": m.lower_limit,
                        "numberRelOfferUpperLimit": m.upper_limit,
                        "numberRelOfferDefault": m.default_count,
                    },
                }
                for m in offering.bundle_members.all()
            ],
        }
    )


def previous_page(response, ids: list[str], fields: str | None = None) -> bytes:
    """What these offerings rendered as before, in this order, ``fields=`` applied."""
    by_id = {o.pk: o for o in previous_queryset(ids)}
    ctx = RepresentationContext(response.wsgi_request)
    selected = parse_fields(fields)
    return JSONRenderer().render([select_fields(previous(by_id[i], ctx), selected) for i in ids])


@pytest.fixture
def varied_catalog(channels):
    """Bundles, prices with tiers and usage prices, channels, segments, categories, validity, odd text."""
    spec = SpecificationFactory(name="Fibre ‘1 Gbit’ \u2028 spec")
    categories = [CategoryFactory(name=name) for name in ("Zeta", "alpha", "Äpfel", "beta")]
    segments = [SegmentFactory(code="consumer", name="Consumer"), SegmentFactory(code="business", name="Business")]
    now = timezone.now()
    offerings = []
    for i in range(12):
        offering = OfferingFactory(
            name=f'Offer {i:02d} {"ÉÀ" if i % 3 == 0 else "ab"} "quoted" \\ {chr(0x1F600)}',
            description="" if i % 2 else f"Line one\nline\ttwo \u2029 {i}",
            version="" if i % 4 else "2.1",
            status_reason="" if i % 5 else "Launched for the spring",
            specification=spec if i % 3 else None,
            valid_from=now - timedelta(days=i) if i % 2 else None,
            valid_to=now + timedelta(days=30 + i) if i % 3 == 1 else None,
            channels=[channels["web"], channels["store"]][: 1 + i % 2] + ([channels["mobile"]] if i % 4 == 0 else []),
            categories=categories[i % 4 :],
            segments=segments[: i % 3],
        )
        offerings.append(offering)
        if i % 2 == 0:
            PriceFactory(offering=offering, name=f"Monthly {i}")
            PriceFactory(
                offering=offering, name="one-time", price_type="oneTime", recurring_period="", amount=Decimal("49")
            )
        if i % 3 == 0:
            usage = PriceFactory(
                offering=offering,
                name=f"Usage {i}",
                price_type="usage",
                recurring_period="",
                unit_of_measure="GB",
                tiering="volume",
                amount=None,
            )
            TierFactory(price=usage, lower=Decimal("0"), upper=Decimal("10"), unit_amount=Decimal("1.5"))
            TierFactory(price=usage, lower=Decimal("10"), upper=None, unit_amount=Decimal("0.75"))
    for bundle_index, members in ((0, (3, 5, 7)), (6, (1, 2))):
        bundle = offerings[bundle_index]
        ProductOffering.objects.filter(pk=bundle.pk).update(is_bundle=True)
        for n, member in enumerate(members):
            MemberFactory(
                bundle=bundle, member=offerings[member], lower_limit=min(n, 1), upper_limit=n + 2, default_count=n + 1
            )
    # A member that is not sold on the web still shows in its bundle, with its status.
    ProductOffering.objects.filter(pk=offerings[5].pk).update(lifecycle_status=Lifecycle.RETIRED)
    return offerings


@pytest.fixture
def render_cache(settings, django_capture_on_commit_callbacks):
    """Rendered offerings kept (tests turn it off: their factories write without bumping the revision)."""
    settings.CATALOG_RENDER_CACHE_SECONDS = 600

    def bump():
        with django_capture_on_commit_callbacks(execute=True):
            services.catalog_changed()  # as every service write does

    bump()
    return bump


# --- byte for byte -------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("cached", [False, True])
@pytest.mark.parametrize(
    "fields",
    [None, "name,channel", "id,bundledProductOffering.name,category.id", "productOfferingPrice,validFor,noSuch"],
)
def test_pages_are_byte_for_byte_what_model_instances_gave(
    varied_catalog, web, manager, settings, render_cache, cached, fields
):
    settings.CATALOG_RENDER_CACHE_SECONDS = 600 if cached else 0
    for client in (web, manager):
        for query in ({}, {"limit": 5, "offset": 3}, {"category.name": "alpha"}, {"isBundle": "true"}):
            params = {**query, **({"fields": fields} if fields else {})}
            for _ in range(2):  # rendered, then (when kept) from the cache
                ids = [item["id"] for item in client.get(OFFERINGS, query).json()]
                assert ids, query
                response = client.get(OFFERINGS, params)
                assert response.status_code == 200, response.content
                assert response.content == previous_page(response, ids, fields), params


@pytest.mark.django_db
def test_an_offering_is_what_model_instances_gave(varied_catalog, manager):
    for offering in varied_catalog:
        response = manager.get(f"{OFFERINGS}/{offering.pk}")
        ctx = RepresentationContext(response.wsgi_request)
        assert response.json() == previous(previous_queryset([offering.pk]).get(), ctx)


def test_the_fast_encoder_writes_what_the_renderer_writes():
    every_character = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    samples = [
        every_character,
        [{"a": "\u2028\u2029", "b": [1, -2, 2**63 - 1, True, False, None], "c": {}, "d": []}],
        {"nested": [{"x": '\x00\x1f\x7f"\\/'}]},
        "lone \ud800 surrogate",  # the renderer's replacement, not an error
        {"big": 2**70, "amount": Decimal("1.50")},  # what orjson does not write goes to the renderer
    ]
    for data in samples:
        assert render_plain_json(data) == JSONRenderer().render(data)


# --- the cache follows the catalog -----------------------------------------------------------
def names(response) -> list[str]:
    return [item["name"] for item in response.json()]


@pytest.mark.django_db
def test_a_page_between_two_writes_reuses_rendered_offerings(web, channels, render_cache, django_assert_num_queries):
    for count in (2, 20):
        for _ in range(count - ProductOffering.objects.count()):
            PriceFactory(offering=OfferingFactory(channels=[channels["web"]]))
        render_cache()
        assert len(web.get(OFFERINGS).json()) == count  # renders them
        # Kept: only which offerings the page holds is asked (revision, count and token are remembered).
        with django_assert_num_queries(1):
            again = web.get(OFFERINGS, {"fields": "id,name"})
        assert len(again.json()) == count
    # A write that bypasses the services (no revision bump) is not seen: the cache is what serves.
    offering = ProductOffering.objects.order_by("name").first()
    ProductOffering.objects.filter(pk=offering.pk).update(description="Written behind the catalog's back")
    assert "description" not in web.get(OFFERINGS).json()[0]
    render_cache()
    assert web.get(OFFERINGS).json()[0]["description"] == "Written behind the catalog's back"


@pytest.mark.django_db
def test_a_price_change_shows_on_the_next_read(web, channels, render_cache, django_capture_on_commit_callbacks):
    price = PriceFactory(offering=OfferingFactory(channels=[channels["web"]]), name="Monthly fee")
    render_cache()
    assert web.get(OFFERINGS).json()[0]["productOfferingPrice"][0]["name"] == "Monthly fee"
    with django_capture_on_commit_callbacks(execute=True):
        services.price_update(price, {"name": "Monthly fee (new)", "amount": Decimal("12")})
    assert web.get(OFFERINGS).json()[0]["productOfferingPrice"][0]["name"] == "Monthly fee (new)"
    with django_capture_on_commit_callbacks(execute=True):
        services.price_delete(price)
    assert "productOfferingPrice" not in web.get(OFFERINGS).json()[0]


@pytest.mark.django_db
def test_a_catalog_write_shows_on_the_next_read(
    web, manager, channels, render_cache, django_capture_on_commit_callbacks
):
    # Each request's transaction commits (the remembered revision is dropped then).

    member = OfferingFactory(name="Member", channels=[channels["web"]])
    bundle = OfferingFactory(name="Bundle", is_bundle=True, channels=[channels["web"]])
    MemberFactory(bundle=bundle, member=member)
    render_cache()
    assert names(web.get(OFFERINGS)) == ["Bundle", "Member"]
    assert web.get(OFFERINGS).json()[0]["bundledProductOffering"][0]["name"] == "Member"
    # Through the API: the member's new name shows in its own row and in its bundle's.
    with django_capture_on_commit_callbacks(execute=True):
        assert manager.patch(f"{OFFERINGS}/{member.pk}", {"name": "A member"}, format="json").status_code == 200
    assert names(web.get(OFFERINGS)) == ["A member", "Bundle"]
    assert web.get(OFFERINGS).json()[1]["bundledProductOffering"][0]["name"] == "A member"
    with django_capture_on_commit_callbacks(execute=True):
        created = manager.post(OFFERINGS, {"name": "New", "channel": [{"id": channels["web"].pk}]}, format="json")
    assert created.status_code == 201
    # Created in design: the channel does not see it, the catalog manager does, and counts it.
    listed = manager.get(OFFERINGS)
    assert "New" in names(listed) and listed["X-Total-Count"] == "3"
    assert web.get(OFFERINGS)["X-Total-Count"] == "2"
    category = CategoryFactory(name="Fresh")
    with django_capture_on_commit_callbacks(execute=True):
        patched = manager.patch(f"{OFFERINGS}/{member.pk}", {"category": [{"id": category.pk}]}, format="json")
    assert patched.status_code == 200
    assert web.get(OFFERINGS).json()[0]["category"][0]["name"] == "Fresh"


@pytest.mark.django_db
def test_a_synced_change_shows_on_the_next_read(manager, render_cache, django_capture_on_commit_callbacks):
    record = OfferingRecord(external_id="MOB-M", name="Mobile M", recurring_price=Decimal("20"), version=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.offerings_import("billing", [record])
    before = manager.get(OFFERINGS).json()
    assert [o["name"] for o in before] == ["Mobile M"]
    assert [p["name"] for p in before[0]["productOfferingPrice"]] == ["Mobile M monthly fee"]
    changed = OfferingRecord(external_id="MOB-M", name="Mobile Max", recurring_price=Decimal("25"), version=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.offerings_import("billing", [changed])
    after = manager.get(OFFERINGS).json()
    assert [o["name"] for o in after] == ["Mobile Max"]
    assert [p["name"] for p in after[0]["productOfferingPrice"]] == ["Mobile Max monthly fee"]


@pytest.mark.django_db
def test_rendered_offerings_are_kept_per_host(web, channels, settings, render_cache):
    settings.ALLOWED_HOSTS = ["testserver", "shop.example"]
    OfferingFactory(channels=[channels["web"]])
    assert web.get(OFFERINGS).json()[0]["href"].startswith("http://testserver/")
    assert web.get(OFFERINGS, HTTP_HOST="shop.example").json()[0]["href"].startswith("http://shop.example/")
    assert web.get(OFFERINGS).json()[0]["href"].startswith("http://testserver/")


@pytest.mark.django_db
def test_bad_paging_and_filters_are_tmf_errors_with_the_cache_on(web, channels, render_cache):
    OfferingFactory(channels=[channels["web"]])
    for query in ({"limit": "x"}, {"lastUpdate": "not a date"}, {"isBundle": "maybe"}):
        response = web.get(OFFERINGS, query)
        assert response.status_code == 400, query
        assert set(response.json()) >= {"code", "reason", "message", "status"}
