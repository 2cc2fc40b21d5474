"""The world the permission matrix runs in: a catalog, customers A and B with what they hold, and every
kind of caller with its credentials. Each operation's case builds the request an entitled caller would
send, on fresh objects where the request changes them, owned by customer A."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from adapters.models import BackOfficeSystem
from cart.services import cart_create
from catalog.models import Channel
from customers.models import Customer
from events.models import EventSubscription
from orchestration.lines import ItemInput
from orchestration.models import CancelProductOrder, ProductOrder
from orchestration.placement import OrderRequest, order_place
from overlay.models import ApiClient
from overlay.principal import ClientUser, CustomerUser, Principal, principal_for
from overlay.services import api_client_create, customer_token_issue, roles_ensure
from tests.factories.catalog import CategoryFactory, OfferingFactory, PriceFactory, SpecificationFactory
from tests.factories.customers import BillingAccountFactory, CustomerFactory, HeldProductFactory

SCOPES = (
    "catalog:read",
    "catalog:write",
    "sync:read",
    "customers:read",
    "customers:write",
    "customers:pii",
    "customers:token",
    "customers:register",
    "carts:read",
    "carts:write",
    "orders:read",
    "orders:write",
    "orders:cancel",
    "usage:read",
    "usage:write",
    "tickets:read",
    "tickets:write",
)
ROLES = ("agent", "supervisor", "catalog_manager")
CALLERS = ("anonymous", "customer_a", "customer_b", *SCOPES, *ROLES)


@dataclass
class Request:
    path: str
    body: object = None
    headers: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    owner: Customer | None = None  # whose object it is: customer_a acts as them, customer_b as someone else
    # After a success: undo what would disturb the cases after it (a registered listener would be called).
    after: Callable | None = None
    # Refused requests are sent again to the next caller; not this one (a hand-off code's tries are counted).
    reusable: bool = True


@dataclass
class World:
    base_url: str
    a: Customer
    b: Customer
    plan: object
    spec: object
    price: object
    category: object
    held: object
    issuer: ApiClient
    credentials: dict[str, dict] = field(default_factory=dict)  # staff and applications: headers, cookies

    # --- callers ----------------------------------------------------------------------------
    def headers_for(self, caller: str, owner: Customer | None) -> tuple[dict, dict]:
        """(headers, cookies) of ``caller``; customer_a acts as the object's owner, customer_b as B."""
        if caller == "anonymous":
            return {}, {}
        if caller in ("customer_a", "customer_b"):
            customer = (owner or self.a) if caller == "customer_a" else self.b
            token = customer_token_issue(client_id=self.issuer.pk, channel="web", customer_id=customer.pk).token
            return {"Authorization": f"Bearer {token}"}, {}
        found = self.credentials[caller]
        return dict(found["headers"]), dict(found["cookies"])

    def principal_of(self, caller: str, owner: Customer | None = None) -> Principal | None:
        """The principal a caller acts as, for setting up objects it owns (qualifications, listeners)."""
        if caller == "anonymous":
            return None
        if caller in ("customer_a", "customer_b"):
            customer = (owner or self.a) if caller == "customer_a" else self.b
            user = CustomerUser(self.issuer.pk, self.issuer.name, "web", frozenset(), customer_id=customer.pk)
            return principal_for(user)
        if caller in ROLES:
            return principal_for(get_user_model().objects.get(username=f"matrix-{caller}"))
        client = ApiClient.objects.get(name=f"matrix-{caller}")
        return principal_for(ClientUser(client.pk, client.name, client.channel, frozenset(client.scopes)))

    # --- fresh objects ----------------------------------------------------------------------
    def customer(self, **extra) -> Customer:
        customer = CustomerFactory(postcode="1011AB", house_number="1", **extra)
        BillingAccountFactory(customer=customer)
        return customer

    def cart(self, owner: Customer | None = None):
        agent = principal_for(get_user_model().objects.get(username="matrix-agent"))
        owner = owner or self.customer()
        cart, _ = cart_create(agent, customer=owner, items=[ItemInput(offering_id=self.plan.pk)])
        return cart

    def anonymous_cart(self):
        """An anonymous cart and the secret that lets whoever holds it attach it."""
        agent = principal_for(get_user_model().objects.get(username="matrix-agent"))
        return cart_create(agent, customer=None, items=[ItemInput(offering_id=self.plan.pk)])

    def order(self, owner: Customer | None = None) -> ProductOrder:
        owner = owner or self.customer()
        agent = principal_for(get_user_model().objects.get(username="matrix-agent"))
        request = OrderRequest(customer_id=owner.pk, items=[ItemInput(offering_id=self.plan.pk)], item_ids=["1"])
        return order_place(agent, request).order

    def cancellation(self) -> CancelProductOrder:
        order = self.order(self.a)
        return CancelProductOrder.objects.create(order=order, requested_by="matrix", state="done")

    def handoff_code(self, owner: Customer) -> str:
        from cart.handoffs import handoff_create

        agent = principal_for(get_user_model().objects.get(username="matrix-agent"))
        return handoff_create(self.cart(owner).pk, agent, {}).code

    def ticket(self, owner: Customer | None = None):
        """A trouble ticket about a product the owner (a fresh customer by default) holds, opened by an agent."""
        from care.services import TicketInput, ticket_open

        owner = owner or self.customer()
        held = HeldProductFactory(customer=owner, system="overlay")
        agent = principal_for(get_user_model().objects.get(username="matrix-agent"))
        return ticket_open(agent, TicketInput(held.pk, "no-service", "It does not work.", "major"))

    def ticket_handoff_code(self, owner: Customer) -> str:
        from care.handoffs import ticket_handoff_create

        agent = principal_for(get_user_model().objects.get(username="matrix-agent"))
        return ticket_handoff_create(self.ticket(owner).pk, agent).code

    def listener(self, api: str) -> EventSubscription:
        """A listener registered by an application none of the callers is: nobody else may remove it."""
        return EventSubscription.objects.create(api=api, callback="https://93.184.215.14/x", owner="client:0")


