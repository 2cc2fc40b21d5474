"""One request per operation of the API, as a caller entitled to it would send it.

Requests that change what they touch act on fresh objects (owned by customer A where an object has
an owner); reads share the world's. ``CASES`` is keyed like the matrix: "METHOD /path/{param}".
"""

from tests.security.world import Request, World

CATALOG = "/tmf-api/productCatalogManagement/v4"
CUSTOMER = "/tmf-api/customerManagement/v4"
PARTY = "/tmf-api/party/v4"
INVENTORY = "/tmf-api/productInventory/v4"
CART = "/tmf-api/shoppingCart/v4"
POQ = "/tmf-api/productOfferingQualification/v4"
ORDERING = "/tmf-api/productOrderingManagement/v4"
USAGE = "/tmf-api/usageManagement/v4"
CONSUMPTION = "/tmf-api/usageConsumption/v4"
TICKET = "/tmf-api/troubleTicket/v4"
HUBS = {
    CATALOG: "productCatalogManagement",
    CUSTOMER: "customerManagement",
    PARTY: "party",
    INVENTORY: "productInventory",
    CART: "shoppingCart",
    POQ: "productOfferingQualification",
    ORDERING: "productOrderingManagement",
    USAGE: "usageManagement",
    CONSUMPTION: "usageConsumption",
    TICKET: "troubleTicket",
}
PUBLIC_CALLBACK = "https://93.184.215.14/events"


def party(customer) -> list[dict]:
    return [{"id": customer.pk, "role": "customer", "@referredType": "Customer"}]


def line(world: World) -> dict:
    return {"productOffering": {"id": world.plan.pk}, "quantity": 1}


def catalog_cases() -> dict:
    from tests.factories.catalog import CategoryFactory, OfferingFactory, PriceFactory, SpecificationFactory

    cases = {
        "GET /productOffering": lambda w: Request(f"{CATALOG}/productOffering"),
        "GET /productOffering/{id}": lambda w: Request(f"{CATALOG}/productOffering/{w.plan.pk}"),
        "POST /productOffering": lambda w: Request(f"{CATALOG}/productOffering", {"name": "New plan"}),
        "PATCH /productOffering/{id}": lambda w: Request(
            f"{CATALOG}/productOffering/{OfferingFactory().pk}", {"description": "changed"}
        ),
        "DELETE /productOffering/{id}": lambda w: Request(f"{CATALOG}/productOffering/{OfferingFactory().pk}"),
        "GET /productOfferingPrice": lambda w: Request(f"{CATALOG}/productOfferingPrice"),
        "GET /productOfferingPrice/{id}": lambda w: Request(f"{CATALOG}/productOfferingPrice/{w.price.pk}"),
        "POST /productOfferingPrice": lambda w: Request(
            f"{CATALOG}/productOfferingPrice",
            {"name": "Fee", "priceType": "oneTime", "price": {"unit": "EUR", "value": 5}},
        ),
        "PATCH /productOfferingPrice/{id}": lambda w: Request(
            f"{CATALOG}/productOfferingPrice/{PriceFactory().pk}", {"description": "changed"}
        ),
        "DELETE /productOfferingPrice/{id}": lambda w: Request(f"{CATALOG}/productOfferingPrice/{PriceFactory().pk}"),
        "GET /productSpecification": lambda w: Request(f"{CATALOG}/productSpecification"),
        "GET /productSpecification/{id}": lambda w: Request(f"{CATALOG}/productSpecification/{w.spec.pk}"),
        "POST /productSpecification": lambda w: Request(f"{CATALOG}/productSpecification", {"name": "New spec"}),
        "PATCH /productSpecification/{id}": lambda w: Request(
            f"{CATALOG}/productSpecification/{SpecificationFactory().pk}", {"brand": "Changed"}
        ),
        "DELETE /productSpecification/{id}": lambda w: Request(
            f"{CATALOG}/productSpecification/{SpecificationFactory().pk}"
        ),
        "GET /category": lambda w: Request(f"{CATALOG}/category"),
        "GET /category/{id}": lambda w: Request(f"{CATALOG}/category/{w.category.pk}"),
        "POST /category": lambda w: Request(f"{CATALOG}/category", {"name": "New category"}),
        "PATCH /category/{id}": lambda w: Request(f"{CATALOG}/category/{CategoryFactory().pk}", {"description": "x"}),
        "DELETE /category/{id}": lambda w: Request(f"{CATALOG}/category/{CategoryFactory().pk}"),
    }
    return {key.replace(" /", f" {CATALOG}/", 1): build for key, build in cases.items()}


