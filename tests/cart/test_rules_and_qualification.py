"""Each rule kind through the cart's validation, and TMF679 qualification with the fixed stack up, slow and down."""

from datetime import date

import pytest

from adapters.simulator import data as simulated
from catalog.rules import BuyerFacts, Line, RuleData, evaluate
from customers.models import Consent
from tests.factories.carts import CART, line, new_cart
from tests.factories.catalog import rule
from tests.factories.customers import HeldProductFactory
from tests.tmf import assert_tmf_error

POQ = "/tmf-api/productOfferingQualification/v4/productOfferingQualification"
TODAY = date(2026, 11, 24)


def problems(client, cart_id) -> list[str]:
    return [p["message"] for p in client.get(f"{CART}/{cart_id}").json()["validation"]["problem"]]


# --- the engine, pure ---------------------------------------------------------------------------
def check(kind, value="", other="", buyer=None, lines=None, channel="web"):
    buyer = buyer or BuyerFacts()
    rules = {"o": [RuleData("o", kind, value, "x" if other else None, other)]}
    lines = lines or [Line("1", "o", "Offer", 1)]
    return [p.message for p in evaluate(lines, rules, buyer, channel, TODAY)]


def test_segment_channel_age_consent_region():
    assert check("segment", "business", buyer=BuyerFacts(segment="consumer")) == [
        "'Offer' is only for business customers."
    ]
    assert check("segment", "business,consumer", buyer=BuyerFacts(segment="consumer")) == []
    assert check("channel", "store", channel="web") == ["'Offer' can only be bought through store."]
    assert check("min_age", "18", buyer=BuyerFacts(birth_date=date(2010, 1, 1))) == [
        "'Offer' is only for customers aged 18 or over."
    ]
    assert check("min_age", "18", buyer=BuyerFacts(birth_date=date(2008, 11, 24))) == []  # 18 today
    assert "date of birth" in check("min_age", "18")[0]
    assert check("consent", "marketing") == ["'Offer' needs your consent to marketing."]
    assert check("consent", "marketing", buyer=BuyerFacts(consents=frozenset({"marketing"}))) == []
    assert check("region", "10, 11", buyer=BuyerFacts(postcode="1011 AB")) == []
    assert check("region", "20", buyer=BuyerFacts(postcode="1011AB")) == ["'Offer' is not available in your region."]


def test_held_requires_excludes_and_maximum():
    assert check("requires_held", other="Fibre") == ["'Offer' is only for customers who already have 'Fibre'."]
    assert check("requires_held", other="Fibre", buyer=BuyerFacts(held={"Fibre": 1})) == []
    # Terminating the product it depends on in the same cart does not count as holding it.
    ending = [Line("1", "o", "Offer", 1), Line("2", "", "", 1, removes="Fibre")]
    assert check("requires_held", other="Fibre", buyer=BuyerFacts(held={"Fibre": 1}), lines=ending)
    assert check("requires", other="Plan") == ["'Offer' needs 'Plan': add it to your cart."]
    assert check("requires", other="Plan", lines=[Line("1", "o", "Offer", 1), Line("2", "p", "Plan", 1)]) == []
    assert check("excludes", other="Plan", buyer=BuyerFacts(held={"Plan": 1})) == [
        "'Offer' cannot be combined with 'Plan'."
    ]
    assert check("max_per_customer", "2", buyer=BuyerFacts(held={"Offer": 1}), lines=[Line("1", "o", "Offer", 2)]) == [
        "You can have at most 2 of 'Offer'."
    ]
    assert check("max_per_customer", "2", buyer=BuyerFacts(held={"Offer": 1})) == []


def test_anonymous_buyers_are_asked_to_sign_in_not_refused():
    found = evaluate([Line("1", "o", "Offer", 1)], {"o": [RuleData("o", "segment", "business")]}, None, "web", TODAY)
    assert found[0].undetermined and found[0].message.startswith("Sign in")


