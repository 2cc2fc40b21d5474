"""The catalog managers' console in the Django admin."""

import pytest
from django.urls import reverse

from catalog.models import CatalogRevision, Lifecycle, ProductOffering, ProductSpecification
from catalog.selectors import catalog_revision
from tests.factories.catalog import (
    CampaignFactory,
    CategoryFactory,
    CharacteristicFactory,
    MemberFactory,
    OfferingFactory,
    PriceFactory,
    SpecificationFactory,
)
from tests.factories.users import console

MODELS = [
    "productoffering",
    "productspecification",
    "productofferingprice",
    "category",
    "campaign",
    "recommendation",
    "channel",
    "marketsegment",
    "characteristicspec",
]


@pytest.fixture
def catalog_rows(channels):
    member = MemberFactory(bundle__channels=[channels["web"]])
    PriceFactory(offering=member.bundle)
    CharacteristicFactory(specification=SpecificationFactory())
    CampaignFactory(offerings=[member.bundle])
    CategoryFactory()
    return member


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_catalog_manager_pages_render(catalog_rows, model):
    client = console("catalog_manager")
    changelist = client.get(reverse(f"admin:catalog_{model}_changelist"), {"q": "a"})
    assert changelist.status_code == 200
    assert client.get(reverse(f"admin:catalog_{model}_add")).status_code == 200


@pytest.mark.django_db
def test_offering_change_page_shows_prices_and_members(catalog_rows):
    client = console("catalog_manager")
    page = client.get(reverse("admin:catalog_productoffering_change", args=[catalog_rows.bundle.pk]))
    assert page.status_code == 200
    assert b"Product offering prices" in page.content and catalog_rows.member.name.encode() in page.content


@pytest.mark.django_db
def test_lifecycle_actions_follow_the_transitions(channels, django_capture_on_commit_callbacks):
    client = console("catalog_manager")
    draft = OfferingFactory(lifecycle_status=Lifecycle.IN_DESIGN)
    obsolete = OfferingFactory(lifecycle_status=Lifecycle.OBSOLETE)
    before = catalog_revision()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:catalog_productoffering_changelist"),
            {"action": "make_launched", "_selected_action": [draft.pk, obsolete.pk]},
            follow=True,
        )
    assert response.status_code == 200
    draft.refresh_from_db()
    obsolete.refresh_from_db()
    assert draft.lifecycle_status == Lifecycle.LAUNCHED
    assert obsolete.lifecycle_status == Lifecycle.OBSOLETE
    messages = [str(m) for m in response.context["messages"]]
    assert any("cannot go from 'Obsolete'" in m for m in messages)
    assert catalog_revision() > before


