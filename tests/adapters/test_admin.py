import pytest
from django.urls import reverse

from adapters.models import QuarantinedRecord, SyncRun
from adapters.sync import sync_stream, sync_system
from customers.models import Customer, LinkSuggestion
from tests.factories.users import console


@pytest.fixture
def synced(systems, simulator):
    simulator.control("faults", {"system": "crm", "malformed_every": 50})
    sync_system(systems["crm"])
    sync_system(systems["logistics"])
    return systems


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page",
    [
        "adapters_backofficesystem",
        "adapters_syncrun",
        "adapters_quarantinedrecord",
        "adapters_synccursor",
        "customers_customer",
        "customers_linksuggestion",
        "customers_heldproduct",
        "customers_billingaccount",
    ],
)
def test_supervisor_pages_render(synced, page):
    client = console("supervisor")
    assert client.get(reverse(f"admin:{page}_changelist")).status_code == 200


@pytest.mark.django_db
def test_customer_page_shows_links_and_products(synced):
    client = console("supervisor")
    customer = Customer.objects.get(links__external_id="recipient:SHP000000050")
    page = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert page.status_code == 200 and b"SHP000000050" in page.content
    # The shipment named only a phone: the link shows it (what an agent weighs on a suggestion).
    assert customer.links.get().phone.encode() in page.content


@pytest.mark.django_db
def test_agents_decide_suggestions_but_do_not_run_syncs(synced):
    client = console("agent")
    assert client.get(reverse("admin:adapters_backofficesystem_changelist")).status_code == 403
    suggestion = LinkSuggestion.objects.filter(status="open").first()
    response = client.post(
        reverse("admin:customers_linksuggestion_changelist"),
        {"action": "split", "_selected_action": [suggestion.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert LinkSuggestion.objects.get(pk=suggestion.pk).status == "split"


@pytest.mark.django_db
def test_operators_retry_quarantined_records(synced):
    from django.contrib.auth import get_user_model
    from django.test import Client

    admin = get_user_model().objects.create_superuser("ops", password="pw")
    client = Client()
    client.force_login(admin)
    stuck = QuarantinedRecord.objects.filter(resolved_at__isnull=True)
    assert stuck.count() == 4
    response = client.post(
        reverse("admin:adapters_quarantinedrecord_changelist"),
        {"action": "retry", "_selected_action": list(stuck.values_list("pk", flat=True))},
        follow=True,
    )
    assert response.status_code == 200
    # The payloads themselves are broken (no CUST_NO): they stay quarantined, each retry recorded.
    assert stuck.count() == 4 and SyncRun.objects.filter(kind="retry").count() == 4


@pytest.mark.django_db
def test_operators_start_a_sync_from_the_admin(systems):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.create_superuser("ops", password="pw"))
    client.post(
        reverse("admin:adapters_backofficesystem_changelist"),
        {"action": "sync_now", "_selected_action": [systems["partner"].pk]},
    )
    # Eager without a broker, usage after the products it is for.
    assert list(SyncRun.objects.filter(system=systems["partner"]).order_by("pk").values_list("stream", "status")) == [
        ("offerings", "succeeded"),
        ("subscriptions", "succeeded"),
        ("usage", "succeeded"),
    ]
    assert sync_stream(systems["partner"], "offerings").fetched == 0


def test_a_quarantined_record_with_a_lone_surrogate_still_shows():
    """Regression: in the embedded mode (SQLite keeps JSON as text) a quarantined pushed record holding a
    lone surrogate made its admin page answer 500; PostgreSQL refuses such JSON, and the API now refuses it
    at the edge, but a record that got in must still show."""
    from django.contrib import admin

    record = QuarantinedRecord(external_id="C1", payload={"name": "\udc00", "city": "Zürich"}, error="bad name")
    shown = admin.site._registry[QuarantinedRecord].payload_(record)
    assert shown.encode("utf-8") and "\\udc00" in shown and "\\u00fc" in shown