def build_world(base_url: str) -> World:
    from tests.factories.care import categories

    roles_ensure()
    categories()
    for code in ("web", "mobile", "store", "callcentre", "partner"):
        Channel.objects.get_or_create(code=code, defaults={"name": code.title()})
    channels = list(Channel.objects.all())
    spec = SpecificationFactory(name="Matrix phone")
    plan = OfferingFactory(name="Matrix plan", channels=channels)
    price = PriceFactory(offering=plan, name="Monthly", amount=Decimal("20.00"))
    a = CustomerFactory(given_name="Ada", family_name="Owner", postcode="1011AB", house_number="1")
    BillingAccountFactory(customer=a)
    b = CustomerFactory(given_name="Bo", family_name="Other", postcode="1011AB", house_number="2")
    issuer = api_client_create(name="matrix-issuer", channel="web", scopes=["customers:token"]).client
    world = World(
        base_url=base_url,
        a=a,
        b=b,
        plan=plan,
        spec=spec,
        price=price,
        category=CategoryFactory(name="Matrix category"),
        held=HeldProductFactory(customer=a, system="overlay", characteristics={"MSISDN": "+31600000009"}),
        issuer=issuer,
    )
    # The back-office system pushes come from (unsigned here: the signature is their only credential).
    BackOfficeSystem.objects.create(
        code="crm", name="CRM", adapter="adapters.builtin.simulated.CrmAdapter", base_url="http://127.0.0.1:9"
    )
    for scope in SCOPES:
        token = api_client_create(name=f"matrix-{scope}", channel="web", scopes=[scope]).token
        world.credentials[scope] = {"headers": {"Authorization": f"Bearer {token}"}, "cookies": {}}
    for role in ROLES:
        user = get_user_model().objects.create_user(username=f"matrix-{role}", password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        csrf = secrets.token_hex(16)  # a CSRF secret of Django's length: as cookie and header, it passes the check
        world.credentials[role] = {
            "headers": {"X-CSRFToken": csrf},
            "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        }
    return world


def database_digest() -> str:
    """A digest of every Overlay table's rows: equal before and after a request that wrote nothing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'django_%' "
            "AND tablename NOT LIKE 'auth_%' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        # Per table: how many rows, and the newest row version (xmin: the transaction that wrote it). An insert
        # or a delete changes the count; an update writes a row version newer than any before it.
        parts = [
            f"(SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM \"{table}\")" for table in tables
        ]
        cursor.execute("SELECT " + " || '|' || ".join(parts))
        return cursor.fetchone()[0]


Builder = Callable[[World], Request]