# --- through the cart ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_cart_lists_what_is_wrong_per_item_and_checkout_refuses_it(carts_app, shop, alice):
    rule(shop.addon, "requires_held", other=shop.plan)
    rule(shop.tv, "min_age", "18")
    rule(shop.phone, "consent", "marketing", message="Sign up for our newsletter to get this phone deal.")
    web = carts_app("web")
    cart = new_cart(web, alice, [line(shop.addon), line(shop.tv), line(shop.phone)]).json()
    by_item = {p["cartItemId"]: p["message"] for p in cart["validation"]["problem"]}
    assert cart["validation"]["valid"] is False
    assert by_item[cart["cartItem"][0]["id"]] == "'Roaming pack' is only for customers who already have 'Unlimited 5G'."
    assert "date of birth" in by_item[cart["cartItem"][1]["id"]]
    assert by_item[cart["cartItem"][2]["id"]] == "Sign up for our newsletter to get this phone deal."
    refused = web.post(f"/api/v1/carts/{cart['id']}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert len(assert_tmf_error(refused, 422, "cartNotValid")["validation"]) == 3
    # Once the customer qualifies, the cart is valid.
    HeldProductFactory(customer=alice, name="Unlimited 5G")
    alice.birth_date = date(1990, 5, 1)
    alice.save()
    Consent.objects.create(
        customer=alice, purpose="marketing", granted=True, recorded_at="2026-01-01T00:00:00Z", source="web"
    )
    assert problems(web, cart["id"]) == []
    # Checkout reads the consents and held products with the cart's row: what they say now counts there too.
    Consent.objects.filter(customer=alice, purpose="marketing").update(granted=False)
    refused = web.post(f"/api/v1/carts/{cart['id']}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert [p["message"] for p in assert_tmf_error(refused, 422, "cartNotValid")["validation"]] == [
        "Sign up for our newsletter to get this phone deal."
    ]
    Consent.objects.filter(customer=alice, purpose="marketing").update(granted=True)
    done = web.post(f"/api/v1/carts/{cart['id']}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="k3")
    assert done.status_code == 201, done.content


@pytest.mark.django_db
def test_modify_and_delete_lines_act_on_held_products(carts_app, customer_client, shop, alice, bob):
    held = HeldProductFactory(customer=alice, name="Old plan")
    bobs = HeldProductFactory(customer=bob, name="Bob's plan")
    web = carts_app("web")
    cart = new_cart(
        web,
        alice,
        [
            {"action": "modify", "productOffering": {"id": shop.plan.pk}, "product": {"id": held.pk}},
            {
                "action": "add",
                "productOffering": {"id": shop.addon.pk},
                "product": {"productRelationship": [{"relationshipType": "addOn", "product": {"id": held.pk}}]},
            },
        ],
    ).json()
    modify, addon = cart["cartItem"]
    assert modify["product"]["id"] == held.pk and modify["action"] == "modify"
    assert addon["product"]["productRelationship"][0]["product"]["id"] == held.pk
    ending = {"action": "delete", "product": {"id": held.pk}}
    body = web.post(f"/api/v1/carts/{cart['id']}/items", ending, format="json").json()
    assert body["cartItem"][2]["action"] == "delete" and "itemPrice" not in body["cartItem"][2]
    # Someone else's product is not there to change.
    other = {"action": "delete", "product": {"id": bobs.pk}}
    assert_tmf_error(web.post(f"/api/v1/carts/{cart['id']}/items", other, format="json"), 422)


# --- TMF679 with the fixed stack ------------------------------------------------------------------
def postcode(serviceable: bool) -> str:
    for n in range(1000, 2000):
        candidate = f"{n}AB"
        if simulated.serviceability(42, candidate, "")["serviceable"] is serviceable:
            return candidate
    raise AssertionError("no such postcode")


def qualify(client, offerings, place=None, customer=None):
    body = {
        "productOfferingQualificationItem": [
            {"id": str(i), "productOffering": {"id": o.pk}} for i, o in enumerate(offerings)
        ]
    }
    if place:
        body["place"] = [
            {"role": "installationAddress", "postcode": place, "streetNr": "1", "@type": "GeographicAddress"}
        ]
    if customer:
        body["relatedParty"] = [{"id": customer.pk, "role": "customer", "@referredType": "Customer"}]
    return client.post(POQ, body, format="json")


def results(response) -> dict:
    return {
        i["productOffering"]["id"]: (
            i["qualificationItemResult"],
            [r["code"] for r in i.get("eligibilityUnavailabilityReason", [])],
        )
        for i in response.json()["productOfferingQualificationItem"]
    }


@pytest.mark.django_db
def test_qualification_asks_the_fixed_stack_and_reads_back(carts_app, shop, systems, simulator):
    web = carts_app("web")
    yes = qualify(web, [shop.fibre, shop.bundle, shop.plan], place=postcode(True))
    assert yes.status_code == 201, yes.content
    assert yes.json()["@type"] == "ProductOfferingQualification" and yes.json()["state"] == "done"
    assert results(yes) == {
        shop.fibre.pk: ("qualified", []),
        shop.bundle.pk: ("qualified", []),
        shop.plan.pk: ("qualified", []),
    }
    assert web.get(f"{POQ}/{yes.json()['id']}").json() == yes.json()
    no = qualify(web, [shop.fibre, shop.plan], place=postcode(False))
    assert results(no)[shop.fibre.pk] == ("unqualified", ["notServiceable"])
    assert no.json()["qualificationResult"] == "partial"
    # Asked twice within the cache time, the fixed stack is called once per address.
    before = simulator.stats().get("fixed", 0)
    qualify(web, [shop.fibre], place=postcode(True))
    assert simulator.stats().get("fixed", 0) == before


@pytest.mark.django_db
def test_a_down_or_slow_fixed_stack_means_unknown_never_yes(carts_app, shop, systems, simulator, settings):
    web = carts_app("web")
    simulator.control("faults", {"system": "fixed", "error_rate": 1.0})
    down = qualify(web, [shop.fibre, shop.plan], place=postcode(True))
    assert results(down)[shop.fibre.pk] == ("unknown", ["serviceabilityUnknown"])
    assert results(down)[shop.plan.pk] == ("qualified", [])
    simulator.control("faults", {"system": "fixed", "error_rate": 0, "latency_ms": 1500})
    settings.SERVICEABILITY_TIMEOUT_SECONDS = 0.3
    from adapters import http

    http._BREAKERS.clear()
    slow = qualify(web, [shop.fibre], place=postcode(True))
    assert results(slow)[shop.fibre.pk] == ("unknown", ["serviceabilityUnknown"])
    label = slow.json()["productOfferingQualificationItem"][0]["eligibilityUnavailabilityReason"][0]["label"]
    assert "timed out" in label


@pytest.mark.django_db
def test_qualification_for_a_customer_uses_their_rules_and_address(
    carts_app, customer_client, shop, alice, bob, systems
):
    rule(shop.tv, "segment", "business")
    alice.postcode = postcode(False)
    alice.save()
    response = qualify(customer_client(alice), [shop.tv, shop.fibre])
    assert results(response) == {
        shop.tv.pk: ("unqualified", ["rule:segment"]),
        shop.fibre.pk: ("unqualified", ["notServiceable"]),
    }
    # A customer asks only for themself, and reads back only their own answers.
    assert_tmf_error(qualify(customer_client(alice), [shop.tv], customer=bob), 403)
    assert_tmf_error(customer_client(bob).get(f"{POQ}/{response.json()['id']}"), 404)
    anonymous_cart = qualify(carts_app("web"), [shop.fibre])
    assert results(anonymous_cart)[shop.fibre.pk] == ("unknown", ["addressNeeded"])


@pytest.mark.django_db
def test_checkout_refuses_what_cannot_be_delivered_and_what_cannot_be_confirmed(
    carts_app, shop, alice, systems, simulator
):
    web = carts_app("web")
    alice.postcode = postcode(False)
    alice.save()
    cart_id = new_cart(web, alice, [line(shop.fibre)]).json()["id"]
    refused = web.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="a")
    assert_tmf_error(refused, 422, "notServiceable")
    simulator.control("faults", {"system": "fixed", "error_rate": 1.0})
    place = {"place": {"postcode": postcode(True), "streetNr": "2"}}
    unknown = web.post(f"/api/v1/carts/{cart_id}/checkout", place, format="json", HTTP_IDEMPOTENCY_KEY="b")
    assert_tmf_error(unknown, 503, "serviceabilityUnknown")
    simulator.control("faults", {"system": "fixed", "error_rate": 0})
    from adapters import http

    http._BREAKERS.clear()
    done = web.post(f"/api/v1/carts/{cart_id}/checkout", place, format="json", HTTP_IDEMPOTENCY_KEY="c")
    assert done.status_code == 201, done.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"productOfferingQualificationItem": "x"},
        {"productOfferingQualificationItem": [{"id": "1"}]},
        {"place": [{"role": "x"}]},
    ],
)
def test_bad_qualification_requests_are_400(carts_app, body):
    assert_tmf_error(carts_app("web").post(POQ, body, format="json"), 400)
