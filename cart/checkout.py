"""Checkout: a valid, qualified, freshly priced cart becomes exactly one ProductOrder per idempotency key."""

import hashlib
import json
from dataclasses import dataclass, replace

from django.db import IntegrityError, transaction
from django.utils import timezone

from cart import services
from cart.assessment import Assessment, assess, assess_many, carts_for_assessment
from cart.errors import (
    CartNotValid,
    IdempotencyKeyReused,
    NotServiceable,
    PriceChanged,
    ServiceabilityUnknown,
    StaleCartVersion,
)
from cart.models import CartItem, ShoppingCart
from cart.qualification import UNKNOWN, UNQUALIFIED, Place, place_of, qualify
from catalog import selectors as catalog_selectors
from catalog.models import ProductOffering
from catalog.pricing import Charge
from customers.models import Customer, HeldProduct
from orchestration.models import ProductOrder
from orchestration.services import OrderItemInput, order_create
from overlay.api.views import etags_in
from overlay.models import IdempotencyRecord
from overlay.principal import Principal


def cart_etag(cart: ShoppingCart, assessment: Assessment) -> str:
    """``"<version>-<price digest>"``: the first half says what is in the cart, the second what it costs."""
    return f'"{cart.version}-{assessment.price_digest}"'


def parse_etags(header: str | None) -> list[tuple[int, str]]:
    """The (version, price digest) pairs an ``If-Match`` header names; unreadable tags match nothing."""
    pairs = []
    for tag in etags_in(header or ""):
        version, _, digest = tag.strip('"').partition("-")
        if version.isdigit():
            pairs.append((int(version), digest))
    return pairs


def versions_in(header: str | None) -> set[int] | None:
    """The cart versions an ``If-Match`` header accepts (None: no precondition)."""
    if not header or header.strip() == "*":
        return None
    return {version for version, _ in parse_etags(header)}


def request_hash(cart_id: str, body: dict) -> str:
    return hashlib.sha256(f"checkout|{cart_id}|{json.dumps(body, sort_keys=True)}".encode()).hexdigest()


def charge_snapshot(charge: Charge) -> dict:
    """A charge as the order keeps it (plain values; the API renders it the TMF way)."""
    return {
        "price_id": charge.price_id,
        "offering_id": charge.offering_id,
        "name": charge.name,
        "price_type": charge.price_type,
        "period": charge.period,
        "unit_of_measure": charge.unit_of_measure,
        "currency": charge.currency,
        "amount": str(charge.amount),
        "tax_rate": str(charge.tax_rate),
        "tax_amount": str(charge.tax_amount),
        "total": str(charge.total),
        "alterations": [{"name": a.name, "reason": a.reason, "amount": str(a.amount)} for a in charge.alterations],
    }


def total_snapshot(totals) -> list[dict]:
    return [
        {
            "price_type": t.price_type,
            "period": t.period,
            "currency": t.currency,
            "amount": str(t.amount),
            "tax_amount": str(t.tax_amount),
            "total": str(t.total),
        }
        for t in totals
    ]


def order_items(items: list[CartItem], assessment: Assessment) -> list[OrderItemInput]:
    """Priced lines as the order keeps them: numbered, with their price snapshot."""
    return [
        OrderItemInput(
            item_id=str(index),
            action=item.action,
            offering_id=item.offering_id,
            offering_name=item.offering.name
            if item.offering
            else (item.held_product.name if item.held_product else ""),
            quantity=item.quantity,
            characteristics=dict(assessment.quotes[item.pk].characteristics) if item.pk in assessment.quotes else {},
            members=item.members,
            held_product_id=item.held_product_id,
            item_price=[charge_snapshot(c) for c in assessment.quotes[item.pk].charges]
            if item.pk in assessment.quotes
            else [],
        )
        for index, item in enumerate(items, start=1)
    ]


def _refuse_invalid(assessment: Assessment, key_of=lambda key: key) -> None:
    if not assessment.valid:
        raise CartNotValid(
            " ".join(p.message for p in assessment.problems),
            extra={
                "validation": [
                    {"cartItemId": key_of(p.key), "rule": p.rule, "message": p.message} for p in assessment.problems
                ]
            },
        )


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


def _replay(principal: Principal, idempotency_key: str, fingerprint: str) -> ProductOrder | None:
    used = IdempotencyRecord.objects.filter(principal=principal.key, key=idempotency_key).first()
    if used is None:
        return None
    if used.request_hash != fingerprint:
        raise IdempotencyKeyReused("This Idempotency-Key was used for another request; use a new key.")
    return ProductOrder.objects.get(pk=used.resource_id)


@dataclass(frozen=True)
class CheckoutResult:
    order: ProductOrder
    replayed: bool


def _check_serviceable(principal: Principal, cart: ShoppingCart, items: list[CartItem], place: Place | None) -> None:
    offering_ids = [i.offering_id for i in items if i.offering_id and i.action != CartItem.Action.DELETE]
    answers = qualify(
        principal,
        customer=cart.customer,
        offering_ids=offering_ids,
        place=place or place_of(cart.customer),
        at=timezone.now(),
    )
    for answer in answers:
        codes = {r.code for r in answer.reasons}
        if answer.result == UNQUALIFIED and "notServiceable" in codes:
            raise NotServiceable(next(r.label for r in answer.reasons if r.code == "notServiceable"))
        if answer.result == UNKNOWN:
            raise ServiceabilityUnknown(" ".join(r.label for r in answer.reasons))