def customer_cases() -> dict:
    def fresh_prospect(w: World):
        return w.customer(status="prospect")

    def media() -> list[dict]:
        return [{"mediumType": "email", "characteristic": {"emailAddress": "new@example.net"}}]

    def fresh(w: World):
        return w.customer()

    return {
        f"GET {CUSTOMER}/customer": lambda w: Request(f"{CUSTOMER}/customer"),
        f"GET {CUSTOMER}/customer/{{id}}": lambda w: Request(f"{CUSTOMER}/customer/{w.a.pk}"),
        f"POST {CUSTOMER}/customer": lambda w: (
            lambda p: Request(f"{CUSTOMER}/customer", {"name": "x", "engagedParty": {"id": p.pk}}, owner=p)
        )(fresh_prospect(w)),
        f"PATCH {CUSTOMER}/customer/{{id}}": lambda w: (
            lambda c: Request(f"{CUSTOMER}/customer/{c.pk}", {"contactMedium": media()}, owner=c)
        )(fresh(w)),
        f"DELETE {CUSTOMER}/customer/{{id}}": lambda w: (lambda c: Request(f"{CUSTOMER}/customer/{c.pk}", owner=c))(
            fresh(w)
        ),
        f"GET {PARTY}/individual": lambda w: Request(f"{PARTY}/individual"),
        f"GET {PARTY}/individual/{{id}}": lambda w: Request(f"{PARTY}/individual/{w.a.pk}"),
        f"POST {PARTY}/individual": lambda w: Request(f"{PARTY}/individual", {"givenName": "N", "familyName": "Ew"}),
        f"PATCH {PARTY}/individual/{{id}}": lambda w: (
            lambda c: Request(f"{PARTY}/individual/{c.pk}", {"contactMedium": media()}, owner=c)
        )(fresh(w)),
        f"DELETE {PARTY}/individual/{{id}}": lambda w: (lambda c: Request(f"{PARTY}/individual/{c.pk}", owner=c))(
            fresh_prospect(w)
        ),
        f"GET {PARTY}/organization": lambda w: Request(f"{PARTY}/organization"),
        f"GET {PARTY}/organization/{{id}}": lambda w: (lambda c: Request(f"{PARTY}/organization/{c.pk}", owner=c))(
            w.customer(kind="organization", organization_name="Org")
        ),
        f"POST {PARTY}/organization": lambda w: Request(f"{PARTY}/organization", {"tradingName": "Acme"}),
        f"PATCH {PARTY}/organization/{{id}}": lambda w: (
            lambda c: Request(f"{PARTY}/organization/{c.pk}", {"contactMedium": media()}, owner=c)
        )(w.customer(kind="organization", organization_name="Org")),
        f"DELETE {PARTY}/organization/{{id}}": lambda w: (lambda c: Request(f"{PARTY}/organization/{c.pk}", owner=c))(
            w.customer(kind="organization", organization_name="Org", status="prospect")
        ),
        f"GET {INVENTORY}/product": lambda w: Request(f"{INVENTORY}/product"),
        f"GET {INVENTORY}/product/{{id}}": lambda w: Request(f"{INVENTORY}/product/{w.held.pk}"),
        f"POST {INVENTORY}/product": lambda w: Request(
            f"{INVENTORY}/product", {"name": "Alarm", "relatedParty": party(w.a)}
        ),
        f"PATCH {INVENTORY}/product/{{id}}": lambda w: (
            lambda h: Request(f"{INVENTORY}/product/{h.pk}", {"status": "suspended"}, owner=h.customer)
        )(held_of(w)),
        f"DELETE {INVENTORY}/product/{{id}}": lambda w: (
            lambda h: Request(f"{INVENTORY}/product/{h.pk}", owner=h.customer)
        )(held_of(w)),
    }


def held_of(w: World):
    from tests.factories.customers import HeldProductFactory

    return HeldProductFactory(customer=w.customer(), system="overlay")


