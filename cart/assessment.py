"""What carts cost and what is wrong with them, for whoever looks at them now.

The assessment itself is order placement's (``orchestration.assessment``); this module loads
what it reads for many carts at once (a constant number of queries, whatever the carts hold)
and assesses each cart's active lines for the caller's channel.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Prefetch

from cart.models import CartItem, ShoppingCart
from cart.promise import honour
from catalog import selectors as catalog_selectors
from orchestration.assessment import Assessment, assess, buyer_prefetches
from overlay.principal import Principal


def item_prefetch() -> Prefetch:
    return Prefetch("items", queryset=CartItem.objects.select_related("offering", "held_product").order_by("id"))


def assessment_prefetches() -> list[Prefetch]:
    """What ``assess_many`` reads of carts (with their customer), to load in bulk."""
    return [item_prefetch(), *buyer_prefetches("customer__")]


def carts_for_assessment(carts):
    """The cart queryset with everything ``assess_many`` reads, loaded in bulk."""
    return carts.select_related("customer").prefetch_related(*assessment_prefetches())


def active_items(cart: ShoppingCart) -> list[CartItem]:
    """The lines to order now (not those saved for later), from the prefetched items."""
    return [i for i in cart.items.all() if i.status == CartItem.Status.ACTIVE]


def assess_many(
    carts: Iterable[ShoppingCart],
    principal: Principal,
    at: datetime,
    *,
    portable: bool = False,
    rules: dict | None = None,
    visible_ids: set[str] | None = None,
) -> dict[str, Assessment]:
    """Assessments of carts loaded with ``carts_for_assessment``, priced for this caller's channel, with the
    prices promised when a cart was handed off from another channel (``cart.promise``).

    ``portable``: the prices to promise when handing the cart off (campaigns bound to the channel left out).
    ``rules``: the offering rules of (at least) the carts' offerings, when the caller has read them.
    ``visible_ids``: which of the carts' offerings the caller's channel sells at ``at``, when read already.
    """
    carts = list(carts)
    active = {cart.pk: active_items(cart) for cart in carts}
    offering_ids = {i.offering_id for items in active.values() for i in items if i.offering_id}
    visible = catalog_selectors.offerings_visible(principal, at)
    pricing = catalog_selectors.pricing_data(offering_ids, visible, at, visible_ids=visible_ids)
    if rules is None:
        rules = catalog_selectors.offering_rules(offering_ids)
    channel = principal.channel
    assessed = {}
    for cart in carts:
        assessment = assess(cart.customer, active[cart.pk], pricing, rules, channel, at, portable=portable)
        assessed[cart.pk] = assessment if portable else honour(cart, active[cart.pk], assessment, channel, at)
    return assessed
