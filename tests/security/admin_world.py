"""One object of every model the admin shows, and the console pages' requests, for the admin's matrix."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from adapters.models import BackOfficeSystem, QuarantinedRecord, SyncCursor, SyncRun
from cart.handoffs import handoff_create
from cart.models import Handoff, ShoppingCart
from catalog.demo_aftersales import aftersales_plans
from catalog.models import Channel, CharacteristicSpec, MarketSegment, Recommendation
from customers.models import HeldProduct, LinkSuggestion
from events.models import EventDelivery, EventSubscription, OutboxEvent
from orchestration.models import FulfilmentTask, ProductOrder
from overlay.models import ApiClient
from overlay.principal import principal_for
from tests.factories.catalog import (
    CampaignFactory,
    CategoryFactory,
    OfferingFactory,
    PriceFactory,
    SpecificationFactory,
)
from tests.factories.customers import BillingAccountFactory, CustomerFactory, HeldProductFactory
from tests.factories.knowledge import article, category
from tests.factories.rightsizing import holding, mobile_plans, used
from tests.factories.usage import MetricFactory, ingest, record, usage_price
from tests.security.world import World
from usage.models import Consumption, UsageAlert, UsageRecord


def one_of_each(world: World) -> dict[str, object]:
    """An object of every model registered in the admin, by its label (``app.model``)."""
    agent = principal_for(get_user_model().objects.get(username="matrix-agent"))
    system = BackOfficeSystem.objects.get(code="crm")
    run = SyncRun.objects.create(system=system, stream="customers", kind="pull")
    order = world.order(world.a)
    item = order.items.get()
    spec = SpecificationFactory()
    offering = OfferingFactory(specification=spec)
    event = OutboxEvent.objects.create(
        api="productOrderingManagement", event_type="X", resource_type="ProductOrder", resource_id=order.pk, payload={}
    )
    subscription = EventSubscription.objects.create(api="productOrderingManagement", callback="https://x.example/")
    cart = world.cart(world.customer())
    handoff_create(cart.pk, agent, {})
    other = CustomerFactory()
    data = MetricFactory(code="data", unit="MB")
    used = HeldProductFactory(customer=world.a, offering=offering)
    usage_price(offering, data, included=10, tiers=[(0, None, "0.01")])
    ingest([record(1, used, quantity=20, start=timezone.now())])
    return {
        "adapters.backofficesystem": system,
        "adapters.quarantinedrecord": QuarantinedRecord.objects.create(
            system=system, stream="customers", external_id="C9", payload={"id": "C9"}, error="bad", run=run
        ),
        "adapters.synccursor": SyncCursor.objects.create(system=system, stream="customers", cursor="c1"),
        "adapters.syncrun": run,
        "auth.group": Group.objects.get(name="agent"),
        "auth.user": get_user_model().objects.create_user(username="someone", password="pw"),
        "cart.handoff": Handoff.objects.get(cart=cart),
        "cart.shoppingcart": ShoppingCart.objects.get(pk=cart.pk),
        "care.troubleticket": world.ticket(world.a),
        "catalog.campaign": CampaignFactory(),
        "catalog.category": CategoryFactory(),
        "catalog.channel": Channel.objects.get(code="web"),
        "catalog.characteristicspec": CharacteristicSpec.objects.create(specification=spec, name="Colour"),
        "catalog.marketsegment": MarketSegment.objects.create(code="seg", name="Segment"),
        "catalog.productoffering": offering,
        "catalog.productofferingprice": PriceFactory(offering=offering),
        "catalog.productspecification": spec,
        "catalog.recommendation": Recommendation.objects.create(
            source=offering, target=world.plan, kind="upsell", reason="r"
        ),
        "customers.billingaccount": BillingAccountFactory(customer=world.a),
        "customers.customer": world.a,
        "customers.heldproduct": HeldProductFactory(customer=world.a),
        "customers.linksuggestion": LinkSuggestion.objects.create(customer=other, candidate=world.a, reason="phone"),
        "events.eventdelivery": EventDelivery.objects.create(
            event=event, subscription=subscription, resource_key=f"ProductOrder:{order.pk}"
        ),
        "events.eventsubscription": subscription,
        "events.outboxevent": event,
        "knowledge.article": article("Fibre: no internet", offerings=[offering], categories=["no-service"]),
        "knowledge.ticketcategory": category("slow-connection", "Slow connection"),
        "orchestration.fulfilmenttask": FulfilmentTask.objects.create(
            order=order, item=item, key="k", system="crm", task="t", reference=f"{order.pk}-ref"
        ),
        "orchestration.productorder": ProductOrder.objects.get(pk=order.pk),
        "overlay.apiclient": ApiClient.objects.get(name="matrix-issuer"),
        "catalog.usagemetric": data,
        "usage.consumption": Consumption.objects.get(product=used),
        "usage.usagealert": UsageAlert.objects.filter(product=used).first(),
        "usage.usagerecord": UsageRecord.objects.get(product=used),
    }


def returnable_device(customer) -> HeldProduct:
    """A phone delivered yesterday, whose plan says how it is returned."""
    spec = SpecificationFactory(name="Phone", kind="physical")
    aftersales_plans(devices=[spec.pk], repairable=[spec.pk])
    offering = OfferingFactory(specification=spec)
    return HeldProductFactory(
        customer=customer, system="logistics", offering=offering, start_date=timezone.now() - timedelta(days=1)
    )


def console_requests(world: World) -> dict[str, tuple[str, str, dict]]:
    """The console's pages: (method, url, form data), each on fresh objects."""
    cart = world.cart(world.customer())
    order = world.order(world.a)
    ProductOrder.objects.filter(pk=order.pk).update(state="inProgress")
    suggestion = LinkSuggestion.objects.create(customer=CustomerFactory(), candidate=world.a, reason="phone")
    agent = principal_for(get_user_model().objects.get(username="matrix-agent"))
    code = handoff_create(world.cart(world.customer()).pk, agent, {}).code
    # A heavy user on a small plan: a bigger one is proposed, and the request starts that change.
    heavy = world.customer()
    plans = mobile_plans(list(Channel.objects.all()))
    product = holding(heavy, plans.small)
    used(product, [15000, 15000, 15000])
    device = returnable_device(world.customer())
    ticket = world.ticket(world.customer())
    ticket_code = world.ticket_handoff_code(world.customer())
    reporter = world.customer()
    reported = HeldProductFactory(customer=reporter, system="overlay")
    return {
        "POST care-console-claim": ("post", reverse("admin:care-console-claim"), {"code": ticket_code}),
        "POST care-console-open": (
            "post",
            reverse("admin:care-console-open", args=[reporter.pk]),
            {"product": reported.pk, "category": "other", "severity": "minor", "description": "Noisy line"},
        ),
        "GET care-console-ticket": ("get", reverse("admin:care-console-ticket", args=[ticket.pk]), {}),
        "POST care-console-ticket-change": (
            "post",
            reverse("admin:care-console-ticket-change", args=[ticket.pk, "note"]),
            {"text": "Called back"},
        ),
        "GET customer-console": ("get", reverse("admin:customer-console"), {"q": "Owner"}),
        "GET customer-console-customer": ("get", reverse("admin:customer-console-customer", args=[world.a.pk]), {}),
        "POST customer-console-contact": (
            "post",
            reverse("admin:customer-console-contact", args=[world.customer().pk]),
            {"city": "Utrecht"},
        ),
        "POST customer-console-decide": (
            "post",
            reverse("admin:customer-console-decide", args=[suggestion.pk, "split"]),
            {},
        ),
        "POST customer-console-plan-change": (
            "post",
            reverse("admin:customer-console-plan-change", args=[heavy.pk, product.pk]),
            {"offering": plans.large.pk},
        ),
        "POST customer-console-aftersales": (
            "post",
            reverse("admin:customer-console-aftersales", args=[device.customer_id]),
            {"product": device.pk, "kind": "return", "reason": "faulty"},
        ),
        "POST cart-console-claim": ("post", reverse("admin:cart-console-claim"), {"code": code}),
        "POST cart-console-start": ("post", reverse("admin:cart-console-start", args=[world.customer().pk]), {}),
        "GET cart-console-cart": ("get", reverse("admin:cart-console-cart", args=[cart.pk]), {}),
        "POST cart-console-edit": (
            "post",
            reverse("admin:cart-console-edit", args=[cart.pk, "add"]),
            {"offering": world.plan.pk, "quantity": "1"},
        ),
        "POST orchestration_productorder_supervise": (
            "post",
            reverse("admin:orchestration_productorder_supervise", args=[order.pk, "retry"]),
            {},
        ),
    }