def cart_cases() -> dict:
    def cart_request(w: World, path: str, body=None, **extra) -> Request:
        owner = w.customer()
        cart = w.cart(owner)
        return Request(path.format(cart=cart.pk, item=cart.items.get().pk), body, owner=owner, **extra)

    return {
        f"GET {CART}/shoppingCart": lambda w: Request(f"{CART}/shoppingCart"),
        f"GET {CART}/shoppingCart/{{id}}": lambda w: cart_request(w, CART + "/shoppingCart/{cart}"),
        f"POST {CART}/shoppingCart": lambda w: (
            lambda c: Request(f"{CART}/shoppingCart", {"relatedParty": party(c), "cartItem": [line(w)]}, owner=c)
        )(w.customer()),
        f"PATCH {CART}/shoppingCart/{{id}}": lambda w: cart_request(
            w, CART + "/shoppingCart/{cart}", {"cartItem": [line(w), line(w)]}
        ),
        f"DELETE {CART}/shoppingCart/{{id}}": lambda w: cart_request(w, CART + "/shoppingCart/{cart}"),
        "POST /api/v1/carts/{cart_id}/items": lambda w: cart_request(w, "/api/v1/carts/{cart}/items", line(w)),
        "PATCH /api/v1/carts/{cart_id}/items/{item_id}": lambda w: cart_request(
            w, "/api/v1/carts/{cart}/items/{item}", {"quantity": 2}
        ),
        "DELETE /api/v1/carts/{cart_id}/items/{item_id}": lambda w: cart_request(
            w, "/api/v1/carts/{cart}/items/{item}"
        ),
        "POST /api/v1/carts/{cart_id}/attach": lambda w: attach_request(w),
        "POST /api/v1/carts/{cart_id}/checkout": lambda w: cart_request(
            w, "/api/v1/carts/{cart}/checkout", {}, headers={"Idempotency-Key": f"matrix-{w.customer().pk}"}
        ),
        "POST /api/v1/handoffs": lambda w: (
            lambda c: Request("/api/v1/handoffs", {"shoppingCart": {"id": c.pk}}, owner=c.customer)
        )(w.cart()),
        "POST /api/v1/handoffs/{code}/claim": lambda w: (
            lambda owner: Request(f"/api/v1/handoffs/{w.handoff_code(owner)}/claim", owner=owner, reusable=False)
        )(w.customer()),
        f"GET {POQ}/productOfferingQualification": lambda w: Request(f"{POQ}/productOfferingQualification"),
        f"GET {POQ}/productOfferingQualification/{{id}}": lambda w: qualification_request(w),
        f"POST {POQ}/productOfferingQualification": lambda w: Request(
            f"{POQ}/productOfferingQualification",
            {"productOfferingQualificationItem": [{"productOffering": {"id": w.plan.pk}}]},
        ),
        f"DELETE {POQ}/productOfferingQualification/{{id}}": lambda w: qualification_request(w),
    }


def attach_request(w: World) -> Request:
    """An anonymous cart: applications name the customer; a customer (A or B) shows the cart's secret."""
    cart, secret = w.anonymous_cart()
    return Request(
        f"/api/v1/carts/{cart.pk}/attach", {"relatedParty": {"id": w.a.pk}}, headers={"X-Cart-Secret": secret}
    )


def qualification_request(w: World) -> Request:
    """A qualification is read back (and forgotten) by whoever asked for it: here, a caller none of the others is."""
    from cart.models import Qualification

    asked = Qualification.objects.create(customer=w.a, owner="client:0", channel="web", items=[])
    return Request(f"{POQ}/productOfferingQualification/{asked.pk}")


def order_cases() -> dict:
    return {
        f"GET {ORDERING}/productOrder": lambda w: Request(f"{ORDERING}/productOrder"),
        f"GET {ORDERING}/productOrder/{{id}}": lambda w: (
            lambda o: Request(f"{ORDERING}/productOrder/{o.pk}", owner=o.customer)
        )(w.order()),
        f"POST {ORDERING}/productOrder": lambda w: (
            lambda c: Request(
                f"{ORDERING}/productOrder",
                {"relatedParty": party(c), "productOrderItem": [{"id": "1", "action": "add", **line(w)}]},
                owner=c,
            )
        )(w.customer()),
        f"GET {ORDERING}/cancelProductOrder": lambda w: Request(f"{ORDERING}/cancelProductOrder"),
        f"GET {ORDERING}/cancelProductOrder/{{id}}": lambda w: (
            lambda x: Request(f"{ORDERING}/cancelProductOrder/{x.pk}", owner=x.order.customer)
        )(w.cancellation()),
        f"POST {ORDERING}/cancelProductOrder": lambda w: (
            lambda o: Request(f"{ORDERING}/cancelProductOrder", {"productOrder": {"id": o.pk}}, owner=o.customer)
        )(acknowledged_order(w)),
    }


def acknowledged_order(w: World):
    """An order still to fulfil (the plan has no fulfilment steps: it would complete at once)."""
    from orchestration.models import ProductOrder

    order = w.order()
    ProductOrder.objects.filter(pk=order.pk).update(state="acknowledged", completion_date=None)
    order.refresh_from_db()
    return order