@pytest.mark.django_db
def test_an_illegal_lifecycle_change_in_the_form_is_refused(channels):
    client = console("catalog_manager")
    offering = OfferingFactory(lifecycle_status=Lifecycle.OBSOLETE)
    url = reverse("admin:catalog_productoffering_change", args=[offering.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "name": offering.name,
            "lifecycle_status": Lifecycle.LAUNCHED,
            "prices-TOTAL_FORMS": 0,
            "prices-INITIAL_FORMS": 0,
            "bundle_members-TOTAL_FORMS": 0,
            "bundle_members-INITIAL_FORMS": 0,
            "recommendations-TOTAL_FORMS": 0,
            "recommendations-INITIAL_FORMS": 0,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200  # the form comes back with the error
    assert b"cannot go from" in response.content
    offering.refresh_from_db()
    assert offering.lifecycle_status == Lifecycle.OBSOLETE


@pytest.mark.django_db
def test_admin_edits_make_cached_pages_stale(channels, django_capture_on_commit_callbacks):
    client = console("catalog_manager")
    category = CategoryFactory()
    before = catalog_revision()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:catalog_category_change", args=[category.pk]),
            {"name": "Renamed", "version": "1.0", "lifecycle_status": Lifecycle.ACTIVE},
        )
    assert response.status_code == 302, response.content
    assert catalog_revision() == before + 1 and CatalogRevision.objects.count() == 1


@pytest.mark.django_db
def test_agents_can_look_but_not_change(catalog_rows):
    client = console("agent")
    assert client.get(reverse("admin:catalog_productoffering_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_productoffering_add")).status_code == 403
    response = client.post(
        reverse("admin:catalog_productoffering_changelist"),
        {"action": "make_retired", "_selected_action": [catalog_rows.bundle.pk]},
    )
    assert response.status_code in (200, 302, 403)
    assert ProductOffering.objects.get(pk=catalog_rows.bundle.pk).lifecycle_status == Lifecycle.LAUNCHED


# --- the admin applies the services' rules (regression: a bundle could be made to contain itself here) ---
@pytest.mark.django_db
def test_a_bundle_cannot_be_made_to_contain_itself_in_the_admin(channels):
    from catalog.models import BundledOffering
    from tests.factories.admin import post_changed

    client = console("catalog_manager")
    bundle = OfferingFactory(is_bundle=True, name="Home bundle")
    other_bundle = OfferingFactory(is_bundle=True, name="Other bundle")
    url = reverse("admin:catalog_productoffering_change", args=[bundle.pk])
    for member in (bundle, other_bundle):
        response = post_changed(
            client,
            url,
            bundle_members__TOTAL_FORMS=1,
            bundle_members__0__member=member.pk,
            bundle_members__0__lower_limit=1,
            bundle_members__0__upper_limit=1,
            bundle_members__0__default_count=1,
        )
        assert response.status_code == 200  # the form again, with the refusal
        assert b"cannot contain itself" in response.content or b"cannot be nested" in response.content
    assert not BundledOffering.objects.exists()


@pytest.mark.django_db
def test_prices_tiers_validity_and_categories_follow_the_services_rules(channels):
    from catalog.models import PriceTier
    from tests.factories.admin import post_changed

    client = console("catalog_manager")
    price = PriceFactory(price_type="usage", recurring_period="", amount=None, unit_of_measure="GB")
    url = reverse("admin:catalog_productofferingprice_change", args=[price.pk])
    negative = post_changed(client, url, price_type="oneTime", amount="-5")
    assert negative.status_code == 200 and b"cannot be negative" in negative.content
    gap = post_changed(
        client,
        url,
        tiers__TOTAL_FORMS=2,
        tiers__0__lower="0",
        tiers__0__upper="10",
        tiers__0__unit_amount="1",
        tiers__1__lower="20",
        tiers__1__upper="",
        tiers__1__unit_amount="0.5",
    )
    assert gap.status_code == 200 and b"without gaps" in gap.content
    assert not PriceTier.objects.exists()
    offering = OfferingFactory()
    backwards = post_changed(
        client,
        reverse("admin:catalog_productoffering_change", args=[offering.pk]),
        valid_from_0="2026-12-31",
        valid_from_1="00:00:00",
        valid_to_0="2026-01-01",
        valid_to_1="00:00:00",
    )
    assert backwards.status_code == 200 and b"must end after it starts" in backwards.content
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    loop = post_changed(client, reverse("admin:catalog_category_change", args=[parent.pk]), parent=child.pk)
    assert loop.status_code == 200 and b"own ancestor" in loop.content
    parent.refresh_from_db()
    assert parent.parent_id is None


@pytest.mark.django_db
def test_deleting_an_offering_a_bundle_uses_is_refused_as_in_the_api(channels):
    client = console("catalog_manager")
    member = MemberFactory()
    url = reverse("admin:catalog_productoffering_delete", args=[member.member.pk])
    response = client.post(url, {"post": "yes"}, follow=True)
    assert b"remove it there first" in response.content or b"Cannot delete" in response.content
    assert ProductOffering.objects.filter(pk=member.member.pk).exists()
    spec = SpecificationFactory()
    OfferingFactory(specification=spec)
    response = client.post(reverse("admin:catalog_productspecification_delete", args=[spec.pk]), {"post": "yes"})
    assert ProductSpecification.objects.filter(pk=spec.pk).exists()


@pytest.mark.django_db
def test_a_price_names_the_order_actions_it_is_charged_on(channels):
    from tests.factories.admin import post_changed

    client = console("catalog_manager")
    price = PriceFactory(price_type="oneTime", recurring_period="", name="Plan change fee")
    url = reverse("admin:catalog_productofferingprice_change", args=[price.pk])
    refused = post_changed(client, url, charged_on="delete")
    assert refused.status_code == 200 and b"charged on add or modify, not delete" in refused.content
    price.refresh_from_db()
    assert price.charged_on == ""
    assert post_changed(client, url, charged_on=" modify ").status_code == 302
    price.refresh_from_db()
    assert price.charged_on == "modify"
    post_changed(client, url, charged_on="modify,add")
    price.refresh_from_db()
    assert price.charged_on == "add,modify"
