"""The request sequence of TM Forum's TMF679 conformance kit (the R18 kit), replayed with its assertions.

The kit asks a qualification of two offerings for one customer through one channel, and one of a
category for another customer through another channel; reads each back; lists them, filtered by
the expected qualification date, the customer and the channel, with ``fields=`` (dotted for the
items' parts); expects 404 for an unknown id and 400 when the items are missing. Each instance
must carry id, href, state, relatedParty, productOfferingQualificationItem and
productOfferingQualificationDateTime. As ``scripts/run_ctk679.py`` does against a running Overlay,
the kit's sample references (customers 14 and 24, offerings 7431 and 66, category 21, channels 1
and 3) point at existing objects here.
"""

import pytest

from tests.tmf import rows_in_database

POQ = "/tmf-api/productOfferingQualification/v4/productOfferingQualification"
MANDATORY = [
    "relatedParty",
    "productOfferingQualificationItem",
    "id",
    "href",
    "productOfferingQualificationDateTime",
    "state",
]


def n1(customer, offerings) -> dict:
    """TC_ProductOfferingQualification_N1: create with the minimum required information."""
    return {
        "description": "qualification for productOffering",
        "expectedQualificationDate": "2017-09-21T12:00:00Z",
        "provideAlternative": True,
        "provideOnlyAvailable": False,
        "provideUnavailabilityReason": True,
        "productOfferingQualificationItem": [
            {
                "id": "1",
                "expectedActivationDate": "2017-10-04T12:00:00Z",
                "productOffering": {
                    "id": offerings[0].pk,
                    "href": " https://host:port/productOffering/productOffering/7431 ",
                    "name": "Virtual Storage Medium",
                },
            },
            {
                "id": "2",
                "expectedActivationDate": "2017-10-11T12:00:00Z",
                "productOffering": {
                    "id": offerings[1].pk,
                    "href": " https://host:port/productOffering/productOffering/66 ",
                    "name": "Mobile A+ Tariff Plan",
                },
            },
        ],
        "relatedParty": [
            {
                "id": customer.pk,
                "href": " https://host:port/partyManagement/individual/14 ",
                "role": "customer",
                "name": "Jean Pontus",
            }
        ],
        "channel": {
            "id": "web",
            "href": " https://host:port/productCatalogManagement/channel/1 ",
            "name": "Online Channel",
        },
    }


def n2(customer, category) -> dict:
    """TC_ProductOfferingQualification_N2: create with a category instead of an offering."""
    return {
        "description": "qualification for productOffering",
        "expectedQualificationDate": "2017-10-05T12:00:00Z",
        "provideAlternative": False,
        "provideOnlyAvailable": True,
        "provideUnavailabilityReason": False,
        "productOfferingQualificationItem": [
            {
                "id": "1",
                "expectedActivationDate": "2017-10-11T12:00:00Z",
                "category": {
                    "id": category.pk,
                    "href": " https://host:port/productOffering/category/21 ",
                    "version": "1.0",
                    "name": "Data Bundle for Mobile",
                },
            }
        ],
        "relatedParty": [
            {
                "id": customer.pk,
                "href": "https://host:port/partyManagement/individual/24",
                "role": "customer",
                "name": "Jean-Luc Tymen",
            }
        ],
        "channel": {
            "id": "mobile",
            "href": "https://host:port/productCatalogManagement/channel/3",
            "name": "Online Channel",
        },
    }


# E2 (missing mandatory parameter) and E3 (missing parameter mandatory in context).
E2 = {
    "description": "qualification for productOffering",
    "expectedQualificationDate": "2017-10-05T12:00:00Z",
    "provideAlternative": True,
    "provideOnlyAvailable": False,
    "provideUnavailabilityReason": True,
    "relatedParty": [{"id": "14", "role": "customer", "name": "Jean Pontus"}],
    "channel": {"id": "1", "name": "Online Channel"},
}
E3 = {
    "description": "qualification for productOffering",
    "expectedQualificationDate": "2017-10-05",
    "provideAlternative": True,
    "provideOnlyAvailable": False,
    "provideUnavailabilityReason": True,
}


