"""After-sales orders: a return, an exchange or a repair of a product the customer holds.

Each is a TMF622 product order whose ``category`` says its kind, with one item per held product
(``product.id``): a return ends the product (item action ``delete``), an exchange swaps it for the
same or another offering (``modify``, ``productOffering`` the one wanted), a repair keeps it
(``modify``). Item characteristics carry the customer's terms: ``reason`` (``faulty`` counts for
the rules below) and, for a repair, ``loaner`` (true: a device is lent meanwhile).

The steps are data: the ``return``, ``exchange``, ``repair`` and ``loaner`` steps of the product's
specification's fulfilment plan (``orchestration.plan.plan_actions``), run by the same orchestration
as any order. A product whose plan has no steps for the kind cannot have it (not a device, not
repairable). The rules:

- a return only within ``COOLING_OFF_DAYS`` of delivery (the product's start date); the refund is
  what was paid once for it (its one-time charges);
- an exchange within that period for any reason, the price difference charged or refunded (none
  for the same offering); after it only a faulty device, for the same offering, free (warranty);
- a repair at any time, free.

The money travels to billing in the item's characteristics (``refund`` or ``charge``, ``currency``,
``billingAccount``), the systems' payload; the item's price shows it to the channels (a refund as
a negative one-time charge).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.fulfilment import AFTERSALES_ACTIONS, LOANER
from catalog.models import FulfilmentStep, ProductOffering
from catalog.pricing import PricingContext, PricingItem, price_item, round_money
from catalog.rules import Line as RuleLine
from catalog.rules import evaluate
from customers import services as customer_services
from customers.models import Customer, HeldProduct
from orchestration import states
from orchestration.assessment import buyer_facts
from orchestration.charges import charge_snapshot
from orchestration.errors import NotOrderable
from orchestration.lines import Action, ItemInput
from orchestration.models import ProductOrder, ProductOrderItem
from orchestration.placement import OrderRequest, PlacedOrder, _remember, fingerprint_of, replay
from orchestration.selectors import orders_visible
from orchestration.services import OrderItemInput, order_create
from overlay.errors import Conflict, DomainError, UnprocessableEntity
from overlay.principal import Principal

RETURN, EXCHANGE, REPAIR = AFTERSALES_ACTIONS
ITEM_ACTION = {RETURN: Action.DELETE, EXCHANGE: Action.MODIFY, REPAIR: Action.MODIFY}
FAULTY = "faulty"
TERMS = ("reason", LOANER)  # the characteristics a customer may give an after-sales item
ZERO = Decimal(0)


class CoolingOffExpired(DomainError):
    code = "coolingOffExpired"
    reason = "The cooling-off period is over"


def is_aftersales(category: str) -> bool:
    return category in AFTERSALES_ACTIONS


def cooling_off_ends(held: HeldProduct):
    """When the product's cooling-off period ends (None: never delivered, so never started)."""
    return held.start_date + timedelta(days=settings.COOLING_OFF_DAYS) if held.start_date else None


def kinds_planned(specification_ids) -> dict[str, set[str]]:
    """The after-sales kinds each specification's plan has steps for."""
    kinds: dict[str, set[str]] = {}
    steps = FulfilmentStep.objects.filter(specification_id__in=set(specification_ids) - {None})
    for spec_id, actions in steps.values_list("specification_id", "actions"):
        planned = {a.strip() for a in actions.split(",")} & set(AFTERSALES_ACTIONS)
        kinds.setdefault(spec_id, set()).update(planned)
    return kinds


@dataclass(frozen=True)
class _Money:
    amount: Decimal  # before tax; negative: owed to the customer
    tax: Decimal
    currency: str

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax

    def minus(self, other: "_Money") -> "_Money":
        return _Money(self.amount - other.amount, self.tax - other.tax, self.currency or other.currency)


def _one_time(charges) -> _Money:
    """The one-time part of a list of charges (snapshots, as orders and held products keep them)."""
    once = [c for c in charges if c["price_type"] == "oneTime"]
    currency = once[0]["currency"] if once else "EUR"
    return _Money(
        sum((Decimal(c["amount"]) for c in once), ZERO), sum((Decimal(c["tax_amount"]) for c in once), ZERO), currency
    )


