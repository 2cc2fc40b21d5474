"""The agents' console in the admin: search box, staged results, the 360° page, confirm/split."""

import pytest
from django.urls import reverse

from adapters.contracts import HeldProductRecord, PartyRecord
from customers.imports import held_products_import, parties_import
from customers.models import Customer, Interaction, LinkSuggestion
from tests.factories.customers import person
from tests.factories.users import console


@pytest.fixture
def estate(db):
    parties_import("crm", [person(1, "Koen", "Bakker"), person(2, "Kim", "Bakker", phone="+31600000001")])
    holder = PartyRecord("holder:SUB-1", phone="+31600000001", account_refs=("A1",))
    held_products_import("mobile", [HeldProductRecord("SUB-1", holder=holder, name="Mobile M 50 GB")])
    line = HeldProductRecord(
        "FL1", holder=PartyRecord("subscriber:FL1", email="koen.1@example.net"), name="Fibre 500 Mbps"
    )
    held_products_import("fixed", [line])
    # A shipment naming only the shared household phone: kept apart, two suggestions.
    shipment = HeldProductRecord("SHP1", holder=PartyRecord("recipient:SHP1", phone="+31600000001"), name="Aurora X")
    held_products_import("logistics", [shipment])
    return Customer.objects.get(links__external_id="C1")


@pytest.mark.django_db
def test_search_then_360_with_products_from_two_systems(estate):
    agent = console("agent")
    page = agent.get(reverse("admin:customer-console"), {"q": "A1"})
    assert page.status_code == 200 and b"Koen Bakker" in page.content and b"k***@example.net" in page.content
    hit = page.context["hits"][0]
    assert hit["id"] == estate.pk
    view = agent.get(reverse("admin:customer-console-customer", args=[estate.pk]))
    assert view.status_code == 200
    assert b"Mobile M 50 GB" in view.content and b"Fibre 500 Mbps" in view.content
    assert ("Given name", "Koen") in view.context["who"] and ("E-mail", "k***@example.net") in view.context["who"]
    assert set(view.context["view"]["productsBySystem"]) == {"mobile", "fixed"}
    assert Interaction.objects.filter(customer=estate, kind="view_360").count() == 1


@pytest.mark.django_db
def test_every_page_has_the_console_link_for_agents(estate):
    assert b"Agent console" in console("agent").get(reverse("admin:index")).content
    assert b"Agent console" not in console("catalog_manager").get(reverse("admin:index")).content


@pytest.mark.django_db
def test_agents_confirm_or_split_suggested_links(estate):
    agent = console("agent")
    recipient = Customer.objects.get(links__external_id="recipient:SHP1")
    to_koen = recipient.suggestions.get(candidate=estate)
    to_kim = recipient.suggestions.exclude(candidate=estate).get()
    page = agent.get(reverse("admin:customer-console-customer", args=[recipient.pk]))
    assert b"Same person" in page.content
    response = agent.post(reverse("admin:customer-console-decide", args=[to_koen.pk, "confirm"]))
    assert response.status_code == 302 and response["Location"].endswith(f"/console/{estate.pk}/")
    assert estate.held_products.filter(system="logistics").exists()
    assert LinkSuggestion.objects.get(pk=to_kim.pk).status == "split"
    again = agent.post(reverse("admin:customer-console-decide", args=[to_koen.pk, "confirm"]), follow=True)
    assert b"decided already" in again.content


@pytest.mark.django_db
def test_who_may_use_the_console(estate, client):
    assert console("catalog_manager").get(reverse("admin:customer-console")).status_code == 403
    assert client.get(reverse("admin:customer-console")).status_code == 302  # to the login page
    agent = console("agent")
    assert agent.get(reverse("admin:customer-console-customer", args=["nobody"])).status_code == 404
    assert agent.get(reverse("admin:customer-console-decide", args=[1, "confirm"])).status_code == 405
    assert agent.post(reverse("admin:customer-console-decide", args=[1, "maybe"])).status_code == 404


@pytest.mark.django_db
def test_supervisors_see_full_contact_data(estate):
    page = console("supervisor").get(reverse("admin:customer-console"), {"q": "06 0000 0001"})
    assert b"koen.1@example.net" in page.content


@pytest.mark.django_db
def test_an_agent_changes_contact_details_through_the_party_service(estate):
    """Regression: agents edited personal data on the admin's change page, unrecorded and unpublished."""
    from events.models import OutboxEvent

    agent = console("agent")
    url = reverse("admin:customer-console-contact", args=[estate.pk])
    page = agent.get(reverse("admin:customer-console-customer", args=[estate.pk]))
    assert b'id="contact"' in page.content and b"koen.1@example.net" not in page.content  # no full value to copy
    response = agent.post(url, {"email": " Koen.New@Example.NET ", "phone": "06 1111 2222"})
    assert response.status_code == 302
    estate.refresh_from_db()
    assert (estate.email, estate.phone) == ("koen.new@example.net", "+31611112222")
    edit = Interaction.objects.get(customer=estate, kind="edit")
    assert (edit.actor, edit.channel, edit.summary) == ("agent:agent", "callcentre", "Changed email, phone")
    assert OutboxEvent.objects.filter(event_type="CustomerAttributeValueChangeEvent", resource_id=estate.pk).exists()


@pytest.mark.django_db
def test_a_bad_contact_change_changes_nothing(estate):
    agent = console("agent")
    before = Customer.objects.values().get(pk=estate.pk)
    response = agent.post(
        reverse("admin:customer-console-contact", args=[estate.pk]),
        {"email": "not an address", "phone": "06 1111 2222"},
    )
    assert response.status_code == 302
    assert Customer.objects.values().get(pk=estate.pk) == before
    assert not Interaction.objects.filter(customer=estate, kind="edit").exists()


@pytest.mark.django_db
def test_only_those_who_may_change_customers_see_and_use_the_form(estate):
    manager = console("catalog_manager")  # staff, but no customers rights at all
    assert (
        manager.post(reverse("admin:customer-console-contact", args=[estate.pk]), {"email": "a@b.nl"}).status_code
        == 403
    )
    estate.refresh_from_db()
    assert estate.email == "koen.1@example.net"
