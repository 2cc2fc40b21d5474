"""Customers look after themselves: their own contact details and consents, and nobody else's."""

import pytest
from rest_framework.test import APIClient

from customers.models import Consent, Interaction
from tests.factories.customers import CustomerFactory
from tests.tmf import assert_tmf_error

pytestmark = pytest.mark.django_db
INDIVIDUALS = "/tmf-api/party/v4/individual"


@pytest.fixture
def as_customer(make_client):
    app = make_client("mobile", ("customers:token",))

    def make(customer) -> APIClient:
        token = app.post("/api/v1/auth/customer-token", {"customer": {"id": customer.pk}}, format="json").json()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token['token']}")
        return client

    return make


def consents(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/consents"


def contact(email=None, phone=None) -> dict:
    media = []
    if email:
        media.append({"mediumType": "email", "characteristic": {"emailAddress": email}})
    if phone:
        media.append({"mediumType": "phone", "characteristic": {"phoneNumber": phone}})
    return {"contactMedium": media}


def test_a_customer_changes_their_own_contact_details(as_customer):
    me = CustomerFactory(email="old@example.com")
    response = as_customer(me).patch(
        f"{INDIVIDUALS}/{me.pk}", contact("New@Example.com", "06 12 34 56 78"), format="json"
    )
    assert response.status_code == 200, response.content
    me.refresh_from_db()
    assert (me.email, me.phone) == ("new@example.com", "+31612345678")
    assert Interaction.objects.filter(customer=me, kind="edit", summary__startswith="Changed own").exists()


def test_a_customer_cannot_change_anything_else_or_anyone_else(as_customer):
    me, other = CustomerFactory(given_name="Ann"), CustomerFactory(email="other@example.com")
    client = as_customer(me)
    assert_tmf_error(client.patch(f"{INDIVIDUALS}/{me.pk}", {"givenName": "Queen"}, format="json"), 403)
    assert_tmf_error(client.patch(f"{INDIVIDUALS}/{other.pk}", contact("me@evil.example"), format="json"), 404)
    assert_tmf_error(client.post(INDIVIDUALS, {"givenName": "A", "familyName": "B"}, format="json"), 403)
    assert_tmf_error(client.delete(f"{INDIVIDUALS}/{me.pk}"), 403)
    customer_url = f"/tmf-api/customerManagement/v4/customer/{me.pk}"
    assert_tmf_error(client.patch(customer_url, {"status": "closed"}, format="json"), 403)
    me.refresh_from_db()
    other.refresh_from_db()
    assert me.given_name == "Ann" and other.email == "other@example.com"


def test_bad_contact_details_are_a_400(as_customer):
    me = CustomerFactory(email="keep@example.com")
    assert_tmf_error(as_customer(me).patch(f"{INDIVIDUALS}/{me.pk}", contact("not-an-email"), format="json"), 400)
    me.refresh_from_db()
    assert me.email == "keep@example.com"


def test_a_customer_records_and_reads_their_consents(as_customer):
    me = CustomerFactory()
    client = as_customer(me)
    response = client.post(consents(me), {"purpose": "marketing", "granted": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["source"] == "mobile" and response.json()["recordedAt"].endswith("Z")
    client.post(consents(me), {"purpose": "marketing", "granted": False}, format="json")
    listed = client.get(consents(me)).json()
    assert [(c["purpose"], c["granted"]) for c in listed] == [("marketing", False)]
    assert Interaction.objects.filter(customer=me, kind="consent").count() == 2


def test_consents_of_others_stay_out_of_reach(as_customer):
    me, other = CustomerFactory(), CustomerFactory()
    client = as_customer(me)
    assert_tmf_error(client.get(consents(other)), 404)
    assert_tmf_error(client.post(consents(other), {"purpose": "marketing", "granted": True}, format="json"), 404)
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"purpose": "spam", "granted": True}, {"purpose": "marketing"}, {"purpose": "marketing", "granted": "x"}],
)
def test_bad_consents_are_a_400(as_customer, body):
    me = CustomerFactory()
    assert_tmf_error(as_customer(me).post(consents(me), body, format="json"), 400)
    assert not Consent.objects.exists()


def test_applications_need_the_right_scope(make_client, anonymous):
    customer = CustomerFactory()
    reader = make_client("callcentre", ("customers:read",))
    writer = make_client("callcentre", ("customers:read", "customers:write"))
    assert reader.get(consents(customer)).status_code == 200
    assert_tmf_error(reader.post(consents(customer), {"purpose": "profiling", "granted": True}, format="json"), 403)
    assert writer.post(consents(customer), {"purpose": "profiling", "granted": True}, format="json").status_code == 200
    assert_tmf_error(anonymous.get(consents(customer)), 401)
    assert_tmf_error(make_client("web").get(consents(customer)), 403)  # no customers:read: refused whoever it is


def test_listing_consents_costs_the_same_queries_for_one_as_for_all(make_client):
    from django.utils import timezone

    from tests.tmf import queries_for

    few, many = CustomerFactory(), CustomerFactory()
    now = timezone.now()
    Consent.objects.create(customer=few, purpose="marketing", granted=True, recorded_at=now, source="web")
    for purpose in Consent.Purpose.values:
        Consent.objects.create(customer=many, purpose=purpose, granted=False, recorded_at=now, source="web")
    reader = make_client("callcentre", ("customers:read",))
    reader.get(consents(few))  # the token is verified (and remembered) once
    assert queries_for(lambda: reader.get(consents(few))) == queries_for(lambda: reader.get(consents(many))) == 2