def _price_now(offering_id: str, principal: Principal, *, visible) -> _Money | None:
    """The one-time price of one unit of an offering now (None: not offered to this caller)."""
    now = timezone.now()
    pricing = catalog_selectors.pricing_data({offering_id}, visible, now)
    if offering_id not in pricing.offerings:
        return None
    quote = price_item(PricingItem(offering_id=offering_id), pricing, PricingContext(at=now, channel=principal.channel))
    return _one_time([charge_snapshot(c) for c in quote.charges])


def _paid(held: HeldProduct, principal: Principal) -> _Money:
    """What the customer paid once for the product: its order's charges, or its offering's price today."""
    if held.price:
        return _one_time(held.price)
    if held.offering_id:
        found = _price_now(held.offering_id, principal, visible=ProductOffering.objects.filter(pk=held.offering_id))
        if found is not None:
            return found
    return _Money(ZERO, ZERO, "EUR")


def _adjustment(money: _Money, offering_id: str | None, name: str) -> dict:
    rate = (money.tax / money.amount * 100).quantize(Decimal("0.01")) if money.amount else ZERO
    currency = money.currency
    return {
        "price_id": "",
        "offering_id": offering_id or "",
        "name": name,
        "price_type": "oneTime",
        "period": "",
        "unit_of_measure": "",
        "currency": currency,
        "quantity": "1",
        "gross_amount": str(round_money(money.amount, currency)),
        "amount": str(round_money(money.amount, currency)),
        "tax_rate": str(rate),
        "tax_amount": str(round_money(money.tax, currency)),
        "total": str(round_money(money.total, currency)),
        "alterations": [],
    }


def _terms(kind: str, line: ItemInput) -> dict:
    unknown = sorted(set(line.characteristics) - set(TERMS))
    if unknown:
        raise UnprocessableEntity(
            f"an after-sales item takes only {', '.join(TERMS)}, not {', '.join(unknown)}.", field="characteristics"
        )
    terms = {"reason": str(line.characteristics["reason"])[:60]} if line.characteristics.get("reason") else {}
    loaner = line.characteristics.get(LOANER, False)
    if loaner not in (True, False, "true", "false"):
        raise UnprocessableEntity("loaner is true or false.", field="characteristics")
    if loaner in (True, "true"):
        if kind != REPAIR:
            raise UnprocessableEntity("a loaner device comes with a repair only.", field="characteristics")
        terms[LOANER] = "true"  # characteristic values are strings
    return terms


def _check_product(kind: str, held: HeldProduct | None, line: ItemInput, customer: Customer, planned) -> HeldProduct:
    if not line.held_product_id:
        raise UnprocessableEntity(f"a {kind} names the product you hold (product.id).", field="held_product")
    if held is None or held.customer_id != customer.pk:
        raise UnprocessableEntity(f"you hold no product '{line.held_product_id}'.", field="held_product")
    if held.status != HeldProduct.Status.ACTIVE:
        raise Conflict(f"'{held.name}' is {held.status}: it cannot be {kind}ed.")
    spec_id = held.offering.specification_id if held.offering else None
    if kind not in planned.get(spec_id, ()):
        what = {RETURN: "returned", EXCHANGE: "exchanged", REPAIR: "repaired"}[kind]
        raise UnprocessableEntity(f"'{held.name}' cannot be {what}.", field="held_product")
    return held


def _in_flight(held_ids: set[str]) -> set[str]:
    """Products already in an after-sales order that has not finished."""
    return set(
        ProductOrderItem.objects.filter(held_product_id__in=held_ids, order__category__in=AFTERSALES_ACTIONS)
        .exclude(order__state__in=states.FINAL)
        .values_list("held_product_id", flat=True)
    )


def _check_eligible(customer: Customer, request: OrderRequest, held: dict, principal: Principal) -> None:
    """An exchange for another device obeys the rules its purchase would (segment, age, region, channel...):
    the customer gets it in place of the one they give back."""
    swaps = [
        (item_id, line)
        for item_id, line in zip(request.item_ids, request.items, strict=True)
        if line.offering_id and line.offering_id != held[line.held_product_id].offering_id
    ]
    if not swaps:
        return
    names = dict(
        ProductOffering.objects.filter(pk__in={line.offering_id for _, line in swaps}).values_list("pk", "name")
    )
    lines = [
        RuleLine(
            key=item_id,
            offering_id=line.offering_id,
            offering_name=names.get(line.offering_id, ""),
            quantity=1,
            removes=held[line.held_product_id].name,
        )
        for item_id, line in swaps
    ]
    problems = evaluate(
        lines, catalog_selectors.offering_rules(names), buyer_facts(customer), principal.channel, timezone.now().date()
    )
    if problems:
        raise NotOrderable(
            " ".join(p.message for p in problems),
            extra={"validation": [{"orderItemId": p.key, "rule": p.rule, "message": p.message} for p in problems]},
        )


