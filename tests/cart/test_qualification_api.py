"""TMF679 requests beyond single offerings: categories ("what can I get here?"), the channel asked for,
what the request said (kept and served under v4's and R18's names), and the input refused whole."""

import pytest

from cart.models import Qualification
from tests.addresses import VDSL_ONLY, postcode_where
from tests.factories.catalog import CategoryFactory, OfferingFactory
from tests.tmf import assert_tmf_error, rows_in_database

POQ = "/tmf-api/productOfferingQualification/v4/productOfferingQualification"

pytestmark = pytest.mark.django_db


def ask(client, items, postcode=None, **extra):
    body = {"productOfferingQualificationItem": items, **extra}
    if postcode:
        body["place"] = [{"role": "installationAddress", "postcode": postcode, "streetNr": "1"}]
    return client.post(POQ, body, format="json")


def listed(body) -> list[tuple]:
    return [
        (
            item["id"],
            item.get("productOffering", {}).get("name"),
            item["qualificationItemResult"],
            [r["code"] for r in item.get("eligibilityUnavailabilityReason", [])],
        )
        for item in body["productOfferingQualificationItem"]
    ]


def in_category(category, only_available=False, item_id="1"):
    return {"id": item_id, "category": {"id": category.pk}}, {"provideOnlyAvailable": only_available}


# --- categories ---------------------------------------------------------------------------------
def test_a_category_lists_each_of_its_offerings_with_its_answer_here(carts_app, broadband, systems):
    item, flags = in_category(broadband.category)
    response = ask(carts_app(), [item], postcode_where(**VDSL_ONLY), **flags)
    assert response.status_code == 201, response.content
    assert listed(response.json()) == [
        ("1.1", "Fibre 100", "unqualified", ["notServiceable"]),
        ("1.2", "Fibre 1000", "unqualified", ["notServiceable"]),
        ("1.3", "Fibre 500", "unqualified", ["notServiceable"]),
        ("1.4", "VDSL 100", "qualified", []),
    ]
    category = response.json()["productOfferingQualificationItem"][0]["category"]
    assert (category["id"], category["name"], category["@referredType"]) == (
        broadband.category.pk,
        "Broadband",
        "Category",
    )
    assert response.json()["qualificationResult"] == "partial"


def test_only_what_qualifies_when_asked_so_and_subcategories_count(carts_app, broadband, channels, systems):
    home = CategoryFactory(name="Home")
    broadband.category.parent = home
    broadband.category.save()
    tv = OfferingFactory(name="TV", channels=list(channels.values()), categories=[home])
    item, flags = in_category(home, only_available=True, item_id="home")
    body = ask(carts_app(), [item], postcode_where(**VDSL_ONLY), **flags).json()
    assert listed(body) == [("home.1", "TV", "qualified", []), ("home.2", "VDSL 100", "qualified", [])]
    assert body["productOfferingQualificationItem"][0]["productOffering"]["id"] == tv.pk
    assert body["provideOnlyAvailable"] is True


def test_a_category_with_nothing_to_list_says_why(carts_app, broadband, channels, systems):
    item, flags = in_category(broadband.category, only_available=True)
    # Without an address nothing can be confirmed: giving one could change the answer.
    assert listed(ask(carts_app(), [item], **flags).json()) == [(("1", None, "unknown", ["addressNeeded"]))]
    fibre_only = CategoryFactory(name="Fibre")
    broadband.fibre_1000.categories.add(fibre_only)
    item, flags = in_category(fibre_only, only_available=True)
    body = ask(carts_app(), [item], postcode_where(**VDSL_ONLY), **flags).json()
    assert listed(body) == [("1", None, "unqualified", ["noneAvailable"])]
    assert body["productOfferingQualificationItem"][0]["category"]["name"] == "Fibre"
    # An unknown category, or one not published, is answered like an offering not sold here.
    hidden = CategoryFactory(name="Hidden", lifecycle_status="In design")
    answered = ask(carts_app(), [{"id": "1", "category": {"id": "nope"}}, {"id": "2", "category": {"id": hidden.pk}}])
    assert listed(answered.json()) == [("1", None, "unqualified", ["notSold"]), ("2", None, "unqualified", ["notSold"])]


def test_offerings_and_categories_in_one_request(carts_app, broadband, shop, systems):
    items = [{"id": "a", "productOffering": {"id": shop.plan.pk}}, in_category(broadband.category)[0]]
    body = ask(carts_app(), items, postcode_where(**VDSL_ONLY), provideOnlyAvailable=True).json()
    # The offering named is answered whatever its answer; the category lists what qualifies.
    assert listed(body) == [("a", "Unlimited 5G", "qualified", []), ("1.1", "VDSL 100", "qualified", [])]


def test_categories_holding_too_many_offerings_are_refused(carts_app, broadband, monkeypatch):
    from cart import qualification

    monkeypatch.setattr(qualification, "MAX_OFFERINGS", 3)
    web = carts_app()
    before = rows_in_database()
    response = ask(web, [in_category(broadband.category)[0]])
    assert "at most 3" in assert_tmf_error(response, 422)["message"]
    assert rows_in_database() == before


