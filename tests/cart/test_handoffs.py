import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cart.handoffs import ALPHABET
from cart.models import CartEvent, Handoff
from customers.models import Interaction
from tests.factories.carts import line, new_cart
from tests.tmf import assert_tmf_error

pytestmark = pytest.mark.django_db
HANDOFFS = "/api/v1/handoffs"


def hand_off(client, cart_id, **context):
    response = client.post(HANDOFFS, {"shoppingCart": {"id": cart_id}, **context}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def claim(client, code):
    return client.post(f"{HANDOFFS}/{code}/claim", format="json")


def test_a_web_cart_continues_in_the_app_with_its_context(carts_app, shop, alice):
    web, mobile = carts_app("web"), carts_app("mobile")
    cart_id = new_cart(web, alice, [line(shop.phone, characteristics={"Storage": "256GB"})]).json()["id"]
    created = hand_off(
        web,
        cart_id,
        place={"postcode": "1011AB", "streetNr": "1", "city": "Amsterdam"},
        note="Wants the blue one",
        configurator={"colour": "blue", "step": 3},
    )
    assert re.fullmatch(f"[{ALPHABET}]{{8}}", created["code"])
    assert created["deepLink"] == f"overlay://handoff/{created['code']}"
    assert created["qrCode"].startswith("data:image/svg+xml")
    expires = timezone.datetime.fromisoformat(created["expiresAt"].replace("Z", "+00:00"))
    assert timedelta(minutes=29) < expires - timezone.now() <= timedelta(minutes=30)
    # Read out on the phone: lower case, with a space, still works.
    spoken = created["code"][:4].lower() + " " + created["code"][4:]
    response = claim(mobile, spoken)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["shoppingCart"]["id"] == cart_id and body["fromChannel"] == "web"
    assert body["context"] == {
        "configurator": {"colour": "blue", "step": 3},
        "place": {"postcode": "1011AB", "house_number": "1", "street": "", "city": "Amsterdam"},
        "note": "Wants the blue one",
    }
    journey = list(CartEvent.objects.filter(cart_id=cart_id).values_list("channel", "kind"))
    assert journey == [("web", "created"), ("web", "handed off"), ("mobile", "claimed")]
    assert Interaction.objects.filter(customer=alice, kind="cart claimed", channel="mobile").exists()


def test_wrong_used_and_expired_codes_get_the_same_answer(carts_app, shop, alice, settings):
    web, mobile = carts_app("web"), carts_app("mobile")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    used = hand_off(web, cart_id)["code"]
    assert claim(mobile, used).status_code == 200
    expired = hand_off(web, cart_id)["code"]
    Handoff.objects.filter(claimed_at__isnull=True).update(expires_at=timezone.now() - timedelta(seconds=1))
    answers = [claim(carts_app("store"), code) for code in (used, expired, "ZZZZZZZZ", "short")]
    bodies = [assert_tmf_error(answer, 404, "handoffInvalid") for answer in answers]
    assert len({b["message"] for b in bodies}) == 1


def test_a_customer_claims_only_their_own_or_an_anonymous_cart(carts_app, customer_client, shop, alice, bob):
    web = carts_app("web")
    bobs = hand_off(web, new_cart(web, bob, [line(shop.plan)]).json()["id"])["code"]
    assert_tmf_error(claim(customer_client(alice), bobs), 404, "handoffInvalid")
    assert claim(customer_client(bob), bobs).status_code == 200
    anonymous_cart = new_cart(web, None, [line(shop.addon)]).json()["id"]
    code = hand_off(web, anonymous_cart)["code"]
    claimed = claim(customer_client(alice, channel="mobile"), code).json()
    # Claiming in the app, signed in, makes the anonymous cart hers.
    assert claimed["shoppingCart"]["relatedParty"][0]["id"] == alice.pk


def test_claims_are_rate_limited_per_client_and_per_code(carts_app, shop, alice, settings):
    web = carts_app("web")
    code = hand_off(web, new_cart(web, alice, [line(shop.plan)]).json()["id"])["code"]
    guesser = carts_app("store")
    statuses = [claim(guesser, f"ZZZZZZ{a}{b}").status_code for a in "AB" for b in "ABCDEFGHJK"]
    assert statuses[:20] == [404] * 20
    assert claim(guesser, "ZZZZZZCC").status_code == 429
    # One code tried from many clients: after 5 tries it is locked for a while, even for the right caller.
    wrong_code = "YYYYYYYY"
    for _ in range(5):
        assert claim(carts_app("mobile"), wrong_code).status_code == 404
    assert claim(carts_app("mobile"), wrong_code).status_code == 429
    assert claim(carts_app("mobile"), code).status_code == 200


def test_hand_off_needs_an_open_cart_the_caller_may_change(carts_app, make_client, shop, alice):
    web = carts_app("web")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    assert_tmf_error(
        make_client("web", ("carts:read",)).post(HANDOFFS, {"shoppingCart": {"id": cart_id}}, format="json"), 403
    )
    assert_tmf_error(web.post(HANDOFFS, {"shoppingCart": {"id": "nope"}}, format="json"), 404)
    assert_tmf_error(web.post(HANDOFFS, {}, format="json"), 400)
    assert_tmf_error(
        web.post(HANDOFFS, {"shoppingCart": {"id": cart_id}, "place": {"streetNr": "1"}}, format="json"), 400
    )
    web.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert_tmf_error(web.post(HANDOFFS, {"shoppingCart": {"id": cart_id}}, format="json"), 409, "cartClosed")
    assert Handoff.objects.count() == 0
