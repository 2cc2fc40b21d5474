"""Carts in the agents' console: start from the 360°, edit through the services, check out once."""

import pytest
from django.urls import reverse

from cart.models import ShoppingCart
from orchestration.models import ProductOrder
from tests.factories.carts import line, new_cart
from tests.factories.users import console

pytestmark = pytest.mark.django_db


def test_an_agent_starts_edits_and_checks_out_a_cart(shop, alice):
    agent = console("agent")
    response = agent.post(reverse("admin:cart-console-start", args=[alice.pk]))
    cart = ShoppingCart.objects.get(customer=alice)
    assert response.url == reverse("admin:cart-console-cart", args=[cart.pk]) and cart.channel == "callcentre"
    edit = reverse("admin:cart-console-edit", args=[cart.pk, "add"])
    agent.post(edit, {"offering": shop.phone.pk, "quantity": "1", "characteristics": "Storage=1TB"})
    page = agent.get(reverse("admin:cart-console-cart", args=[cart.pk]))
    assert b"is not available as Storage" in page.content and page.context["body"].get("cartItem") is None
    agent.post(edit, {"offering": shop.phone.pk, "quantity": "2", "characteristics": "Storage=256GB"})
    page = agent.get(reverse("admin:cart-console-cart", args=[cart.pk]))
    item = page.context["body"]["cartItem"][0]
    assert item["quantity"] == 2
    agent.post(reverse("admin:cart-console-edit", args=[cart.pk, "quantity"]), {"item": item["id"], "quantity": "1"})
    page = agent.get(reverse("admin:cart-console-cart", args=[cart.pk]))
    key, etag = page.context["checkout_key"], page.context["etag"]
    checkout = reverse("admin:cart-console-edit", args=[cart.pk, "checkout"])
    first = agent.post(checkout, {"key": key, "etag": etag})
    agent.post(checkout, {"key": key, "etag": etag})  # a double click
    assert ProductOrder.objects.count() == 1 and first.url.endswith(f"{ProductOrder.objects.get().pk}/change/")
    view = agent.get(reverse("admin:customer-console-customer", args=[alice.pk]))
    assert [o["state"] for o in view.context["view"]["productOrder"]] == ["acknowledged"]


def test_a_stale_console_page_does_not_overwrite_another_channels_change(carts_app, shop, alice):
    web = carts_app("web")
    cart = new_cart(web, alice, [line(shop.plan)]).json()
    agent = console("agent")
    page = agent.get(reverse("admin:cart-console-cart", args=[cart["id"]]))
    web.post(f"/api/v1/carts/{cart['id']}/items", line(shop.addon), format="json")
    response = agent.post(
        reverse("admin:cart-console-edit", args=[cart["id"], "remove"]),
        {"item": cart["cartItem"][0]["id"], "etag": page.context["etag"]},
        follow=True,
    )
    assert b"changed (perhaps in another channel)" in response.content
    assert len(web.get(f"/tmf-api/shoppingCart/v4/shoppingCart/{cart['id']}").json()["cartItem"]) == 2


def test_the_360_lists_open_carts_and_only_sellers_start_carts(carts_app, shop, alice):
    cart = new_cart(carts_app("web"), alice, [line(shop.plan)]).json()
    view = console("agent").get(reverse("admin:customer-console-customer", args=[alice.pk]))
    assert [c["id"] for c in view.context["view"]["shoppingCart"]] == [cart["id"]]
    assert b'id="start-cart"' in view.content
    manager = console("catalog_manager")
    assert manager.get(reverse("admin:cart-console-cart", args=[cart["id"]])).status_code == 403
    assert manager.post(reverse("admin:cart-console-claim"), {"code": "ABCDEFGH"}).status_code == 403


def test_the_agent_sees_why_each_line_costs_what_it_costs_after_a_web_hand_off(carts_app, shop, alice):
    web = carts_app("web")
    cart = new_cart(web, alice, [line(shop.plan)]).json()
    code = web.post("/api/v1/handoffs", {"shoppingCart": {"id": cart["id"]}}, format="json").json()["code"]
    agent = console("agent")
    assert agent.post(reverse("admin:cart-console-claim"), {"code": code}).status_code == 302
    page = agent.get(reverse("admin:cart-console-cart", args=[cart["id"]]))
    trail = page.content.decode().split('class="price-trail"')[1].split("</ul>")[0]
    assert "Monthly fee: base price 20.00 EUR; campaign: 10% off for channel web [Web 10% off] -2.00 EUR" in trail
    assert "promise: the price shown in web at" in trail and "= 18.00 EUR before tax" in trail
    # A line the agent adds is priced for the call centre.
    agent.post(
        reverse("admin:cart-console-edit", args=[cart["id"], "add"]),
        {"offering": shop.plan.pk, "quantity": "1", "etag": page.context["etag"]},
    )
    page = agent.get(reverse("admin:cart-console-cart", args=[cart["id"]]))
    assert sorted(i["itemPrice"][0]["price"]["dutyFreeAmount"]["value"] for i in page.context["body"]["cartItem"]) == [
        18.0,
        20.0,
    ]
