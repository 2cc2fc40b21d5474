"""A storefront exchanges the user it signed in for a customer token, without knowing Overlay's ids.

Regression: POST /api/v1/auth/customer-token needed Overlay's customer id, and a web application with
the demo's scopes got 403 from search and from POST individual: a storefront could not find or register
its own signed-in user.
"""

import pytest

from customers.models import Customer, CustomerLink, Interaction, LinkSuggestion
from tests.factories.customers import CustomerFactory, LinkFactory
from tests.tmf import assert_tmf_error

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/customer-token"
ME = "/tmf-api/party/v4/individual"


@pytest.fixture
def storefront(make_client):
    return make_client("web", ("customers:token", "customers:register"))


def sign_in(client, register=False, **identity):
    return client.post(TOKEN, {"identity": identity, "register": register}, format="json")


def as_token(response):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    return client


def test_a_verified_email_in_any_notation_finds_the_customer_and_the_subject_is_remembered(storefront):
    daan = CustomerFactory(email="")
    LinkFactory(customer=daan, system="crm", email="daan.jansen@example.net")
    first = sign_in(storefront, sub="idp|42", email=" Daan.Jansen@Example.NET ", email_verified=True)
    assert first.status_code == 201, first.content
    assert first.json()["customer"] == {"id": daan.pk} and first.json()["signIn"] == "linked"
    link = CustomerLink.objects.get(external_id="idp|42")
    assert link.customer_id == daan.pk and link.system == f"app:{storefront.api_client.pk}"
    # Next time the subject alone is enough (the e-mail may have changed at the identity provider).
    again = sign_in(storefront, sub="idp|42")
    assert again.json()["customer"] == {"id": daan.pk} and again.json()["signIn"] == "known"
    assert as_token(again).get(f"{ME}/{daan.pk}").status_code == 200
    assert Interaction.objects.filter(customer=daan, kind="sign-in").count() == 1


def test_an_unverified_email_matches_nobody(storefront):
    daan = CustomerFactory(email="daan@example.net")
    response = sign_in(storefront, sub="idp|1", email="daan@example.net", email_verified=False)
    assert assert_tmf_error(response, 404, "unknownIdentity")
    assert not CustomerLink.objects.filter(customer=daan).exists()


def test_a_new_visitor_is_registered_as_a_prospect_when_allowed(storefront, make_client):
    before = Customer.objects.count()
    response = sign_in(
        storefront, register=True, sub="idp|new", email="nieuw@example.net", email_verified=True, given_name="Nina"
    )
    assert response.status_code == 201 and response.json()["signIn"] == "registered"
    prospect = Customer.objects.get(pk=response.json()["customer"]["id"])
    assert (prospect.status, prospect.email, prospect.given_name) == ("prospect", "nieuw@example.net", "Nina")
    assert Customer.objects.count() == before + 1
    # Without customers:register nobody is created.
    signer = make_client("web", ("customers:token",))
    assert_tmf_error(sign_in(signer, register=True, sub="idp|x", email="x@example.net", email_verified=True), 403)
    assert_tmf_error(sign_in(signer, sub="idp|x", email="x@example.net", email_verified=True), 404)
    assert Customer.objects.count() == before + 1


def test_several_matches_are_never_guessed_but_kept_for_an_agent(storefront):
    twins = [CustomerFactory(phone="+31611112222"), CustomerFactory(phone="+31611112222")]
    response = sign_in(
        storefront, register=True, sub="idp|twin", phone_number="06 1111 2222", phone_number_verified=True
    )
    assert_tmf_error(response, 409, "ambiguousIdentity")
    kept = CustomerLink.objects.get(external_id="idp|twin").customer
    assert kept.status == "prospect"
    assert set(LinkSuggestion.objects.filter(customer=kept).values_list("candidate_id", flat=True)) == {
        t.pk for t in twins
    }
    assert_tmf_error(sign_in(storefront, sub="idp|twin"), 409)  # still undecided
    from customers.linking import link_suggestion_confirm

    link_suggestion_confirm(LinkSuggestion.objects.get(customer=kept, candidate=twins[0]))  # an agent decides
    assert sign_in(storefront, sub="idp|twin").json()["customer"] == {"id": twins[0].pk}


def test_a_phone_does_not_settle_what_the_email_contradicts(storefront):
    CustomerFactory(phone="+31633334444", email="someone@example.net")
    response = sign_in(
        storefront,
        sub="idp|hh",
        email="other@example.net",
        email_verified=True,
        phone_number="+31633334444",
        phone_number_verified=True,
    )
    assert_tmf_error(response, 409, "ambiguousIdentity")


@pytest.mark.parametrize(
    "body,status",
    [
        ({}, 400),
        ({"identity": {}}, 422),
        ({"identity": {"email": "not-an-address", "email_verified": True}}, 422),
        ({"identity": {"sub": "x"}, "customer": {"id": "y"}}, 400),
        ({"identity": {"sub": "x" * 101}}, 400),
    ],
)
def test_bad_identities_write_nothing(storefront, body, status):
    before = (Customer.objects.count(), CustomerLink.objects.count())
    assert_tmf_error(storefront.post(TOKEN, body, format="json"), status)
    assert (Customer.objects.count(), CustomerLink.objects.count()) == before


def test_two_applications_subjects_do_not_mix(storefront, make_client):
    daan = CustomerFactory(email="d@example.net")
    sign_in(storefront, sub="same", email="d@example.net", email_verified=True)
    other = make_client("mobile", ("customers:token",))
    assert_tmf_error(sign_in(other, sub="same"), 404)
    assert CustomerLink.objects.filter(customer=daan).count() == 1