def partner_month(w: World) -> str:
    """A month of a partner's statement: the partner channel's offering (70% its partner's) held by A."""
    from catalog.models import Channel, ProductOffering
    from tests.factories.catalog import OfferingFactory
    from tests.factories.customers import HeldProductFactory

    partner = Channel.objects.get(code="partner")
    if not ProductOffering.objects.filter(partner_channel=partner).exists():
        streaming = OfferingFactory(name="Matrix streaming", revenue_share=70, partner_channel=partner)
        HeldProductFactory(customer=w.a, offering=streaming, system="partner")
    return "2026-11"


def extension_cases() -> dict:
    return {
        "POST /api/v1/auth/customer-token": lambda w: Request(
            "/api/v1/auth/customer-token", {"customer": {"id": w.a.pk}}
        ),
        "GET /api/v1/customers/search": lambda w: Request("/api/v1/customers/search", params={"q": "Owner"}),
        "GET /api/v1/customers/{customer_id}/360": lambda w: Request(f"/api/v1/customers/{w.a.pk}/360"),
        "GET /api/v1/customers/{customer_id}/consents": lambda w: Request(f"/api/v1/customers/{w.a.pk}/consents"),
        "POST /api/v1/customers/{customer_id}/consents": lambda w: (
            lambda c: Request(f"/api/v1/customers/{c.pk}/consents", {"purpose": "marketing", "granted": True}, owner=c)
        )(w.customer()),
        # Supervisors read every partner's statement; the matrix's applications are the web channel's: no partner.
        "GET /api/v1/partners/statements": lambda w: Request(
            "/api/v1/partners/statements", params={"period": partner_month(w)}
        ),
        "GET /api/v1/partners/statements/{period}": lambda w: Request(
            f"/api/v1/partners/statements/{partner_month(w)}"
        ),
        "POST /api/v1/pricing/quote": lambda w: Request("/api/v1/pricing/quote", {"item": [line(w)]}),
        "POST /api/v1/pricing/estimate": lambda w: Request(
            "/api/v1/pricing/estimate", {"productOffering": {"id": w.plan.pk}, "usage": {"GB": 1}}
        ),
        "GET /api/v1/sync-runs": lambda w: Request("/api/v1/sync-runs"),
        "GET /api/v1/products/{product_id}/spendCap": lambda w: spend_cap_request(w, capped=True),
        "PUT /api/v1/products/{product_id}/spendCap": lambda w: spend_cap_request(w, capped=False),
        "DELETE /api/v1/products/{product_id}/spendCap": lambda w: spend_cap_request(w, capped=True),
        # The signature is the authentication (adapters.services): bearer tokens and sessions count for nothing.
        "POST /api/v1/backoffice/{system}/events": lambda w: Request(
            "/api/v1/backoffice/crm/events", {"stream": "customers", "records": []}
        ),
    }


def spend_cap_request(w: World, *, capped: bool) -> Request:
    """A product of a fresh customer of A's kind (with a spend cap of 50 EUR when ``capped``); the new cap."""
    from tests.factories.customers import HeldProductFactory
    from usage.models import SpendCap

    held = HeldProductFactory(customer=w.customer(), system="overlay")
    if capped:
        SpendCap.objects.create(product=held, amount=50)
    return Request(
        f"/api/v1/products/{held.pk}/spendCap", {"amount": {"value": 20, "unit": "EUR"}}, owner=held.customer
    )


def usage_cases() -> dict:
    return {
        f"GET {USAGE}/usage": lambda w: Request(f"{USAGE}/usage"),
        f"GET {USAGE}/usage/{{id}}": lambda w: Request(f"{USAGE}/usage/{usage_of(w.held).pk}", owner=w.a),
        f"GET {CONSUMPTION}/queryUsageConsumption": lambda w: Request(f"{CONSUMPTION}/queryUsageConsumption"),
        f"POST {CONSUMPTION}/queryUsageConsumption": lambda w: Request(
            f"{CONSUMPTION}/queryUsageConsumption", {"searchCriteria": {"product": [{"id": w.held.pk}]}}, owner=w.a
        ),
        f"GET {CONSUMPTION}/queryUsageConsumption/{{id}}": lambda w: consumption_query_request(w),
        f"DELETE {CONSUMPTION}/queryUsageConsumption/{{id}}": lambda w: consumption_query_request(w),
    }


def usage_of(held):
    """A usage record of the held product (customer A's), as a back-office system reported it."""
    from datetime import UTC, datetime

    from tests.factories.usage import MetricFactory
    from usage.models import UsageRecord

    metric = MetricFactory(code="data", unit="MB")
    return UsageRecord.objects.create(
        system=held.system,
        external_id=f"matrix-{UsageRecord.objects.count() + 1}",
        product=held,
        customer_id=held.customer_id,
        metric=metric,
        quantity=5,
        start=datetime(2026, 11, 20, 12, tzinfo=UTC),
        period_start=datetime(2026, 11, 1).date(),
    )


