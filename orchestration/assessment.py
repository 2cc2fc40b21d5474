"""What order lines cost and what is wrong with them, for a buyer, now.

Prices come only from the catalog's pricing engine and rules only from the catalog's rule
engine; this module gathers their inputs and keeps their answers together with a digest of
the price the caller is shown. A cart is assessed every time someone looks at it
(``cart.assessment`` loads many at once); an order is assessed when it is placed.

A line is anything with a cart item's attributes (``Line``): ``pk`` (its key in the answer),
``action``, ``offering_id`` and ``offering``, ``quantity``, ``characteristics``, ``members``
and ``held_product``. Its action decides which of its prices it is charged (``charged_for``): a
change of a product the customer holds is no new connection.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from django.db.models import Prefetch

from catalog.errors import InvalidConfiguration, InvalidQuantity, UnknownOffering
from catalog.models import ProductOffering
from catalog.pricing import ItemQuote, PricingContext, PricingData, Total, price_item, totals_of
from catalog.rules import BuyerFacts, Problem, evaluate
from catalog.rules import Line as RuleLine
from catalog.selectors import actions_charged
from customers.models import Consent, Customer, HeldProduct
from orchestration.lines import Action, pricing_item


class Line(Protocol):
    pk: object
    action: str
    offering_id: str | None
    offering: ProductOffering | None
    quantity: int
    characteristics: dict
    members: dict
    held_product: HeldProduct | None


@dataclass(frozen=True)
class Assessment:
    quotes: dict[object, ItemQuote]  # line pk -> its price (lines that can be priced)
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


def buyer_prefetches(path: str = "") -> list[Prefetch]:
    """What ``buyer_facts`` reads of a customer (at ``path``: ``"customer__"`` from a cart), to load in bulk."""
    return [
        Prefetch(f"{path}consents", queryset=Consent.objects.order_by("recorded_at", "id")),
        Prefetch(
            f"{path}held_products",
            queryset=HeldProduct.objects.filter(status=HeldProduct.Status.ACTIVE).only(
                "id", "name", "customer_id", "status"
            ),
            to_attr="active_products",
        ),
    ]


def consents_granted(answers: Iterable[tuple[str, bool]]) -> frozenset[str]:
    """The purposes consented to, from a customer's answers (purpose, granted) oldest first: the last wins."""
    latest = dict(answers)
    return frozenset(purpose for purpose, granted in latest.items() if granted)


def buyer_facts(customer: Customer | None) -> BuyerFacts | None:
    """What the rules know of the buyer (consents and held products loaded in bulk when prefetched)."""
    if customer is None:
        return None
    granted = getattr(customer, "granted_consents", None)  # read with the row that brought it (cart checkout)
    if granted is None:
        granted = consents_granted((c.purpose, c.granted) for c in customer.consents.all())
    active = getattr(customer, "active_products", None)
    if active is None:
        active = list(customer.held_products.filter(status=HeldProduct.Status.ACTIVE))
    return BuyerFacts(
        segment=customer.segment,
        birth_date=customer.birth_date,
        consents=granted,
        postcode=customer.postcode,
        held=dict(Counter(p.name for p in active)),
    )


def _rule_lines(items: Sequence[Line]) -> list[RuleLine]:
    return [
        RuleLine(
            key=str(item.pk),
            offering_id=item.offering_id or "",
            offering_name=item.offering.name if item.offering else "",
            quantity=item.quantity,
            removes=item.held_product.name if item.held_product and item.action != Action.ADD else "",
        )
        for item in items
    ]


def charged_for(action: str, quote: ItemQuote, pricing: PricingData) -> ItemQuote:
    """The charges a line of this action incurs: a change (modify) is charged what a change costs, not a new
    connection's one-time charges; each price says on which actions it is charged (``actions_charged``)."""
    prices = {
        p.id: p for offering_id in {c.offering_id for c in quote.charges} for p in pricing.offerings[offering_id].prices
    }
    kept = tuple(c for c in quote.charges if action in actions_charged(prices[c.price_id]))
    if len(kept) == len(quote.charges):
        return quote
    return replace(quote, charges=kept, totals=totals_of(kept))


def assess(
    customer: Customer | None,
    items: Sequence[Line],
    pricing: PricingData,
    rules,
    channel: str,
    at: datetime,
    *,
    portable: bool = False,
) -> Assessment:
    """Price and check lines to order now (a cart's saved-for-later lines are neither priced nor checked).

    ``portable``: prices to promise in another channel (campaigns bound to this one left out).
    """
    buyer = buyer_facts(customer)
    context = PricingContext(at=at, channel=channel, segment=buyer.segment if buyer else None, portable=portable)
    quotes: dict[object, ItemQuote] = {}
    problems: list[Problem] = []
    for item in items:
        if item.offering_id is None:
            continue  # a termination costs nothing here
        try:
            quotes[item.pk] = charged_for(item.action, price_item(pricing_item(item), pricing, context), pricing)
        except UnknownOffering:
            name = item.offering.name if item.offering else item.offering_id
            problems.append(Problem(str(item.pk), "available", f"'{name}' is no longer available here."))
        except (InvalidConfiguration, InvalidQuantity) as error:
            problems.append(Problem(str(item.pk), "configuration", str(error)))
    problems.extend(evaluate(_rule_lines(items), rules, buyer, channel, at.date()))
    if not items:
        problems.append(Problem("", "empty", "The cart is empty."))
    charges = [charge for quote in quotes.values() for charge in quote.charges]
    return Assessment(quotes=quotes, totals=totals_of(charges), problems=tuple(problems), priced_at=at)
