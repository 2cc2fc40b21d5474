"""The journey: web builds a cart and hands it off; an agent claims and edits it in the admin
(headless Chromium); the mobile app checks out; one order results. All over real HTTP."""

import os
import uuid
from pathlib import Path

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cart.models import CartEvent
from orchestration.models import ProductOrder
from overlay.services import api_client_create, customer_token_issue, roles_ensure
from tests.factories.customers import CustomerFactory

pytestmark = pytest.mark.e2e
CART = "/tmf-api/shoppingCart/v4/shoppingCart"


def app(base_url: str, channel: str, token: str | None = None) -> httpx.Client:
    if token is None:
        scopes = ["carts:read", "carts:write", "orders:read", "customers:read", "customers:token"]
        token = api_client_create(name=f"{channel}-app-{uuid.uuid4().hex[:6]}", channel=channel, scopes=scopes).token
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.mark.django_db(transaction=True)
def test_web_to_agent_to_app_makes_one_order(live_server, browser, channels, shop, tmp_path):
    roles_ensure()
    agent = get_user_model().objects.create_user("sam", password="agent-pass-123", is_staff=True)
    agent.groups.add(Group.objects.get(name="agent"))
    alice = CustomerFactory(given_name="Alice", family_name="Jansen")

    # 1. The web shop: Alice builds a cart, then asks to continue with an agent.
    web = app(live_server.url, "web")
    created = web.post(
        CART,
        json={
            "relatedParty": [{"id": alice.pk, "role": "customer", "@referredType": "Customer"}],
            "cartItem": [{"productOffering": {"id": shop.plan.pk}, "quantity": 1}],
        },
    )
    assert created.status_code == 201, created.text
    cart_id = created.json()["id"]
    handoff = web.post(
        "/api/v1/handoffs", json={"shoppingCart": {"id": cart_id}, "note": "Wants a phone with the plan"}
    ).json()

    # 2. The call centre: the agent types the code the customer reads out, adds the phone.
    page = browser.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", "agent-pass-123")
    page.click("input[type=submit]")
    page.click("text=Agent console")
    page.fill("#handoff-code", handoff["code"].lower())
    page.click(".console-claim input[type=submit]")
    page.wait_for_selector("#cart-lines")
    assert "Wants a phone with the plan" in page.inner_text("#handoff-context")
    page.select_option("#offering", label="Phone X")
    page.fill("#add-line input[name=characteristics]", "Storage=256GB")
    page.click("#add-line input[type=submit]")
    page.wait_for_selector("text=Storage: 256GB")
    lines = page.locator("#cart-lines tr.cart-line").all_inner_texts()
    page.screenshot(path=str(Path(os.environ.get("OVERLAY_SCREENSHOTS", tmp_path)) / "agent-cart.png"), full_page=True)
    assert len(lines) == 2 and any("Phone X" in line for line in lines)

    # 3. The app: Alice signs in, finds the same cart and checks out.
    mobile_app = app(live_server.url, "mobile")
    token = customer_token_issue(client_id=_client_id(mobile_app), channel="mobile", customer_id=alice.pk).token
    as_alice = app(live_server.url, "mobile", token)
    seen = as_alice.get(CART).json()
    assert [c["id"] for c in seen] == [cart_id] and len(seen[0]["cartItem"]) == 2
    etag = as_alice.get(f"{CART}/{cart_id}").headers["ETag"]
    key = str(uuid.uuid4())
    first = as_alice.post(
        f"/api/v1/carts/{cart_id}/checkout", json={}, headers={"Idempotency-Key": key, "If-Match": etag}
    )
    again = as_alice.post(
        f"/api/v1/carts/{cart_id}/checkout", json={}, headers={"Idempotency-Key": key, "If-Match": etag}
    )
    assert first.status_code == 201, first.text
    assert again.json()["id"] == first.json()["id"]
    assert ProductOrder.objects.count() == 1
    order = ProductOrder.objects.get()
    assert order.channel == "mobile" and order.items.count() == 2
    journey = list(CartEvent.objects.filter(cart_id=cart_id).values_list("channel", "kind"))
    assert journey == [
        ("web", "created"),
        ("web", "handed off"),
        ("callcentre", "claimed"),
        ("callcentre", "item added"),
        ("mobile", "checked out"),
    ]


def _client_id(client: httpx.Client) -> int:
    from overlay.models import ApiClient
    from overlay.services import hash_token

    token = client.headers["Authorization"].removeprefix("Bearer ")
    return ApiClient.objects.get(token_hash=hash_token(token)).pk
