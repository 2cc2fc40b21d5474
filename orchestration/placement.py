"""Order placement: checked, qualified and priced lines become exactly one ProductOrder per idempotency key.

Two ways in, one way through. A checkout (``cart.checkout``) locks the cart, assesses it and
checks what the customer saw, then submits its lines here; a channel that builds the order
itself (TMF622 ``POST productOrder``, ``order_place``) has its lines checked and assessed here.
Either way ``order_submit`` refuses what is not valid or cannot be delivered at the address,
takes the order with its priced snapshot, and remembers the idempotency key.
"""

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.models import ProductOffering
from customers.models import Customer, HeldProduct
from orchestration import lines as order_lines
from orchestration.assessment import Assessment, Line, assess, buyer_prefetches
from orchestration.charges import charge_snapshot, total_snapshot
from orchestration.errors import IdempotencyKeyReused, NotOrderable, NotServiceable, ServiceabilityUnknown
from orchestration.models import ProductOrder
from orchestration.qualification import UNKNOWN, UNQUALIFIED, Place, Rules, place_of, qualify
from orchestration.services import OrderItemInput, order_create
from overlay.models import IdempotencyRecord
from overlay.principal import Principal


@dataclass(frozen=True)
class PlacedOrder:
    order: ProductOrder
    replayed: bool  # the idempotency key was used before: this is the order it placed then


# --- idempotency ---------------------------------------------------------------------------------
def fingerprint_of(kind: str, body) -> str:
    """What a request asked for, to tell a replay (same key, same request) from a reused key."""
    return hashlib.sha256(f"{kind}|{json.dumps(body, sort_keys=True, default=str)}".encode()).hexdigest()


def replay(principal: Principal, idempotency_key: str, fingerprint: str) -> ProductOrder | None:
    """The order placed before with this key, if any; the key used for another request is refused."""
    used = IdempotencyRecord.objects.filter(principal=principal.key, key=idempotency_key).first()
    if used is None:
        return None
    if used.request_hash != fingerprint:
        raise IdempotencyKeyReused("This Idempotency-Key was used for another request; use a new key.")
    return ProductOrder.objects.get(pk=used.resource_id)


def _remember(principal: Principal, idempotency_key: str, fingerprint: str, order: ProductOrder) -> None:
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                principal=principal.key,
                key=idempotency_key,
                request_hash=fingerprint,
                resource_type="ProductOrder",
                resource_id=order.pk,
            )
    except IntegrityError as error:
        # The same key, at the same moment, for another request.
        raise IdempotencyKeyReused("This Idempotency-Key is being used for another order.") from error


def order_items(lines: list[Line], assessment: Assessment) -> list[OrderItemInput]:
    """Priced lines as the order keeps them: numbered, with their price snapshot."""
    items = []
    for number, line in enumerate(lines, start=1):
        quote = assessment.quotes.get(line.pk)
        name = line.offering.name if line.offering else (line.held_product.name if line.held_product else "")
        items.append(
            OrderItemInput(
                item_id=str(number),
                action=line.action,
                offering_id=line.offering_id,
                offering_name=name,
                quantity=line.quantity,
                characteristics=dict(quote.characteristics) if quote else {},
                members=line.members,
                held_product_id=line.held_product.pk if line.held_product else None,
                item_price=[charge_snapshot(c) for c in quote.charges] if quote else [],
            )
        )
    return items


# --- the checks every order passes ---------------------------------------------------------------
def _refuse_invalid(assessment: Assessment, key_of) -> None:
    if not assessment.valid:
        raise NotOrderable(
            " ".join(p.message for p in assessment.problems),
            extra={
                "validation": [
                    {"cartItemId": key_of(p.key), "rule": p.rule, "message": p.message} for p in assessment.problems
                ]
            },
        )


def _check_serviceable(
    principal: Principal, customer: Customer, lines: list[Line], place: Place | None, rules: Rules | None
) -> None:
    offering_ids = [line.offering_id for line in lines if line.offering_id and line.action != order_lines.Action.DELETE]
    answers = qualify(
        principal,
        customer=customer,
        offering_ids=offering_ids,
        place=place or place_of(customer),
        at=timezone.now(),
        rules=rules,
    )
    for answer in answers:
        codes = {r.code for r in answer.reasons}
        if answer.result == UNQUALIFIED and "notServiceable" in codes:
            raise NotServiceable(next(r.label for r in answer.reasons if r.code == "notServiceable"))
        if answer.result == UNKNOWN:
            raise ServiceabilityUnknown(" ".join(r.label for r in answer.reasons))


@dataclass(frozen=True)
class OrderDetails:
    """What an order carries besides its lines (TMF622 attributes; a checkout names its cart)."""

    cart_id: str = ""
    description: str = ""
    external_id: str = ""
    priority: str = ""
    category: str = ""
    note: list = field(default_factory=list)
    requested_completion_date: datetime | None = None


