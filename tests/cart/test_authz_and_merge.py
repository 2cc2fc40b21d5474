"""Who reaches which cart, and how an anonymous cart becomes the customer's."""

import pytest

from cart.models import ShoppingCart
from tests.factories.carts import CART, line, new_cart
from tests.tmf import assert_tmf_error

pytestmark = pytest.mark.django_db


def test_a_customer_reaches_only_their_own_carts(carts_app, customer_client, shop, alice, bob):
    web = carts_app("web")
    alices = new_cart(web, alice, [line(shop.plan)]).json()
    bobs = new_cart(web, bob, [line(shop.addon)]).json()
    as_alice = customer_client(alice)
    listed = as_alice.get(CART)
    assert [c["id"] for c in listed.json()] == [alices["id"]] and listed["X-Total-Count"] == "1"
    assert as_alice.get(f"{CART}/{alices['id']}").status_code == 200
    # Bob's cart does not exist for Alice, whatever she tries.
    assert_tmf_error(as_alice.get(f"{CART}/{bobs['id']}"), 404)
    assert_tmf_error(as_alice.patch(f"{CART}/{bobs['id']}", {"cartItem": []}, format="json"), 404)
    assert_tmf_error(as_alice.delete(f"{CART}/{bobs['id']}"), 404)
    assert_tmf_error(as_alice.post(f"/api/v1/carts/{bobs['id']}/items", line(shop.plan), format="json"), 404)
    assert_tmf_error(as_alice.delete(f"/api/v1/carts/{bobs['id']}/items/1"), 404)
    assert_tmf_error(
        as_alice.post(f"/api/v1/carts/{bobs['id']}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="k"), 404
    )
    assert_tmf_error(as_alice.post("/api/v1/handoffs", {"shoppingCart": {"id": bobs["id"]}}, format="json"), 404)
    assert len(web.get(f"{CART}/{bobs['id']}").json()["cartItem"]) == 1


def test_a_customer_starts_carts_only_for_themself(customer_client, shop, alice, bob):
    as_alice = customer_client(alice)
    response = as_alice.post(CART, {"relatedParty": [{"id": bob.pk, "role": "customer"}]}, format="json")
    assert_tmf_error(response, 403)
    mine = as_alice.post(CART, {"cartItem": [line(shop.plan)]}, format="json")
    assert mine.status_code == 201 and mine.json()["relatedParty"][0]["id"] == alice.pk
    assert ShoppingCart.objects.filter(customer=bob).count() == 0


def test_applications_need_cart_scopes_and_anonymous_callers_are_401(make_client, anonymous, shop, alice):
    catalog_only = make_client("web", ("catalog:read",))
    assert_tmf_error(catalog_only.get(CART), 403)
    assert_tmf_error(catalog_only.post(CART, {}, format="json"), 403)
    readonly = make_client("web", ("carts:read",))
    assert readonly.get(CART).status_code == 200
    assert_tmf_error(readonly.post(CART, {}, format="json"), 403)
    assert_tmf_error(anonymous.get(CART), 401)
    assert_tmf_error(anonymous.post("/api/v1/handoffs/ABCDEFGH/claim"), 401)


def test_an_agent_sees_carts_only_with_the_cart_permissions(staff_client, carts_app, shop, alice):
    cart = new_cart(carts_app("web"), alice, [line(shop.plan)]).json()
    agent = staff_client("agent")
    seen = agent.get(f"{CART}/{cart['id']}")
    assert seen.status_code == 200
    # The call centre has no web campaign: the agent sees the call-centre price.
    assert seen.json()["cartTotalPrice"][0]["price"]["taxIncludedAmount"]["value"] == 24.2
    assert_tmf_error(staff_client("catalog_manager").get(f"{CART}/{cart['id']}"), 403)


def test_an_anonymous_cart_becomes_the_customers_when_they_have_none(carts_app, customer_client, shop, alice):
    web = carts_app("web")
    created = new_cart(web, None, [line(shop.plan)])
    cart_id, secret = created.json()["id"], created["X-Cart-Secret"]
    as_alice = customer_client(alice)
    assert_tmf_error(as_alice.get(f"{CART}/{cart_id}"), 404)  # not hers yet
    wrong = as_alice.post(f"/api/v1/carts/{cart_id}/attach", {}, format="json", HTTP_X_CART_SECRET="ocs_wrong")
    assert_tmf_error(wrong, 404)
    response = as_alice.post(f"/api/v1/carts/{cart_id}/attach", {}, format="json", HTTP_X_CART_SECRET=secret)
    assert response.status_code == 200, response.content
    assert response.json()["id"] == cart_id and response.json()["relatedParty"][0]["id"] == alice.pk
    assert as_alice.get(f"{CART}/{cart_id}").status_code == 200
    # The secret is spent: the cart is no longer anonymous.
    again = customer_client(alice).post(f"/api/v1/carts/{cart_id}/attach", {}, format="json", HTTP_X_CART_SECRET=secret)
    assert_tmf_error(again, 404)


def test_an_anonymous_cart_merges_into_the_customers_open_cart(carts_app, customer_client, shop, alice):
    web = carts_app("web")
    open_cart = new_cart(web, alice, [line(shop.plan), line(shop.phone, characteristics={"Storage": "256GB"})]).json()
    anonymous = new_cart(web, None, [line(shop.plan, 2), line(shop.phone), line(shop.addon)])
    response = customer_client(alice).post(
        f"/api/v1/carts/{anonymous.json()['id']}/attach",
        {},
        format="json",
        HTTP_X_CART_SECRET=anonymous["X-Cart-Secret"],
    )
    assert response.status_code == 200, response.content
    merged = response.json()
    # The customer's cart is kept; identical lines add up, different options stay apart.
    assert merged["id"] == open_cart["id"]
    lines = [(i["productOffering"]["name"], i["quantity"]) for i in merged["cartItem"]]
    assert sorted(lines) == sorted([("Unlimited 5G", 3), ("Phone X", 1), ("Phone X", 1), ("Roaming pack", 1)])
    old = web.get(f"{CART}/{anonymous.json()['id']}").json()
    assert old["status"] == "merged" and old["mergedInto"] == {"id": open_cart["id"]} and "cartItem" not in old
    assert_tmf_error(web.post(f"/api/v1/carts/{old['id']}/items", line(shop.plan), format="json"), 409, "cartClosed")


def test_an_application_attaches_a_cart_by_naming_the_customer(carts_app, shop, alice):
    web = carts_app("web")
    cart_id = new_cart(web, None, [line(shop.plan)]).json()["id"]
    assert_tmf_error(web.post(f"/api/v1/carts/{cart_id}/attach", {}, format="json"), 400)
    assert_tmf_error(web.post(f"/api/v1/carts/{cart_id}/attach", {"relatedParty": {"id": "ghost"}}, format="json"), 422)
    response = web.post(f"/api/v1/carts/{cart_id}/attach", {"relatedParty": {"id": alice.pk}}, format="json")
    assert response.status_code == 200 and response.json()["relatedParty"][0]["id"] == alice.pk


def test_an_expired_cart_cannot_change_or_be_checked_out(carts_app, shop, alice, settings):
    web = carts_app("web")
    cart_id = new_cart(web, alice, [line(shop.plan)]).json()["id"]
    ShoppingCart.objects.filter(pk=cart_id).update(expires_at="2020-01-01T00:00:00Z")
    assert_tmf_error(web.post(f"/api/v1/carts/{cart_id}/items", line(shop.addon), format="json"), 409, "cartExpired")
    checkout = web.post(f"/api/v1/carts/{cart_id}/checkout", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert_tmf_error(checkout, 409, "cartExpired")
    # The customer can start again: the expired cart no longer counts as open.
    assert new_cart(web, alice).status_code == 201
