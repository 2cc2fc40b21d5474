"""GET /api/v1/customers/{id}/360: the converged picture, who may see it, and what it costs."""

from datetime import UTC, datetime

import pytest

from adapters.contracts import HeldProductRecord, PartyRecord
from catalog.models import Recommendation
from customers.imports import held_products_import, parties_import
from customers.models import Consent, Customer, Interaction
from tests.factories.catalog import OfferingFactory
from tests.factories.customers import person
from tests.tmf import assert_tmf_error, queries_for


def url(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/360"


def subscription(number: int, plan: str, account: str = "A1") -> HeldProductRecord:
    holder = PartyRecord(f"holder:SUB-{number}", phone=f"+3165555{number:04d}", account_refs=(account,))
    return HeldProductRecord(
        f"SUB-{number}", holder=holder, name=plan, characteristics={"MSISDN": f"+3165555{number:04d}"}
    )


@pytest.fixture
def koen(db, channels):
    parties_import("crm", [person(1, "Koen", "Bakker"), person(2, "Anna", "de Vries")])
    held_products_import("mobile", [subscription(1, "Mobile M 50 GB")])
    line = HeldProductRecord(
        "FL1",
        holder=PartyRecord("subscriber:FL1", email="koen.1@example.net"),
        name="Fibre 500 Mbps",
        characteristics={"Speed": "500"},
    )
    held_products_import("fixed", [line])
    # Shipment to the household line of someone unknown: kept apart, suggested as a duplicate.
    customer = Customer.objects.get(links__external_id="C1")
    Consent.objects.create(
        customer=customer, purpose="marketing", granted=True, recorded_at=datetime(2026, 1, 5, tzinfo=UTC), source="web"
    )
    held = OfferingFactory(name="Mobile M 50 GB", channels=[channels["callcentre"]])
    upsell = OfferingFactory(name="Mobile L Unlimited", channels=[channels["callcentre"]])
    web_only = OfferingFactory(name="Web deal", channels=[channels["web"]])
    Recommendation.objects.create(source=held, target=upsell, kind="upsell", rank=1, reason="Never run out of data")
    Recommendation.objects.create(source=held, target=web_only, kind="cross_sell", rank=2)
    return customer


@pytest.mark.django_db
class TestContent:
    def test_the_whole_picture_for_an_agent(self, staff_client, koen):
        body = staff_client("agent").get(url(koen)).json()
        assert body["name"] == "Koen Bakker" and body["href"].endswith(f"/customer/{koen.pk}")
        assert body["personal"]["email"] == "k***@example.net" and body["personal"]["birthDate"] == "1980"
        assert {system: [p["name"] for p in products] for system, products in body["productsBySystem"].items()} == {
            "fixed": ["Fibre 500 Mbps"],
            "mobile": ["Mobile M 50 GB"],
        }
        # The MSISDN is the phone number the personal data masks: masked there too.
        assert body["productsBySystem"]["mobile"][0]["characteristic"] == {"MSISDN": "+316******01"}
        assert [a["number"] for a in body["billingAccount"]] == ["A1"]
        assert {r["system"] for r in body["sourceRecord"]} == {"crm", "mobile", "fixed"}
        assert body["consent"] == [
            {"purpose": "marketing", "granted": True, "recordedAt": "2026-01-05T00:00:00.000Z", "source": "web"}
        ]
        # The call centre sells the upsell, not the web-only deal.
        assert [(r["productOffering"]["name"], r["kind"]) for r in body["recommendedOffering"]] == [
            ("Mobile L Unlimited", "upsell")
        ]
        assert body["recommendedOffering"][0]["because"] == "holds Mobile M 50 GB"

    def test_supervisors_see_full_personal_data(self, staff_client, koen):
        body = staff_client("supervisor").get(url(koen)).json()
        personal = body["personal"]
        assert personal["email"] == "koen.1@example.net" and personal["phone"] == "+31600000001"
        assert body["productsBySystem"]["mobile"][0]["characteristic"] == {"MSISDN": "+31655550001"}

    def test_possible_duplicates_are_shown(self, staff_client, koen):
        agent = staff_client("agent")
        shipment = HeldProductRecord(
            "SHP1", holder=PartyRecord("recipient:SHP1", phone="+31600000001"), name="Aurora X"
        )
        held_products_import("logistics", [shipment])
        # The recipient's phone is Koen's alone: with nothing stronger it links to him, no duplicate.
        assert agent.get(url(koen)).json()["possibleDuplicate"] == []
        parties_import("crm", [person(3, "Kim", "Bakker", phone="+31600000001")])
        shipment = HeldProductRecord(
            "SHP2", holder=PartyRecord("recipient:SHP2", phone="+31600000001"), name="Aurora X"
        )
        held_products_import("logistics", [shipment])
        recipient = Customer.objects.get(links__external_id="recipient:SHP2")
        body = agent.get(url(recipient)).json()
        assert {d["customer"]["name"] for d in body["possibleDuplicate"]} == {"Koen Bakker", "Kim Bakker"}


@pytest.mark.django_db
class TestRecordsAndAccess:
    def test_every_agent_view_is_recorded_and_shown_next_time(self, staff_client, koen):
        agent = staff_client("agent")
        agent.get(url(koen))
        body = agent.get(url(koen)).json()
        assert Interaction.objects.filter(customer=koen, kind="view_360").count() == 2
        assert (
            body["lastInteraction"][0]["actor"] == "agent:agent-user"
            and body["lastInteraction"][0]["channel"] == "callcentre"
        )

    def test_applications_views_are_not_agent_actions_and_etag_works(self, make_client, koen):
        app = make_client("callcentre", ("customers:read",))
        first = app.get(url(koen))
        again = app.get(url(koen), HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and not Interaction.objects.exists()

    def test_a_customer_token_reaches_no_360(self, make_client, koen):
        """The 360° is the agents' picture: it names other customers (possible duplicates) and the staff who
        acted. A customer reads their own data through the TMF APIs instead."""
        from tests.factories.customers import as_customer

        me = as_customer(make_client("web", ("customers:token",)), koen)
        assert_tmf_error(me.get(url(koen)), 403)
        assert_tmf_error(me.get(url(Customer.objects.get(links__external_id="C2"))), 403)

    def test_who_may_not(self, anonymous, web, staff_client, koen):
        assert_tmf_error(anonymous.get(url(koen)), 401)
        assert_tmf_error(web.get(url(koen)), 403)
        assert_tmf_error(staff_client("catalog_manager").get(url(koen)), 403)
        assert_tmf_error(staff_client("agent").get("/api/v1/customers/nobody/360"), 404)
        assert not Interaction.objects.exists()


@pytest.mark.django_db
def test_queries_do_not_grow_with_what_the_customer_holds(make_client, koen):
    app = make_client("callcentre", ("customers:read",))
    app.get(url(koen))
    few = queries_for(lambda: app.get(url(koen)))
    held_products_import("mobile", [subscription(n, f"Plan {n}") for n in range(10, 28)])
    many = queries_for(lambda: app.get(url(koen)))
    assert few == many
    assert sum(len(p) for p in app.get(url(koen)).json()["productsBySystem"].values()) == 20
