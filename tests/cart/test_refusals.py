"""A refused request writes nothing, and a channel application's guessing budget is its own.

Regressions: POST shoppingCart by an application with carts:write but not carts:read answered 404
yet created the cart (and a second POST said 409 openCartExists, telling that the customer id
exists); a hand-off claim by such an application answered 404 yet used up the code; each customer
token an application issued got a fresh budget of hand-off guesses.
"""

import pytest
from rest_framework.test import APIClient

from cart.models import CartEvent, Handoff, ShoppingCart
from events.models import OutboxEvent
from overlay.services import customer_token_issue
from tests.factories.carts import CART, line, new_cart
from tests.factories.customers import CustomerFactory
from tests.tmf import assert_tmf_error

pytestmark = pytest.mark.django_db
HANDOFFS = "/api/v1/handoffs"


def counts() -> tuple[int, int, int]:
    return ShoppingCart.objects.count(), CartEvent.objects.count(), OutboxEvent.objects.count()


def test_creating_a_cart_without_the_read_scope_is_refused_and_writes_nothing(make_client, shop, alice):
    write_only = make_client("web", ("carts:write",))
    body = {"relatedParty": [{"id": alice.pk, "role": "customer"}], "cartItem": [line(shop.plan)]}
    before = counts()
    assert_tmf_error(write_only.post(CART, body, format="json"), 403)
    assert_tmf_error(write_only.post(CART, body, format="json"), 403)  # not 409: nothing tells alice exists
    assert counts() == before


def test_naming_a_customer_needs_to_see_customers(make_client, shop, alice):
    carts_only = make_client("web", ("carts:read", "carts:write"))
    body = {"relatedParty": [{"id": alice.pk, "role": "customer"}], "cartItem": [line(shop.plan)]}
    before = counts()
    known = assert_tmf_error(carts_only.post(CART, body, format="json"), 422)
    unknown = assert_tmf_error(
        carts_only.post(CART, {**body, "relatedParty": [{"id": "nobody", "role": "customer"}]}, format="json"), 422
    )
    assert known["message"].replace(alice.pk, "x") == unknown["message"].replace("nobody", "x")
    assert counts() == before


def test_a_claim_refused_for_its_credentials_leaves_the_code_usable(carts_app, make_client, shop, alice):
    web = carts_app("web")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    code = web.post(HANDOFFS, {"shoppingCart": {"id": cart_id}}, format="json").json()["code"]
    write_only = make_client("mobile", ("carts:write",))
    assert_tmf_error(write_only.post(f"{HANDOFFS}/{code}/claim", format="json"), 403)
    assert Handoff.objects.get().claimed_at is None
    assert carts_app("mobile").post(f"{HANDOFFS}/{code}/claim", format="json").status_code == 200


def test_customer_tokens_share_their_applications_guessing_budget(make_client, shop, alice, bob):
    app = make_client("mobile", ("customers:token",))
    people = [alice, bob, CustomerFactory(), CustomerFactory()]
    tokens = [
        customer_token_issue(client_id=app.api_client.pk, channel="mobile", customer_id=p.pk).token for p in people
    ]
    clients = []
    for token in tokens:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        clients.append(client)
    guesses = [f"ZZZZZZ{letter}A" for letter in "ABCDEFGHJKMNPQRSTUVWXYZ2"]
    statuses = [
        clients[n % 4].post(f"{HANDOFFS}/{guess}/claim", format="json").status_code for n, guess in enumerate(guesses)
    ]
    assert statuses[:20] == [404] * 20  # the application's budget (20 a minute), whichever customer it acts for
    assert set(statuses[20:]) == {429}
