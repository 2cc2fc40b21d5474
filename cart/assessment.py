"""What a cart costs and what is wrong with it, for whoever looks at it now.

Prices come only from the catalog's pricing engine and rules only from the
catalog's rule engine; this module gathers their inputs for many carts at
once (a constant number of queries, whatever the carts hold) and keeps their
answers together with a digest of the price the caller is shown.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from cart.models import CartItem, ShoppingCart
from catalog import selectors as catalog_selectors
from catalog.errors import InvalidConfiguration, InvalidQuantity, UnknownOffering
from catalog.pricing import ItemQuote, PricingContext, PricingData, PricingItem, Total, price_item, totals_of
from catalog.rules import BuyerFacts, Line, Problem, evaluate
from customers.models import Consent, Customer, HeldProduct
from overlay.principal import Principal


@dataclass(frozen=True)
class Assessment:
    quotes: dict[int, ItemQuote]  # cart item pk -> its price (items that can be priced)
    totals: tuple[Total, ...]
    problems: tuple[Problem, ...]
    priced_at: datetime

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def price_digest(self) -> str:
        """Changes exactly when what the caller is asked to pay changes."""
        shown = [
            [key, [(c.price_id, str(c.amount), str(c.tax_amount), c.period) for c in quote.charges]]
            for key, quote in sorted(self.quotes.items())
        ] + [[t.price_type, t.period, t.currency, str(t.total)] for t in self.totals]
        return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]


def carts_for_assessment(carts):
    """The cart queryset with everything ``assess_many`` reads, loaded in bulk."""
    return carts.select_related("customer").prefetch_related(
        Prefetch("items", queryset=CartItem.objects.select_related("offering", "held_product").order_by("id")),
        Prefetch("customer__consents", queryset=Consent.objects.order_by("recorded_at", "id")),
        Prefetch(
            "customer__held_products",
            queryset=HeldProduct.objects.filter(status="active").only("id", "name", "customer_id", "status"),
            to_attr="active_products",
        ),
    )


def buyer_facts(customer: Customer | None) -> BuyerFacts | None:
    """What the rules know of the buyer (consents and held products loaded in bulk when prefetched)."""
    if customer is None:
        return None
    latest: dict[str, bool] = {}
    for consent in customer.consents.all():  # oldest first: the last answer wins
        latest[consent.purpose] = consent.granted
    active = getattr(customer, "active_products", None)
    if active is None:
        active = list(customer.held_products.filter(status="active"))
    return BuyerFacts(
        segment=customer.segment,
        birth_date=customer.birth_date,
        consents=frozenset(purpose for purpose, granted in latest.items() if granted),
        postcode=customer.postcode,
        held=dict(Counter(p.name for p in active)),
    )


def pricing_item(item: CartItem) -> PricingItem:
    return PricingItem(
        offering_id=item.offering_id,
        quantity=item.quantity,
        characteristics=item.characteristics,
        members={k: int(v) for k, v in item.members.items()} or None,
    )


def _lines(cart: ShoppingCart, items: Sequence[CartItem]) -> list[Line]:
    return [
        Line(
            key=str(item.pk),
            offering_id=item.offering_id or "",
            offering_name=item.offering.name if item.offering else "",
            quantity=item.quantity,
            removes=item.held_product.name if item.held_product and item.action != CartItem.Action.ADD else "",
        )
        for item in items
    ]


def assess(
    cart: ShoppingCart, items: Sequence[CartItem], pricing: PricingData, rules, channel: str, at: datetime
) -> Assessment:
    """Price and check one cart's active items (saved-for-later ones are neither priced nor checked)."""
    buyer = buyer_facts(cart.customer)
    context = PricingContext(at=at, channel=channel, segment=buyer.segment if buyer else None)
    quotes: dict[int, ItemQuote] = {}
    problems: list[Problem] = []
    for item in items:
        if item.offering_id is None:
            continue  # a termination costs nothing here
        try:
            quotes[item.pk] = price_item(pricing_item(item), pricing, context)
        except UnknownOffering:
            name = item.offering.name if item.offering else item.offering_id
            problems.append(Problem(str(item.pk), "available", f"'{name}' is no longer available here."))
        except (InvalidConfiguration, InvalidQuantity) as error:
            problems.append(Problem(str(item.pk), "configuration", str(error)))
    problems.extend(evaluate(_lines(cart, items), rules, buyer, channel, at.date()))
    if not items:
        problems.append(Problem("", "empty", "The cart is empty."))
    charges = [charge for quote in quotes.values() for charge in quote.charges]
    return Assessment(quotes=quotes, totals=totals_of(charges), problems=tuple(problems), priced_at=at)


def assess_many(carts: Iterable[ShoppingCart], principal: Principal, at: datetime) -> dict[str, Assessment]:
    """Assessments of carts loaded with ``carts_for_assessment``, priced for this caller's channel."""
    carts = list(carts)
    active = {cart.pk: [i for i in cart.items.all() if i.status == CartItem.Status.ACTIVE] for cart in carts}
    offering_ids = {i.offering_id for items in active.values() for i in items if i.offering_id}
    visible = catalog_selectors.offerings_visible(principal, at)
    pricing = catalog_selectors.pricing_data(offering_ids, visible, at)
    rules = catalog_selectors.offering_rules(offering_ids)
    return {cart.pk: assess(cart, active[cart.pk], pricing, rules, principal.channel, at) for cart in carts}
