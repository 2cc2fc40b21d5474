"""Customers in the admin: read-only, personal data as the viewer may see it.

Regressions: the admin's customer list and change page showed agents e-mail, phone and national id
in full; the agent role (customers.change_customer) could edit e-mail, phone, national id and birth
date on the change page, saved with no interaction recorded and no event sent.
"""

from datetime import date

import pytest
from django.urls import reverse

from customers.models import Interaction
from events.models import OutboxEvent
from tests.factories.customers import CustomerFactory, HeldProductFactory, LinkFactory
from tests.factories.users import console

pytestmark = pytest.mark.django_db
FULL = ("daan.jansen@example.net", "+31612345678", "NL-123456789", "1990-05-17", "Kerkstraat 12")


@pytest.fixture
def person():
    customer = CustomerFactory(
        email="daan.jansen@example.net",
        phone="+31612345678",
        national_id="NL-123456789",
        birth_date=date(1990, 5, 17),
        street="Kerkstraat",
        house_number="12",
    )
    LinkFactory(customer=customer, email=customer.email, phone=customer.phone, national_id=customer.national_id)
    HeldProductFactory(customer=customer, characteristics={"MSISDN": "+31687654321"})
    return customer


def pages(client, customer) -> list[str]:
    changelist = client.get(reverse("admin:customers_customer_changelist"))
    change = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    product = client.get(reverse("admin:customers_heldproduct_change", args=[customer.held_products.get().pk]))
    assert changelist.status_code == change.status_code == product.status_code == 200
    return [changelist.content.decode(), change.content.decode(), product.content.decode()]


def test_agents_see_personal_data_masked_in_lists_and_change_pages(person):
    for html in pages(console("agent"), person):
        for value in (*FULL, "+31687654321"):
            assert value not in html


def test_supervisors_see_it_in_full(person):
    html = pages(console("supervisor"), person)[1]
    for value in FULL:
        assert value in html


def test_nobody_edits_personal_data_on_the_change_page(person):
    url = reverse("admin:customers_customer_change", args=[person.pk])
    for role in ("agent", "supervisor"):
        client = console(role)
        html = client.get(url).content.decode()
        assert 'name="email"' not in html and 'name="national_id"' not in html and 'name="birth_date"' not in html
        assert client.post(url, {"email": "evil@example.net", "national_id": "X"}).status_code == 403
    person.refresh_from_db()
    assert (person.email, person.national_id) == ("daan.jansen@example.net", "NL-123456789")
    assert not Interaction.objects.exists() and not OutboxEvent.objects.exists()
