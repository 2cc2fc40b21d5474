"""Right-sizing: the offering that would have cost a customer least on their own usage, and starting
that plan change.

For each product the customer holds on an offering, with rated usage in its last complete billing
periods (up to ``PERIODS``), every candidate is priced by the catalog's engine at today's prices:

- candidates are the offerings sharing a category with the product's offering that this channel
  sells and that qualify for this customer here: the offering rules, and serviceability at their
  address where the specification needs it (``orchestration.qualification.Qualifier``, which asks
  each system once and the adapters cache briefly); a candidate must price every metric the customer
  used that the current offering prices (else what it would cost is unknown);
- a period's cost is the offering's recurring charges (as a month) plus its usage prices applied to
  the quantities the customer used in that period, per metric; averaged over the periods.

The cheapest candidate is proposed when it saves at least ``SAVING_THRESHOLD`` a month on the current
offering's same figure. Figures are before tax and at the caller's channel's campaigns; one-time
charges (no monthly cost) and service-level credits (they follow the provider's service, not the plan)
are left out. Only callers who may read the customer's usage get proposals.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cart.models import CartItem, ShoppingCart
from cart.services import cart_create, cart_item_add
from catalog import selectors as catalog_selectors
from catalog.models import ProductOffering
from catalog.pricing import PricingContext, PricingData, PricingItem, price_item, round_money
from customers.models import Customer, HeldProduct
from customers.services import interaction_record
from orchestration.lines import ItemInput
from orchestration.qualification import QUALIFIED, Qualifier
from overlay.errors import DomainError, UnprocessableEntity
from overlay.principal import Principal
from usage.periods import next_period_start, period_of, previous_period_start
from usage.selectors import consumption_visible

PERIODS = 3  # complete billing periods looked at (fewer when fewer exist)
SAVING_THRESHOLD = Decimal("1.00")  # the least saving a month worth proposing
ZERO = Decimal(0)
# A recurring charge as a month (billing periods are months: ``usage.periods``).
MONTHS_PER = {"month": Decimal(1), "year": Decimal(1) / 12, "week": Decimal(52) / 12, "day": Decimal(365) / 12}
RATED = ("sum", "count")  # metrics whose quantities are priced (levels such as an average are not)


@dataclass(frozen=True)
class PeriodCost:
    """One billing period of the customer's usage, and what it cost on each offering (before tax)."""

    start: date
    end: date
    usage: tuple[tuple[str, Decimal, str], ...]  # (metric code, quantity used, unit), by metric
    current: Decimal
    proposed: Decimal


@dataclass(frozen=True)
class Proposal:
    """A cheaper offering for a held product, with the figures behind it."""

    product_id: str
    product_name: str
    current_offering_id: str
    current_offering_name: str
    offering_id: str
    offering_name: str
    currency: str
    current_cost: Decimal  # a month, averaged over the periods, before tax
    proposed_cost: Decimal
    periods: tuple[PeriodCost, ...]  # oldest first

    @property
    def saving(self) -> Decimal:
        return self.current_cost - self.proposed_cost

    def summary(self) -> str:
        return f"Save {self.saving} {self.currency} per month with {self.offering_name}"

    def figures(self) -> str:
        """The figures in one line an agent can read out."""
        months = ", ".join(
            f"{p.start:%Y-%m-%d}: "
            + " ".join(f"{quantity.normalize():f} {unit or metric}" for metric, quantity, unit in p.usage)
            for p in self.periods
        )
        return (
            f"{self.current_offering_name} {self.current_cost} vs {self.offering_name} {self.proposed_cost} "
            f"{self.currency} a month before tax, on the usage of {len(self.periods)} period(s) ({months})"
        )


@dataclass
class _Usage:
    """A held product's usage per complete period: period start -> (end, {metric: quantity})."""

    periods: dict[date, tuple[date, dict[str, Decimal]]]
    units: dict[str, str]  # metric code -> its unit


