"""The omni-channel promise, whole, over real HTTP as a storefront plays it.

A new visitor (no Overlay id known to anyone) fills a cart on the web, signs in through the
storefront's own identity provider, and asks to continue by phone; an agent claims the cart in
the console (headless Chromium) and adds a phone; the visitor finishes in the app, signed in
there with the same verified e-mail. The web's price for the web's line is what is charged, and
the order says why.
"""

import uuid

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from adapters.management.commands.load_demo import STOREFRONT_SCOPES  # what the demo's storefronts hold
from customers.models import Customer
from orchestration.models import ProductOrder
from overlay.services import api_client_create, roles_ensure

pytestmark = pytest.mark.e2e
CART = "/tmf-api/shoppingCart/v4/shoppingCart"
ORDER = "/tmf-api/productOrderingManagement/v4/productOrder"


def application(base_url: str, channel: str) -> httpx.Client:
    token = api_client_create(name=f"{channel}-{uuid.uuid4().hex[:6]}", channel=channel, scopes=STOREFRONT_SCOPES).token
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def signed_in(base_url: str, app: httpx.Client, identity: dict, register: bool = False) -> tuple[httpx.Client, dict]:
    """What the storefront does after its identity provider signed the user in."""
    exchanged = app.post("/api/v1/auth/customer-token", json={"identity": identity, "register": register})
    assert exchanged.status_code == 201, exchanged.text
    token = exchanged.json()["token"]
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30), exchanged.json()


def charges_of(item: dict) -> dict[str, float]:
    return {p["name"]: p["price"]["dutyFreeAmount"]["value"] for p in item["itemPrice"]}


@pytest.mark.django_db(transaction=True)
def test_a_new_visitor_is_charged_in_the_app_what_the_web_showed(live_server, browser, channels, shop):
    roles_ensure()
    agent = get_user_model().objects.create_user("sam", password="agent-pass-123", is_staff=True)
    agent.groups.add(Group.objects.get(name="agent"))
    base = live_server.url
    web = application(base, "web")

    # 1. The web shop: an anonymous visitor puts the plan in a cart (the web's 10% campaign applies).
    created = web.post(CART, json={"cartItem": [{"productOffering": {"id": shop.plan.pk}, "quantity": 1}]})
    assert created.status_code == 201, created.text
    cart_id, cart_secret = created.json()["id"], created.headers["X-Cart-Secret"]

    # 2. They sign in at the storefront: nobody matches, so the storefront registers them; the cart becomes theirs.
    identity = {
        "sub": "shop-idp|8812",
        "email": "Noor.Visser@example.org",
        "email_verified": True,
        "given_name": "Noor",
    }
    visitor, exchanged = signed_in(base, web, identity, register=True)
    assert exchanged["signIn"] == "registered"
    customer_id = exchanged["customer"]["id"]
    attached = visitor.post(f"/api/v1/carts/{cart_id}/attach", headers={"X-Cart-Secret": cart_secret})
    assert attached.status_code == 200, attached.text
    shown_on_web = visitor.get(f"{CART}/{cart_id}").json()
    (plan_line,) = shown_on_web["cartItem"]
    assert charges_of(plan_line) == {"Monthly fee": 18.0}

    # 3. They would rather talk to someone: the web hands the cart off, the code is read out to an agent.
    handoff = visitor.post("/api/v1/handoffs", json={"shoppingCart": {"id": cart_id}, "note": "Wants a phone too"})
    assert handoff.status_code == 201, handoff.text
    page = browser.new_page()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", "agent-pass-123")
    page.click("input[type=submit]")
    page.click("text=Agent console")
    page.fill("#handoff-code", handoff.json()["code"])
    page.click(".console-claim input[type=submit]")
    page.wait_for_selector("#cart-lines")
    assert "promise: the price shown in web" in page.inner_text("#cart-lines")
    page.select_option("#offering", label="Phone X")
    page.fill("#add-line input[name=characteristics]", "Storage=128GB")
    page.click("#add-line input[type=submit]")
    page.wait_for_selector("text=Storage: 128GB")

    # 4. The app, another application: the same verified e-mail (other notation) finds the same customer.
    mobile = application(base, "mobile")
    in_app, exchanged = signed_in(
        base, mobile, {"sub": "app-idp|x1", "email": "noor.visser@EXAMPLE.org", "email_verified": True}
    )
    assert exchanged["customer"]["id"] == customer_id and exchanged["signIn"] == "linked"
    (seen,) = in_app.get(CART).json()
    assert seen["id"] == cart_id and len(seen["cartItem"]) == 2
    etag = in_app.get(f"{CART}/{cart_id}").headers["ETag"]
    placed = in_app.post(
        f"/api/v1/carts/{cart_id}/checkout", json={}, headers={"Idempotency-Key": str(uuid.uuid4()), "If-Match": etag}
    )
    assert placed.status_code == 201, placed.text

    # 5. Charged what the web showed for the web's line, the phone at the app's price; the trail says why.
    order = in_app.get(f"{ORDER}/{placed.json()['id']}").json()
    by_offering = {i["productOffering"]["name"]: i for i in order["productOrderItem"]}
    assert charges_of(by_offering["Unlimited 5G"]) == charges_of(plan_line)
    (plan_charge,) = by_offering["Unlimited 5G"]["itemPrice"]
    assert [a["name"] for a in plan_charge["priceAlteration"]] == ["Web 10% off", "Price promised in web"]
    assert plan_charge["description"].startswith("base price 20.00 EUR; campaign: 10% off for channel web")
    assert charges_of(by_offering["Phone X"]) == {"Device": 300.0}
    assert ProductOrder.objects.get().customer_id == customer_id
    assert Customer.objects.get(pk=customer_id).status == "prospect"
