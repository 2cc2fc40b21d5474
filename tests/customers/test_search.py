"""Customer search: each stage, normalisation, filters, masking, authorization, constant queries."""

import pytest

from adapters.contracts import HeldProductRecord, PartyRecord
from customers.imports import held_products_import, parties_import
from customers.models import Customer
from tests.factories.customers import person
from tests.tmf import assert_tmf_error, queries_for

SEARCH = "/api/v1/customers/search"


@pytest.fixture
def estate(db):
    parties_import(
        "crm",
        [
            person(1, "Koen", "Bakker", postcode="1011AB"),
            person(2, "Anna", "de Vries", postcode="3511CD", segment="youth"),
            person(3, "Koen", "Visser", postcode="9711EF"),
        ],
    )
    subscription = HeldProductRecord(
        "SUB-9", holder=PartyRecord("holder:SUB-9", phone="+31687654321", account_refs=("A1",)), name="Mobile M"
    )
    held_products_import("mobile", [subscription])
    return {c.given_name + c.family_name: c for c in Customer.objects.all()}


@pytest.fixture
def agent(staff_client):
    return staff_client("agent")


def found(client, **params) -> tuple[str, list[str]]:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    body = response.json()
    return body["stage"], [hit["name"] for hit in body["result"]]


@pytest.mark.django_db
class TestStages:
    @pytest.mark.parametrize("q", ["06 0000 0001", "+31 6 0000 0001", "0031600000001", "06-00000001"])
    def test_a_phone_in_any_notation(self, agent, estate, q):
        assert found(agent, q=q) == ("identifier", ["Koen Bakker"])

    def test_an_msisdn_held_in_the_mobile_stack(self, agent, estate):
        response = agent.get(SEARCH, {"q": "+31 6 8765 4321"}).json()
        assert [h["name"] for h in response["result"]] == ["Koen Bakker"] and response["result"][0][
            "matchedBy"
        ] == "phone"
        assert response["result"][0]["systems"] == ["crm", "mobile"]

    @pytest.mark.parametrize(
        "q,who,matched",
        [
            ("ANNA.2@EXAMPLE.NET", "Anna de Vries", "email"),
            ("A3", "Koen Visser", "account"),
            ("NID2", "Anna de Vries", "national_id"),
            ("C3", "Koen Visser", "crm record"),
            ("SUB-9", "Koen Bakker", "mobile product"),
        ],
    )
    def test_other_identifiers(self, agent, estate, q, who, matched):
        body = agent.get(SEARCH, {"q": q}).json()
        assert body["stage"] == "identifier"
        assert [(h["name"], h["matchedBy"]) for h in body["result"]] == [(who, matched)]

    def test_a_numeric_national_id_is_found_although_it_looks_like_a_phone(self, agent, estate):
        parties_import("crm", [person(7, "Bram", "Smit", national_id="123456789")])
        assert found(agent, q="123456789") == ("identifier", ["Bram Smit"])

    def test_names_are_matched_fuzzily_and_ranked(self, agent, estate):
        stage, names = found(agent, q="koen bakkr")
        assert stage == "name" and names[0] == "Koen Bakker"
        assert found(agent, q="Anna Vries")[1] == ["Anna de Vries"]
        assert found(agent, q="zzzz qqqq") == ("name", [])

    def test_filters_narrow_both_stages(self, agent, estate):
        assert found(agent, q="Koen", postcode="9711 ef")[1] == ["Koen Visser"]
        assert found(agent, q="Koen", birthDate="1980-01-02")[1] == ["Koen Bakker"]
        assert found(agent, q="Anna", segment="consumer")[1] == []
        assert found(agent, q="Koen", system="mobile")[1] == ["Koen Bakker"]
        assert found(agent, q="06 0000 0001", postcode="3511CD") == ("identifier", [])


@pytest.mark.django_db
class TestMasking:
    def test_agents_see_just_enough_to_identify(self, agent, estate):
        hit = agent.get(SEARCH, {"q": "A1"}).json()["result"][0]
        assert hit["email"] == "k***@example.net" and hit["phone"] == "+316******01"
        assert hit["birthDate"] == "1980" and hit["postcode"] == "1011AB"

    def test_supervisors_and_entitled_applications_see_everything(self, staff_client, make_client, estate):
        for client in (staff_client("supervisor"), make_client("callcentre", ("customers:read", "customers:pii"))):
            hit = client.get(SEARCH, {"q": "A1"}).json()["result"][0]
            assert hit["email"] == "koen.1@example.net" and hit["phone"] == "+31600000001"
            assert hit["birthDate"] == "1980-01-02"

    def test_applications_without_the_pii_scope_see_it_masked(self, make_client, estate):
        hit = make_client("web", ("customers:read",)).get(SEARCH, {"q": "A1"}).json()["result"][0]
        assert hit["email"] == "k***@example.net"


@pytest.mark.django_db
class TestAccess:
    def test_who_may_search(self, anonymous, web, staff_client, estate):
        assert_tmf_error(anonymous.get(SEARCH, {"q": "Koen"}), 401)
        assert_tmf_error(web.get(SEARCH, {"q": "Koen"}), 403)
        assert_tmf_error(staff_client("catalog_manager").get(SEARCH, {"q": "Koen"}), 403)

    def test_a_customer_token_does_not_search(self, make_client, estate):
        """Search is for finding customers (agents, channel applications); a customer token acts for one."""
        from tests.factories.customers import as_customer

        koen = as_customer(make_client("web", ("customers:token",)), estate["KoenBakker"])
        assert_tmf_error(koen.get(SEARCH, {"q": "Anna"}), 403)

    @pytest.mark.parametrize(
        "params",
        [{}, {"q": "K"}, {"q": "Koen", "limit": 0}, {"q": "Koen", "birthDate": "14.03.1985"}, {"q": "x" * 201}],
    )
    def test_bad_input(self, agent, estate, params):
        assert_tmf_error(agent.get(SEARCH, params), 400)


@pytest.mark.django_db
def test_queries_do_not_grow_with_results(agent):
    def household(size: int) -> None:
        shared = {"phone": "+31699999999"}
        parties_import("crm", [person(100 + i, "Member", f"Family{i}", **shared) for i in range(size)])

    household(2)
    agent.get(SEARCH, {"q": "06 9999 9999"})
    few = queries_for(lambda: agent.get(SEARCH, {"q": "06 9999 9999"}))
    household_more = [person(200 + i, "Member", f"Other{i}", phone="+31699999999") for i in range(18)]
    parties_import("crm", household_more)
    many = queries_for(lambda: agent.get(SEARCH, {"q": "06 9999 9999"}))
    assert few == many
    assert len(agent.get(SEARCH, {"q": "06 9999 9999"}).json()["result"]) == 20
