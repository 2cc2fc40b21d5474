"""The per-process pricing data cache: fewer queries, and a write through the services is seen at once."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from catalog import selectors, services
from catalog.models import FulfilmentStep, OfferingRule, ProductOffering
from tests.factories.catalog import OfferingFactory, PriceFactory, SpecificationFactory


@pytest.fixture
def cached(settings):
    settings.PRICING_DATA_CACHE = True
    selectors._PRICING_CACHE.update(key=None, offerings={}, campaigns=None)
    yield
    selectors._PRICING_CACHE.update(key=None, offerings={}, campaigns=None)


@pytest.mark.django_db
def test_cached_pricing_data_follows_catalog_writes(
    cached, django_assert_num_queries, django_capture_on_commit_callbacks
):
    offering = OfferingFactory()
    price = PriceFactory(offering=offering, amount=Decimal("10"))
    with django_capture_on_commit_callbacks(execute=True):
        services.catalog_changed()  # as every service write does
    now = timezone.now()
    visible = ProductOffering.objects.all()
    first = selectors.pricing_data([offering.pk], visible, now)
    assert first.offerings[offering.pk].prices[0].amount == Decimal("10")
    # Second time: only the caller's visibility is asked (plus the cached revision), not the catalog.
    with django_assert_num_queries(1):
        selectors.pricing_data([offering.pk], visible, now)
    with django_capture_on_commit_callbacks(execute=True):  # the write commits
        services.price_update(price, {"amount": Decimal("12")})
    assert selectors.pricing_data([offering.pk], visible, now).offerings[offering.pk].prices[0].amount == Decimal("12")
    # What the caller may not see stays unknown, cached or not.
    assert selectors.pricing_data([offering.pk], ProductOffering.objects.none(), now).offerings == {}


@pytest.mark.django_db
def test_a_reader_racing_a_write_does_not_keep_the_old_revision(monkeypatch, django_capture_on_commit_callbacks):
    """Regression: a reader (another web worker) that read the revision just before a write committed cached
    it just after the writer dropped it, and every process kept pricing and pages of the old catalog."""
    with django_capture_on_commit_callbacks(execute=True):
        services.catalog_changed()
    before = selectors.stored_catalog_revision()
    cache.delete(selectors.REVISION_CACHE_KEY)  # nobody has asked since
    read = selectors.stored_catalog_revision

    def read_then_a_write_commits() -> int:
        revision = read()
        with django_capture_on_commit_callbacks(execute=True):
            services.catalog_changed()
        return revision

    monkeypatch.setattr(selectors, "stored_catalog_revision", read_then_a_write_commits)
    assert selectors.catalog_revision() == before  # what this reader saw before the commit
    monkeypatch.undo()
    assert selectors.catalog_revision() == before + 1


@pytest.mark.django_db
def test_rules_needs_and_steps_are_kept_per_revision_and_a_write_makes_them_stale(
    cached, django_assert_num_queries, django_capture_on_commit_callbacks
):
    selectors.forget_catalog_data()
    spec = SpecificationFactory(serviceability_system="fibre")
    offering, other = OfferingFactory(specification=spec), OfferingFactory()
    OfferingRule.objects.create(offering=offering, kind="excludes", other=other, message="Not with that")
    FulfilmentStep.objects.create(specification=spec, key="line", system="fibre", task="provisionLine")
    with django_capture_on_commit_callbacks(execute=True):
        services.catalog_changed()
    ids = [offering.pk, other.pk]
    read = selectors.offering_rules(ids), selectors.serviceability_needs(ids), selectors.fulfilment_steps([spec.pk])
    with django_assert_num_queries(0):  # the revision is remembered in the cache, the rest in the process
        assert (
            selectors.offering_rules(ids),
            selectors.serviceability_needs(ids),
            selectors.fulfilment_steps([spec.pk]),
        ) == read
    assert [r.other_id for r in read[0][offering.pk]] == [other.pk] and other.pk not in read[0]
    assert read[1][offering.pk][0].system == "fibre" and [s.key for s in read[2][spec.pk]] == ["line"]
    OfferingRule.objects.filter(offering=offering).delete()
    FulfilmentStep.objects.create(specification=spec, key="router", system="logistics", task="ship", position=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.catalog_changed()  # as the services and the admin do after any write
    assert selectors.offering_rules(ids) == {}
    assert [s.key for s in selectors.fulfilment_steps([spec.pk])[spec.pk]] == ["line", "router"]
    selectors.forget_catalog_data()