def _item(kind: str, number: str, line: ItemInput, held: HeldProduct, principal: Principal, planned) -> OrderItemInput:
    """One checked after-sales item, with its money: a refund, a charge, or none."""
    terms = _terms(kind, line)
    faulty = terms.get("reason") == FAULTY
    ends = cooling_off_ends(held)
    cooling = ends is not None and timezone.now() <= ends
    offering_id, name = held.offering_id, held.name
    money = _Money(ZERO, ZERO, "EUR")
    if kind == RETURN:
        if not cooling:
            raise CoolingOffExpired(
                f"'{held.name}' can be returned within {settings.COOLING_OFF_DAYS} days of delivery"
                + (f"; that ended {ends:%Y-%m-%d}." if ends else "; it was never delivered."),
                field="held_product",
            )
        money = _Money(ZERO, ZERO, "EUR").minus(_paid(held, principal))
    elif kind == EXCHANGE:
        offering_id = line.offering_id or held.offering_id
        same = offering_id == held.offering_id
        if not cooling and not (faulty and same):
            raise CoolingOffExpired(
                f"after {settings.COOLING_OFF_DAYS} days '{held.name}' is exchanged only when faulty, "
                "for the same offering.",
                field="held_product",
            )
        offering = ProductOffering.objects.filter(pk=offering_id).first()
        if offering is None or EXCHANGE not in planned.get(offering.specification_id, ()):
            raise UnprocessableEntity(f"there is no device '{offering_id}' to exchange for.", field="offering")
        if not same:
            visible = catalog_selectors.offerings_visible(principal, timezone.now())
            new = _price_now(offering_id, principal, visible=visible)
            if new is None:
                raise UnprocessableEntity(
                    f"there is no product offering '{offering_id}' for sale here.", field="offering"
                )
            money = new.minus(_paid(held, principal))
        name = offering.name
    if money.amount < 0:
        terms.update(refund=str(-round_money(money.total, money.currency)), currency=money.currency)
    elif money.amount > 0:
        terms.update(charge=str(round_money(money.total, money.currency)), currency=money.currency)
    terms.update(serialNumber=str(held.characteristics.get("serialNumber") or held.external_id))
    account = held.billing_account_ref or _account_of(held.customer_id)
    if account:
        terms.update(billingAccount=account)
    label = "Refund" if money.amount < 0 else "Price difference"
    return OrderItemInput(
        item_id=number,
        action=ITEM_ACTION[kind],
        offering_id=offering_id,
        offering_name=name,
        quantity=1,
        characteristics=terms,
        held_product_id=held.pk,
        item_price=[_adjustment(money, offering_id, label)] if money.amount else [],
    )


def _account_of(customer_id: str) -> str:
    account = Customer.objects.get(pk=customer_id).billing_accounts.order_by("external_id").first()
    return account.external_id if account else ""


def _totals(items: list[OrderItemInput]) -> list[dict]:
    charges = [c for item in items for c in item.item_price]
    if not charges:
        return []
    currency = charges[0]["currency"]
    amount = sum((Decimal(c["amount"]) for c in charges), ZERO)
    tax = sum((Decimal(c["tax_amount"]) for c in charges), ZERO)
    return [
        {
            "price_type": "oneTime",
            "period": "",
            "currency": currency,
            "amount": str(amount),
            "tax_amount": str(tax),
            "total": str(amount + tax),
        }
    ]


