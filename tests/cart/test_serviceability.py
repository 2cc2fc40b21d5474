"""Qualification and checkout against what the fixed stack reports per address (over HTTP): technology and speed.

Fibre is no yes where there is only copper, nor 1000 Mbps where the fibre reaches 500.
"""

import pytest

from orchestration.models import ProductOrder
from tests.addresses import FIBRE_500, FIBRE_1000, VDSL_ONLY, postcode_where
from tests.factories.carts import line, new_cart
from tests.tmf import assert_tmf_error, rows_in_database

POQ = "/tmf-api/productOfferingQualification/v4/productOfferingQualification"

pytestmark = pytest.mark.django_db


def ask(client, offerings, postcode, **extra):
    body = {
        "productOfferingQualificationItem": [
            {"id": str(n), "productOffering": {"id": o.pk}} for n, o in enumerate(offerings, start=1)
        ],
        "place": [{"role": "installationAddress", "postcode": postcode, "streetNr": "1"}],
        **extra,
    }
    response = client.post(POQ, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def answers(body) -> dict:
    return {
        i["productOffering"]["name"]: (
            i["qualificationItemResult"],
            [(r["code"], r["label"]) for r in i.get("eligibilityUnavailabilityReason", [])],
        )
        for i in body["productOfferingQualificationItem"]
    }


def test_fibre_is_unqualified_where_the_fixed_stack_offers_only_vdsl(carts_app, broadband, systems):
    where = postcode_where(**VDSL_ONLY)
    found = answers(ask(carts_app(), [broadband.fibre_1000, broadband.vdsl_100, broadband.bundle], where))
    why = f"'Fibre 1000' needs FTTH; at 1 {where} there is VDSL up to 100 Mbps."
    assert found == {
        "Fibre 1000": ("unqualified", [("notServiceable", why)]),
        "VDSL 100": ("qualified", []),
        # A bundle needs what its members need.
        "Fibre 1000 and TV": ("unqualified", [("notServiceable", why.replace("'Fibre 1000'", "'Fibre 1000 and TV'"))]),
    }


def test_an_offering_faster_than_the_line_reaches_is_unqualified(carts_app, broadband, systems):
    where = postcode_where(**FIBRE_500)
    found = answers(ask(carts_app(), [broadband.fibre_1000, broadband.fibre_500, broadband.vdsl_100], where))
    assert found == {
        "Fibre 1000": (
            "unqualified",
            [("notServiceable", f"'Fibre 1000' needs 1000 Mbps; at 1 {where} FTTH reaches 500 Mbps.")],
        ),
        "Fibre 500": ("qualified", []),
        "VDSL 100": ("qualified", []),
    }


def test_everything_qualifies_where_fibre_reaches_1000(carts_app, broadband, systems):
    offerings = [broadband.fibre_1000, broadband.fibre_100, broadband.vdsl_100, broadband.bundle]
    found = answers(ask(carts_app(), offerings, postcode_where(**FIBRE_1000)))
    assert {result for result, _ in found.values()} == {"qualified"}


def test_checkout_refuses_fibre_where_only_vdsl_reaches_and_writes_no_order(carts_app, broadband, alice, bob, systems):
    web = carts_app()
    for customer in (alice, bob):
        customer.postcode = postcode_where(**VDSL_ONLY)
        customer.save()
    cart_id = new_cart(web, alice, [line(broadband.fibre_1000)]).json()["id"]
    before = rows_in_database()
    refused = web.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert "needs FTTH" in assert_tmf_error(refused, 422, "notServiceable")["message"]
    assert rows_in_database() == before and not ProductOrder.objects.exists()
    # Copper is what that address can have.
    cart_id = new_cart(web, bob, [line(broadband.vdsl_100)]).json()["id"]
    done = web.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert done.status_code == 201, done.content


def proposals(body) -> dict:
    return {
        i["productOffering"]["name"]: [
            p["alternateProductOffering"]["name"] for p in i.get("alternateProductOfferingProposal", [])
        ]
        for i in body["productOfferingQualificationItem"]
    }


def test_asked_for_alternatives_the_best_offerings_that_qualify_are_proposed(carts_app, broadband, systems):
    web = carts_app()
    asked = [broadband.fibre_1000, broadband.vdsl_100, broadband.bundle]
    # Only copper here: copper is what can be had instead of fibre.
    copper = ask(web, asked, postcode_where(**VDSL_ONLY), provideAlternative=True)
    assert proposals(copper) == {"Fibre 1000": ["VDSL 100"], "VDSL 100": [], "Fibre 1000 and TV": []}
    proposal = copper["productOfferingQualificationItem"][0]["alternateProductOfferingProposal"][0]
    assert proposal["@type"] == "AlternateProductOfferingProposal" and proposal["id"] == "1"
    assert proposal["alternateProductOffering"]["id"] == broadband.vdsl_100.pk
    # Fibre up to 500: the fastest that fits first.
    slower = ask(web, [broadband.fibre_1000], postcode_where(**FIBRE_500), provideAlternative=True)
    assert proposals(slower) == {"Fibre 1000": ["Fibre 500", "Fibre 100", "VDSL 100"]}
    # Not asked for: none.
    assert proposals(ask(web, [broadband.fibre_1000], postcode_where(**VDSL_ONLY))) == {"Fibre 1000": []}


def test_alternatives_are_few_and_sold_through_the_channel_asked(carts_app, broadband, channels, systems, monkeypatch):
    from orchestration import qualification

    monkeypatch.setattr(qualification, "MAX_ALTERNATIVES", 2)
    broadband.fibre_500.channels.set([channels["store"]])
    body = ask(carts_app(), [broadband.fibre_1000], postcode_where(**FIBRE_500), provideAlternative=True)
    assert proposals(body) == {"Fibre 1000": ["Fibre 100", "VDSL 100"]}
    in_store = ask(
        carts_app(),
        [broadband.fibre_1000],
        postcode_where(**FIBRE_500),
        provideAlternative=True,
        channel={"id": "store"},
    )
    assert proposals(in_store) == {"Fibre 1000": ["Fibre 500", "Fibre 100"]}


def test_the_demo_proposes_vdsl_where_its_fibre_does_not_reach(carts_app, systems):
    from adapters.demo import import_catalogs
    from catalog.demo import load_demo_catalog
    from catalog.models import Category, ProductOffering

    import_catalogs()
    load_demo_catalog()
    web = carts_app()
    fibre_1000 = ProductOffering.objects.get(name="Fibre 1000 Mbps")
    copper = ask(web, [fibre_1000], postcode_where(**VDSL_ONLY), provideAlternative=True)
    assert answers(copper)["Fibre 1000 Mbps"][0] == "unqualified"
    assert proposals(copper) == {"Fibre 1000 Mbps": ["VDSL 100 Mbps"]}
    broadband = Category.objects.get(name="Broadband")
    here = web.post(
        POQ,
        {
            "productOfferingQualificationItem": [{"id": "1", "category": {"id": broadband.pk}}],
            "place": [{"postcode": postcode_where(**FIBRE_500), "streetNr": "1"}],
            "provideOnlyAvailable": True,
        },
        format="json",
    ).json()
    assert [i["productOffering"]["name"] for i in here["productOfferingQualificationItem"]] == [
        "Fibre 100 Mbps",
        "Fibre 500 Mbps",
        "VDSL 100 Mbps",
    ]