# --- the channel asked for ----------------------------------------------------------------------
def test_a_qualification_may_be_for_another_channel(carts_app, channels):
    app_only = OfferingFactory(name="App exclusive", channels=[channels["mobile"]])
    web = carts_app()
    item = [{"id": "1", "productOffering": {"id": app_only.pk}}]
    assert listed(ask(web, item).json()) == [("1", None, "unqualified", ["notSold"])]
    for reference in ("mobile", channels["mobile"].pk):  # its code, or its id in the catalog (TMF620)
        body = ask(web, item, channel={"id": reference, "name": "Mobile app"}).json()
        assert listed(body) == [("1", "App exclusive", "qualified", [])]
        assert body["channel"] == {"id": "mobile", "name": "mobile"}
    assert [q["id"] for q in web.get(POQ, {"channel.id": "mobile"}).json()] == list(
        Qualification.objects.filter(channel="mobile").values_list("pk", flat=True)
    )
    before = rows_in_database()
    refused = ask(web, item, channel={"id": "telepathy"})
    assert assert_tmf_error(refused, 422)["message"] == "channel: there is no channel 'telepathy'."
    assert rows_in_database() == before


# --- what the request said ----------------------------------------------------------------------
def test_what_was_asked_is_kept_under_v4_and_r18_names(carts_app, shop):
    web = carts_app()
    body = ask(
        web,
        [{"id": "7", "productOffering": {"id": shop.plan.pk}}, {"productOffering": {"id": "unknown"}}],
        description="for the shop window",
        expectedQualificationDate="2017-09-21T12:00:00Z",
        provideUnavailabilityReason=False,
    ).json()
    assert body["productOfferingQualificationDateTime"] == body["productOfferingQualificationDate"]
    assert body["productOfferingQualificationDateTime"].endswith("Z")
    assert body["expectedQualificationDate"] == body["requestedPOQCompletionDate"] == "2017-09-21T12:00:00.000Z"
    assert (body["description"], body["provideAlternative"], body["provideUnavailabilityReason"]) == (
        "for the shop window",
        False,
        False,
    )
    # Item ids as asked (numbered by position where missing); no reasons, as asked.
    assert listed(body) == [("7", "Unlimited 5G", "qualified", []), ("2", None, "unqualified", [])]
    assert web.get(f"{POQ}/{body['id']}").json() == body
    later = ask(
        web, [{"id": "1", "productOffering": {"id": shop.plan.pk}}], requestedPOQCompletionDate="2030-01-01T00:00:00Z"
    )
    for name in ("expectedQualificationDate", "requestedPOQCompletionDate"):
        assert [q["id"] for q in web.get(POQ, {name: '"2017-09-21T12:00:00Z"'}).json()] == [body["id"]]
        assert [q["id"] for q in web.get(POQ, {f"{name}.gt": "2020-01-01"}).json()] == [later.json()["id"]]


def test_dotted_fields_select_parts_of_each_item(carts_app, shop):
    web = carts_app()
    created = ask(web, [{"id": "1", "productOffering": {"id": shop.plan.pk}}]).json()
    fields = (
        "id,\nstate,productOfferingQualificationItem.state,productOfferingQualificationItem.qualificationItemResult"
    )
    assert web.get(f"{POQ}/{created['id']}", {"fields": fields}).json() == {
        "id": created["id"],
        "state": "done",
        "productOfferingQualificationItem": [{"state": "done", "qualificationItemResult": "qualified"}],
    }


@pytest.mark.parametrize(
    "body",
    [
        {},  # what to qualify is mandatory
        {"productOfferingQualificationItem": []},
        {"productOfferingQualificationItem": [{"id": "1"}]},
        {"productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": "x"}, "category": {"id": "y"}}]},
        {"productOfferingQualificationItem": [{"id": "1", "category": {}}]},
        {
            "productOfferingQualificationItem": [
                {"id": "1", "category": {"id": "a"}},
                {"id": "1", "category": {"id": "b"}},
            ]
        },
        # The second item is numbered 2 by its position: taken.
        {"productOfferingQualificationItem": [{"id": "2", "category": {"id": "a"}}, {"category": {"id": "b"}}]},
        {"productOfferingQualificationItem": [{"category": {"id": "a"}}], "channel": {"name": "web"}},
        {"productOfferingQualificationItem": [{"category": {"id": "a"}}], "provideAlternative": "maybe"},
        {
            "productOfferingQualificationItem": [{"category": {"id": "a"}}],
            "expectedQualificationDate": "2017-10-05T12:00:00Z",
            "requestedPOQCompletionDate": "2017-10-06T12:00:00Z",
        },
        {"productOfferingQualificationItem": [{"category": {"id": "a"}}], "expectedQualificationDate": "soon"},
        # The kit's "missing parameter mandatory in context".
        {"description": "q", "expectedQualificationDate": "2017-10-05", "provideAlternative": True},
    ],
)
def test_bad_requests_are_400_and_write_nothing(carts_app, body):
    web = carts_app()
    before = rows_in_database()
    assert_tmf_error(web.post(POQ, body, format="json"), 400)
    assert rows_in_database() == before