def json_of(response, status: int):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def check_instance(instance: dict) -> None:
    assert set(MANDATORY) <= set(instance)
    for attribute in ("id", "href", "productOfferingQualificationDateTime"):
        assert isinstance(instance[attribute], str)
    assert isinstance(instance["relatedParty"], list)
    assert isinstance(instance["productOfferingQualificationItem"], list)


def check_same(instance: dict, created: dict) -> None:
    check_instance(instance)
    for attribute in ("id", "href", "state"):
        assert instance[attribute] == created[attribute]
    assert instance["productOfferingQualificationItem"][0]["id"] == created["productOfferingQualificationItem"][0]["id"]
    assert instance["relatedParty"][0]["id"] == created["relatedParty"][0]["id"]


def test_conformance_kit_sequence(carts_app, broadband, shop, alice, bob, systems):
    app = carts_app()
    created = []
    for body in (n1(alice, [broadband.fibre_1000, shop.plan]), n2(bob, broadband.category)):
        instance = json_of(app.post(POQ, body, format="json", HTTP_ACCEPT="application/json"), 201)
        assert not isinstance(instance, list)
        check_instance(instance)
        check_same(json_of(app.get(f"{POQ}/{instance['id']}"), 200), instance)
        created.append(instance)
    first, second = created

    listed = app.get(f"{POQ}/")
    for instance in json_of(listed, 200):
        for asked in created:
            if instance["id"] == asked["id"]:
                check_same(instance, asked)
    assert first["id"] in listed.content.decode() and second["id"] in listed.content.decode()

    for query in (
        'expectedQualificationDate="2017-09-21T12:00:00Z"',
        f'relatedParty.id="{alice.pk}"&relatedParty.role="customer"',
    ):
        filtered = app.get(f"{POQ}?{query}")
        found = json_of(filtered, 200)
        assert first["id"] in filtered.content.decode(), query
        assert second["id"] not in [i["id"] for i in found], query
        for instance in found:
            if instance["id"] == first["id"]:
                check_same(instance, first)

    fields = (
        "id,\nstate,productOfferingQualificationItem.state,productOfferingQualificationItem.qualificationItemResult"
    )
    selected = json_of(app.get(f"{POQ}/{first['id']}", {"fields": fields}), 200)
    assert sorted(selected) == ["id", "productOfferingQualificationItem", "state"]
    assert (selected["id"], selected["state"]) == (first["id"], first["state"])
    for item in selected["productOfferingQualificationItem"]:
        assert isinstance(item["state"], str) and isinstance(item["qualificationItemResult"], str)

    by_channel = app.get(f'{POQ}?channel.id="web"&fields=id,state')
    for instance in json_of(by_channel, 200):
        assert sorted(instance) == ["id", "state"]
        assert instance["id"] != second["id"]
    assert first["id"] in by_channel.content.decode()

    json_of(app.get(f"{POQ}/2313123"), 404)
    before = rows_in_database()
    for refused in (E2, E3):
        json_of(app.post(POQ, refused, format="json"), 400)
    assert rows_in_database() == before


@pytest.mark.parametrize("offering", ["fibre_1000", "vdsl_100"])
def test_the_kits_answers_say_what_can_be_had(carts_app, broadband, alice, bob, systems, offering):
    """Beyond the kit's shape checks: N1 proposes what qualifies; N2 lists only what qualifies."""
    from tests.addresses import VDSL_ONLY, postcode_where

    alice.postcode = bob.postcode = postcode_where(**VDSL_ONLY)
    alice.save()
    bob.save()
    app = carts_app()
    asked = json_of(app.post(POQ, n1(alice, [getattr(broadband, offering), broadband.vdsl_100]), format="json"), 201)
    first = asked["productOfferingQualificationItem"][0]
    proposed = [p["alternateProductOffering"]["name"] for p in first.get("alternateProductOfferingProposal", [])]
    assert (first["qualificationItemResult"], proposed) == (
        ("unqualified", ["VDSL 100"]) if offering == "fibre_1000" else ("qualified", [])
    )
    category = json_of(app.post(POQ, n2(bob, broadband.category), format="json"), 201)
    assert [i["productOffering"]["name"] for i in category["productOfferingQualificationItem"]] == ["VDSL 100"]