def rightsizing_proposals(
    principal: Principal,
    customer: Customer,
    *,
    at: datetime,
    periods: int = PERIODS,
    threshold: Decimal = SAVING_THRESHOLD,
) -> list[Proposal]:
    """The plan changes that would have saved this customer at least ``threshold`` a month on their last
    complete periods' usage, one per held product at most, for the caller's channel.

    A constant number of queries whatever the customer holds (the held products are read from
    ``customer.held_products.all()``, prefetched by the 360°), plus one serviceability question per system
    the candidates need, cached as qualification does.
    """
    held = {p.pk: p for p in customer.held_products.all() if p.offering_id and p.status == HeldProduct.Status.ACTIVE}
    if not held:
        return []
    used = _usage(principal, customer, held, at, periods)
    if not used:
        return []
    current_ids = {held[pk].offering_id for pk in used}
    qualifier = Qualifier(principal, customer=customer, place=None, at=at)
    mates = catalog_selectors.category_mates(qualifier.visible, current_ids)
    asked = sorted(set().union(*mates.values()) - current_ids)
    qualified = {a.offering_id for a in qualifier.qualify(asked) if a.result == QUALIFIED} if asked else set()
    pricing = catalog_selectors.pricing_data(
        current_ids | qualified, ProductOffering.objects.filter(pk__in=current_ids | qualified), at
    )
    context = PricingContext(at=at, channel=principal.channel, segment=customer.segment)
    proposals = []
    for pk, usage in used.items():
        product = held[pk]
        candidates = sorted(mates.get(product.offering_id, set()) & qualified)
        proposal = _cheapest(product, usage, candidates, pricing, context, threshold)
        if proposal is not None:
            proposals.append(proposal)
    return sorted(proposals, key=lambda p: (-p.saving, p.product_name, p.product_id))


def _usage(
    principal: Principal, customer: Customer, held: dict[str, HeldProduct], at: datetime, periods: int
) -> dict[str, _Usage]:
    """Each held product's quantities per metric in its last ``periods`` complete periods (one or two queries).

    A period without usage between the first one with usage and the last complete one counts, as a period
    of none; before the first, the customer may not have held the product yet: those do not count.
    """
    today = at.date()
    since = date(today.year, today.month, 1)
    for _ in range(periods + 1):  # a bill-cycle day puts a period's start up to a month before its month's
        since = previous_period_start(since)
    rows = list(
        consumption_visible(principal)
        .filter(customer_id=customer.pk, product_id__in=list(held), period_start__gte=since, period_end__lte=today)
        .values_list("product_id", "metric_id", "period_start", "period_end", "quantity")
    )
    if not rows:
        return {}
    units = {code: m.unit for code, m in catalog_selectors.usage_metrics().items() if m.aggregation in RATED}
    found: dict[str, dict[date, dict[str, Decimal]]] = defaultdict(dict)
    for product_id, metric, start, _, quantity in rows:
        if metric in units:
            found[product_id].setdefault(start, {})[metric] = quantity
    usage = {}
    for product_id, by_start in found.items():
        if not any(q for quantities in by_start.values() for q in quantities.values()):
            continue
        first = min(by_start)
        start = previous_period_start(period_of(at, first.day)[0])  # the last complete period, by its bill day
        kept = {}
        while len(kept) < periods and start >= first:
            kept[start] = (next_period_start(start), by_start.get(start, {}))
            start = previous_period_start(start)
        usage[product_id] = _Usage(dict(sorted(kept.items())), units)
    return usage


def _metrics_priced(offering_id: str, pricing: PricingData) -> set[str]:
    """The usage metrics an offering (with its bundle members) prices."""
    offering = pricing.offerings.get(offering_id)
    if offering is None:
        return set()
    parts = [offering] + [
        pricing.offerings[m.offering_id] for m in offering.members if m.offering_id in pricing.offerings
    ]
    return {p.metric for part in parts for p in part.prices if p.price_type == "usage" and p.metric}


def _monthly_cost(
    offering_id: str, characteristics: dict, quantities: dict[str, Decimal], pricing: PricingData, context
) -> tuple[Decimal, str] | None:
    """What a period with these quantities costs on an offering, before tax: recurring charges as a month plus
    usage (None: it cannot be priced so, it has no such charge, or they are in several currencies)."""
    try:
        quote = price_item(
            PricingItem(offering_id, characteristics=characteristics, usage=quantities), pricing, context
        )
    except DomainError:
        return None
    total, currencies = ZERO, set()
    for charge in quote.charges:
        if charge.price_type == "recurring":
            total += charge.amount * MONTHS_PER.get(charge.period, Decimal(1))
        elif charge.price_type == "usage":
            total += charge.amount
        else:
            continue  # one-time: no monthly cost
        currencies.add(charge.currency)
    if len(currencies) != 1:  # no monthly charge at all is no plan (an add-on, a device), several no figure
        return None
    currency = currencies.pop()
    return round_money(total, currency), currency


def _average(costs: list[Decimal], currency: str) -> Decimal:
    return round_money(sum(costs, ZERO) / len(costs), currency)