def aftersales_place(
    principal: Principal, request: OrderRequest, *, idempotency_key: str = "", body=None
) -> PlacedOrder:
    """Take a return, an exchange or a repair (the request's ``category``) of products the customer holds.

    Refused with nothing written: an item naming no product of the customer's, one not active
    (already returned) or in another after-sales order (409), one whose plan has no steps for the
    kind (not a device; not repairable), a return after the cooling-off period (422
    ``coolingOffExpired``), an exchange for an offering that is no device for sale here.
    """
    kind = request.details.category
    fingerprint = fingerprint_of("order", body)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=request.customer_id)  # one order at a time each
        if idempotency_key:
            replayed = replay(principal, idempotency_key, fingerprint)
            if replayed is not None:
                return PlacedOrder(replayed, replayed=True)
        for line in request.items:
            if line.action != ITEM_ACTION[kind]:
                raise UnprocessableEntity(
                    f"the items of a {kind} have action '{ITEM_ACTION[kind]}', not '{line.action}'.", field="action"
                )
            if line.members or line.quantity != 1:
                raise UnprocessableEntity(f"a {kind} is of one product per item.", field="held_product")
        held_ids = {line.held_product_id for line in request.items if line.held_product_id}
        if len(held_ids) != len(request.items):
            raise UnprocessableEntity(f"each item of a {kind} names another product you hold.", field="held_product")
        held = {p.pk: p for p in HeldProduct.objects.select_related("offering").filter(pk__in=held_ids)}
        spec_ids = {p.offering.specification_id for p in held.values() if p.offering}
        targets = {line.offering_id for line in request.items if line.offering_id}
        spec_ids |= set(ProductOffering.objects.filter(pk__in=targets).values_list("specification_id", flat=True))
        planned = kinds_planned(spec_ids)
        for line in request.items:
            _check_product(kind, held.get(line.held_product_id), line, customer, planned)
        busy = _in_flight(held_ids)
        if busy:
            raise Conflict(f"'{held[min(busy)].name}' is already being returned, exchanged or repaired.")
        if kind == EXCHANGE:
            _check_eligible(customer, request, held, principal)
        items = [
            _item(kind, number, line, held[line.held_product_id], principal, planned)
            for number, line in zip(request.item_ids, request.items, strict=True)
        ]
        order = order_create(
            customer_id=customer.pk,
            channel=principal.channel,
            created_by=principal.actor,
            items=items,
            total_price=_totals(items),
            description=request.details.description or f"{kind} of " + ", ".join(i.offering_name for i in items),
            external_id=request.details.external_id,
            note=request.details.note,
            priority=request.details.priority,
            category=kind,
            requested_completion_date=request.details.requested_completion_date,
        )
        customer_services.interaction_record(
            customer_id=customer.pk,
            channel=principal.channel,
            actor=principal.actor,
            kind="order",
            summary=f"{kind} {order.pk} started: {order.description}",
        )
        if idempotency_key:
            _remember(principal, idempotency_key, fingerprint, order)
    return PlacedOrder(order, replayed=False)


# --- reads (the 360°) ----------------------------------------------------------------------------
def aftersales_visible(principal: Principal, customer_id: str) -> list[ProductOrder]:
    """The customer's after-sales orders the caller may see, latest first, with their items' products."""
    return list(
        orders_visible(principal)
        .filter(customer_id=customer_id, category__in=AFTERSALES_ACTIONS)
        .prefetch_related(
            Prefetch("items", queryset=ProductOrderItem.objects.select_related("held_product").order_by("id"))
        )
        .order_by("-order_date")[:20]
    )


@dataclass(frozen=True)
class Candidate:
    """A product the customer holds that can be returned, exchanged or repaired now (``kinds``)."""

    product: HeldProduct
    kinds: tuple[str, ...]
    cooling_off_ends: object  # datetime | None


def aftersales_candidates(customer_id: str) -> list[Candidate]:
    """The customer's active devices whose plans have after-sales steps, with what can be done to each now
    (a return only within the cooling-off period; nothing while another after-sales order runs). One query,
    whatever the customer holds."""
    spec = OuterRef("offering__specification_id")
    running = ProductOrderItem.objects.filter(held_product_id=OuterRef("pk"), order__category__in=AFTERSALES_ACTIONS)
    held = (
        HeldProduct.objects.filter(customer_id=customer_id, status=HeldProduct.Status.ACTIVE, offering__isnull=False)
        .annotate(
            busy=Exists(running.exclude(order__state__in=states.FINAL)),
            **{
                f"plans_{kind}": Exists(FulfilmentStep.objects.filter(specification_id=spec, actions__contains=kind))
                for kind in AFTERSALES_ACTIONS
            },
        )
        .order_by("name", "id")
    )
    now = timezone.now()
    candidates = []
    for product in held:
        ends = cooling_off_ends(product)
        kinds = tuple(
            kind
            for kind in AFTERSALES_ACTIONS
            if getattr(product, f"plans_{kind}") and (kind != RETURN or (ends is not None and now <= ends))
        )
        if kinds and not product.busy:
            candidates.append(Candidate(product, kinds, ends))
    return candidates