def consumption_query_request(w: World) -> Request:
    """A consumption query is read back (and forgotten) by whoever asked for it: here customer A."""
    from django.utils import timezone

    from usage.consumption import ConsumptionAsk, consumption_query_create

    asker = w.principal_of("customer_a", w.a)
    asked = consumption_query_create(asker, ConsumptionAsk(product_ids=(w.held.pk,)), now=timezone.now())
    return Request(f"{CONSUMPTION}/queryUsageConsumption/{asked.pk}", owner=w.a)


def knowledge_cases() -> dict:
    """A published customers' article: every caller reads it and may say whether it helped."""

    def published(w: World):
        from tests.factories.knowledge import article

        return article("Matrix: no internet", offerings=[w.plan], categories=["no-service"])

    return {
        "GET /api/v1/knowledge/article": lambda w: Request("/api/v1/knowledge/article", params={"q": "internet"}),
        "GET /api/v1/knowledge/article/{article_id}": lambda w: Request(f"/api/v1/knowledge/article/{published(w).pk}"),
        "POST /api/v1/knowledge/article/{article_id}/feedback": lambda w: Request(
            f"/api/v1/knowledge/article/{published(w).pk}/feedback", {"helpful": True, "category": "no-service"}
        ),
    }


def ticket_cases() -> dict:
    """Trouble tickets: each request on a fresh ticket (or product) of a fresh customer, customer A acting as them."""

    def held(w: World):
        from tests.factories.customers import HeldProductFactory

        return HeldProductFactory(customer=w.customer(), system="overlay")

    def opened(w: World, path: str, body=None, **extra) -> Request:
        ticket = w.ticket()
        return Request(path.format(ticket=ticket.pk), body, owner=ticket.customer, **extra)

    return {
        f"GET {TICKET}/troubleTicket": lambda w: Request(f"{TICKET}/troubleTicket"),
        f"GET {TICKET}/troubleTicket/{{id}}": lambda w: opened(w, TICKET + "/troubleTicket/{ticket}"),
        f"POST {TICKET}/troubleTicket": lambda w: (
            lambda h: Request(
                f"{TICKET}/troubleTicket",
                {
                    "description": "No service",
                    "severity": "major",
                    "ticketType": "no-service",
                    "relatedEntity": [{"id": h.pk, "@referredType": "Product"}],
                },
                owner=h.customer,
            )
        )(held(w)),
        f"PATCH {TICKET}/troubleTicket/{{id}}": lambda w: opened(
            w, TICKET + "/troubleTicket/{ticket}", {"note": [{"text": "Still down"}]}
        ),
        f"DELETE {TICKET}/troubleTicket/{{id}}": lambda w: opened(w, TICKET + "/troubleTicket/{ticket}"),
        "POST /api/v1/ticket-handoffs": lambda w: (
            lambda t: Request("/api/v1/ticket-handoffs", {"troubleTicket": {"id": t.pk}}, owner=t.customer)
        )(w.ticket()),
        "POST /api/v1/ticket-handoffs/{code}/claim": lambda w: (
            lambda owner: Request(
                f"/api/v1/ticket-handoffs/{w.ticket_handoff_code(owner)}/claim", owner=owner, reusable=False
            )
        )(w.customer()),
        # Signed by the system, like pushed changes: credentials of callers count for nothing.
        "POST /api/v1/backoffice/{system}/tickets": lambda w: Request(
            "/api/v1/backoffice/crm/tickets", {"tickets": []}
        ),
    }


def hub_cases() -> dict:
    cases = {}
    for base in HUBS:
        cases[f"POST {base}/hub"] = _hub_case("POST", base)
        cases[f"DELETE {base}/hub/{{subscription_id}}"] = _hub_case("DELETE", base)
    return cases


def _forget_listener(response) -> None:
    from events.models import EventSubscription

    EventSubscription.objects.filter(pk=response.json()["id"]).delete()


def _hub_case(method: str, base: str):
    if method == "POST":
        return lambda w: Request(f"{base}/hub", {"callback": PUBLIC_CALLBACK}, after=_forget_listener)
    # A listener of an application none of the callers is: nobody else may remove it.
    return lambda w: Request(f"{base}/hub/{w.listener(HUBS[base]).pk}")


CASES = {
    **catalog_cases(),
    **customer_cases(),
    **cart_cases(),
    **order_cases(),
    **extension_cases(),
    **usage_cases(),
    **knowledge_cases(),
    **ticket_cases(),
    **hub_cases(),
}