def _costs(offering_id, characteristics, usage: _Usage, pricing, context) -> tuple[list[Decimal], str] | None:
    costs, currencies = [], set()
    for _, quantities in usage.periods.values():
        cost = _monthly_cost(offering_id, characteristics, quantities, pricing, context)
        if cost is None:
            return None
        costs.append(cost[0])
        currencies.add(cost[1])
    if len(currencies) != 1:
        return None
    return costs, currencies.pop()


def _own_choices(product: HeldProduct, pricing: PricingData) -> dict:
    """The held product's options its offering knows (its MSISDN and such are no pricing choices)."""
    offering = pricing.offerings.get(product.offering_id)
    names = {c.name for c in offering.characteristics} if offering else set()
    return {name: str(value) for name, value in (product.characteristics or {}).items() if name in names}


def _cheapest(
    product: HeldProduct,
    usage: _Usage,
    candidates: list[str],
    pricing: PricingData,
    context: PricingContext,
    threshold: Decimal,
) -> Proposal | None:
    current = _costs(product.offering_id, _own_choices(product, pricing), usage, pricing, context)
    if current is None:
        current = _costs(product.offering_id, {}, usage, pricing, context)
    if current is None:
        return None
    current_costs, currency = current
    current_average = _average(current_costs, currency)
    # What the customer used that the current offering charges for: a candidate must price it too.
    used = {metric for _, quantities in usage.periods.values() for metric, q in quantities.items() if q}
    needed = used & _metrics_priced(product.offering_id, pricing)
    best: tuple[Decimal, str, str, list[Decimal]] | None = None
    for offering_id in candidates:
        if not needed <= _metrics_priced(offering_id, pricing):
            continue
        priced = _costs(offering_id, {}, usage, pricing, context)
        if priced is None or priced[1] != currency:
            continue
        average = _average(priced[0], currency)
        name = pricing.offerings[offering_id].name
        if best is None or (average, name, offering_id) < best[:3]:
            best = (average, name, offering_id, priced[0])
    if best is None or current_average - best[0] < threshold:
        return None
    average, name, offering_id, costs = best
    return Proposal(
        product_id=product.pk,
        product_name=product.name,
        current_offering_id=product.offering_id,
        current_offering_name=pricing.offerings[product.offering_id].name,
        offering_id=offering_id,
        offering_name=name,
        currency=currency,
        current_cost=current_average,
        proposed_cost=average,
        periods=tuple(
            PeriodCost(start, end, tuple((m, q, usage.units[m]) for m, q in sorted(quantities.items())), now, then)
            for (start, (end, quantities)), now, then in zip(usage.periods.items(), current_costs, costs, strict=True)
        ),
    )


# --- acting on it --------------------------------------------------------------------------------
class ProposalGone(UnprocessableEntity):
    code = "proposalGone"
    reason = "No longer proposed"


def plan_change_start(principal: Principal, customer: Customer, product_id: str, offering_id: str) -> ShoppingCart:
    """Start the plan change a proposal makes: a ``modify`` line on the held product to the proposed
    offering, in the customer's open cart (a new one when they have none); recorded as an interaction.

    The proposal is worked out again: one that no longer stands (the usage, the catalog or the address
    changed) is refused and nothing is written. A cart already changing that product is left as it is.
    """
    at = timezone.now()
    proposal = next(
        (
            p
            for p in rightsizing_proposals(principal, customer, at=at)
            if p.product_id == product_id and p.offering_id == offering_id
        ),
        None,
    )
    if proposal is None:
        raise ProposalGone("This plan change is no longer proposed: look at the customer's figures again.")
    line = ItemInput(offering_id=offering_id, action=CartItem.Action.MODIFY, held_product_id=product_id)
    with transaction.atomic():
        cart = (
            ShoppingCart.objects.select_for_update()
            .filter(customer=customer, status=ShoppingCart.Status.OPEN, expires_at__gt=at)
            .first()
        )
        if cart is None:
            cart, _ = cart_create(principal, customer=customer, items=[line])
        elif cart.items.filter(held_product_id=product_id).exists():
            return cart
        else:
            cart_item_add(cart.pk, principal, line)
        interaction_record(
            customer_id=customer.pk,
            channel=principal.channel,
            actor=principal.actor,
            kind="plan change",
            summary=f"Started a plan change of {proposal.product_name}: {proposal.summary()} ({proposal.figures()})",
        )
    return cart