def order_submit(
    principal: Principal,
    *,
    customer: Customer,
    lines: list[Line],
    assessment: Assessment,
    place: Place | None,
    idempotency_key: str,
    fingerprint: str,
    details: OrderDetails | None = None,
    item_ids: dict[str, str] | None = None,
    rules: Rules | None = None,
) -> ProductOrder:
    """Take an order of assessed lines, in the caller's transaction: refused when a line is not valid or
    cannot be delivered at ``place`` (the customer's address by default); the key is remembered.

    ``item_ids``: the ids the channel gave its lines, by their number (``"1"``, ``"2"``...).
    ``rules``: the offering rules the assessment used, when the caller has them (qualifying reads them again).
    """
    names = item_ids or {}
    details = details or OrderDetails()
    _refuse_invalid(assessment, key_of=lambda key: names.get(key, key))
    _check_serviceable(principal, customer, lines, place, rules)
    items = order_items(lines, assessment)
    if names:
        items = [replace(item, item_id=names[item.item_id]) for item in items]
    order = order_create(
        customer_id=customer.pk,
        channel=principal.channel,
        created_by=principal.actor,
        items=items,
        total_price=total_snapshot(assessment.totals),
        cart_id=details.cart_id,
        description=details.description,
        external_id=details.external_id,
        note=details.note,
        priority=details.priority,
        category=details.category,
        requested_completion_date=details.requested_completion_date,
    )
    if idempotency_key:
        _remember(principal, idempotency_key, fingerprint, order)
    return order


# --- TMF622 POST productOrder ---------------------------------------------------------------------
@dataclass(frozen=True)
class OrderRequest:
    """An order a channel builds itself (TMF622 POST productOrder), in domain terms."""

    customer_id: str
    items: list[order_lines.ItemInput]
    item_ids: list[str]  # as the channel named its lines
    details: OrderDetails = field(default_factory=OrderDetails)
    place: Place | None = None


@dataclass
class OrderLine:
    """A line of a direct order, shaped as ``assessment.Line``."""

    pk: int
    action: str
    offering: ProductOffering | None
    quantity: int
    characteristics: dict
    members: dict
    held_product: HeldProduct | None

    @property
    def offering_id(self) -> str | None:
        return self.offering.pk if self.offering else None


def _lines_of(request: OrderRequest) -> list[OrderLine]:
    offering_ids = {i.offering_id for i in request.items if i.offering_id}
    held_ids = {i.held_product_id for i in request.items if i.held_product_id}
    offerings = {o.pk: o for o in ProductOffering.objects.filter(pk__in=offering_ids)}
    held = {p.pk: p for p in HeldProduct.objects.filter(pk__in=held_ids)}
    return [
        OrderLine(
            pk=number,
            action=i.action,
            offering=offerings.get(i.offering_id),
            quantity=i.quantity,
            characteristics=i.characteristics,
            members=i.members,
            held_product=held.get(i.held_product_id),
        )
        for number, i in enumerate(request.items, start=1)
    ]


def order_place(principal: Principal, request: OrderRequest, *, idempotency_key: str = "", body=None) -> PlacedOrder:
    """Take an order built by a channel: checked, qualified and priced exactly like a checkout.

    Without an ``Idempotency-Key`` every call is a new order; with one, a replay returns the
    same order and another body with the same key is refused.
    """
    fingerprint = fingerprint_of("order", body)
    with transaction.atomic():
        # One order at a time per customer; what the rules know of them is read once, for pricing and qualifying.
        customer = (
            Customer.objects.select_for_update().prefetch_related(*buyer_prefetches()).get(pk=request.customer_id)
        )
        if idempotency_key:
            replayed = replay(principal, idempotency_key, fingerprint)
            if replayed is not None:
                return PlacedOrder(replayed, replayed=True)
        now = timezone.now()
        offering_ids = {i.offering_id for i in request.items if i.offering_id}
        # One pricing pass: the lines are checked and assessed on the same pricing data, and qualified on the
        # same rules.
        pricing = catalog_selectors.pricing_data(offering_ids, catalog_selectors.offerings_visible(principal, now), now)
        order_lines.check_items(customer.pk, request.items, principal, pricing=pricing)
        lines = _lines_of(request)
        rules = catalog_selectors.offering_rules(offering_ids)
        assessment = assess(customer, lines, pricing, rules, principal.channel, now)
        order = order_submit(
            principal,
            customer=customer,
            lines=lines,
            assessment=assessment,
            place=request.place,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            details=request.details,
            item_ids={str(number): item_id for number, item_id in enumerate(request.item_ids, start=1)},
            rules=Rules(offering_ids, rules),
        )
    return PlacedOrder(order, replayed=False)