def cart_checkout(
    cart_id: str,
    principal: Principal,
    *,
    idempotency_key: str,
    body: dict,
    if_match: str | None,
    place: Place | None = None,
) -> CheckoutResult:
    """Check a cart out, once.

    The cart row is locked first, so concurrent requests with the same key wait for the
    first and then find its order. A key reused for another cart or body is refused. With
    ``If-Match`` (the ETag the customer saw) a changed cart is 412 and a changed price is
    ``PriceChanged`` carrying the new assessment, so nobody is charged a price they were
    not shown.
    """
    fingerprint = request_hash(cart_id, body)
    with transaction.atomic():
        cart = services.lock_cart(cart_id)
        replayed = _replay(principal, idempotency_key, fingerprint)
        if replayed is not None:
            return CheckoutResult(replayed, replayed=True)
        services.check_open(cart)
        if cart.customer_id is None:
            raise CartNotValid("Tell us who you are (sign in) before checking out.")
        loaded = carts_for_assessment(ShoppingCart.objects.filter(pk=cart.pk)).get()
        assessment = assess_many([loaded], principal, timezone.now())[cart.pk]
        seen = parse_etags(if_match)
        if if_match and if_match.strip() != "*":
            if not any(version == cart.version for version, _ in seen):
                raise StaleCartVersion("The cart was changed since you read it; read it again before paying.")
            if not any(digest == assessment.price_digest for version, digest in seen if version == cart.version):
                error = PriceChanged("The price changed since you saw it; please confirm the new price.")
                error.assessment, error.cart = assessment, loaded
                raise error
        _refuse_invalid(assessment)
        active = [i for i in loaded.items.all() if i.status == CartItem.Status.ACTIVE]
        _check_serviceable(principal, loaded, active, place)
        order = order_create(
            customer_id=cart.customer_id,
            channel=principal.channel,
            created_by=principal.actor,
            cart_id=cart.pk,
            items=order_items(active, assessment),
            total_price=total_snapshot(assessment.totals),
        )
        _remember(principal, idempotency_key, fingerprint, order)
        cart.status = ShoppingCart.Status.CHECKED_OUT
        cart.order_id = order.pk
        cart.checked_out_at = timezone.now()
        services.touch(cart, principal, "checked out", f"order {order.pk} placed in {principal.channel}")
    return CheckoutResult(order, replayed=False)


@dataclass(frozen=True)
class OrderRequest:
    """An order a channel builds itself (TMF622 POST productOrder), in domain terms."""

    customer_id: str
    items: list  # cart.services.ItemInput, with ``item_ids`` naming them as the channel did
    item_ids: list[str]
    description: str = ""
    external_id: str = ""
    priority: str = ""
    category: str = ""
    note: list | None = None
    requested_completion_date: object = None
    place: Place | None = None


def order_place(principal: Principal, request: OrderRequest, *, idempotency_key: str = "", body=None) -> CheckoutResult:
    """Take an order built by a channel: checked, qualified and priced exactly like a checkout.

    Without an ``Idempotency-Key`` every call is a new order; with one, a replay returns the
    same order and another body with the same key is refused.
    """
    fingerprint = hashlib.sha256(f"order|{json.dumps(body, sort_keys=True, default=str)}".encode()).hexdigest()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=request.customer_id)  # one order at a time each
        if idempotency_key:
            replayed = _replay(principal, idempotency_key, fingerprint)
            if replayed is not None:
                return CheckoutResult(replayed, replayed=True)
        cart = ShoppingCart(customer=customer, channel=principal.channel)
        services.check_items(cart, request.items, principal)
        offerings = {
            o.pk: o
            for o in ProductOffering.objects.filter(pk__in={i.offering_id for i in request.items if i.offering_id})
        }
        held = {
            p.pk: p
            for p in HeldProduct.objects.filter(pk__in={i.held_product_id for i in request.items if i.held_product_id})
        }
        lines = [
            CartItem(
                id=number,
                cart=cart,
                action=i.action,
                offering=offerings.get(i.offering_id),
                quantity=i.quantity,
                characteristics=i.characteristics,
                members=i.members,
                held_product=held.get(i.held_product_id),
            )
            for number, i in enumerate(request.items, start=1)
        ]
        now = timezone.now()
        offering_ids = set(offerings)
        visible = catalog_selectors.offerings_visible(principal, now)
        assessment = assess(
            cart,
            lines,
            catalog_selectors.pricing_data(offering_ids, visible, now),
            catalog_selectors.offering_rules(offering_ids),
            principal.channel,
            now,
        )
        names = {str(number): item_id for number, item_id in enumerate(request.item_ids, start=1)}
        _refuse_invalid(assessment, key_of=lambda key: names.get(key, key))
        _check_serviceable(principal, cart, lines, request.place)
        items = order_items(lines, assessment)
        items = [replace(item, item_id=names[item.item_id]) for item in items]
        order = order_create(
            customer_id=customer.pk,
            channel=principal.channel,
            created_by=principal.actor,
            items=items,
            total_price=total_snapshot(assessment.totals),
            description=request.description,
            external_id=request.external_id,
            priority=request.priority,
            category=request.category,
            note=request.note,
            requested_completion_date=request.requested_completion_date,
        )
        if idempotency_key:
            _remember(principal, idempotency_key, fingerprint, order)
    return CheckoutResult(order, replayed=False)
