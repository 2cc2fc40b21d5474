"""Channel hand-off: a short single-use code moves a cart and its context to another channel.

The codes (``overlay.handoff_codes``): 8 characters read out on the phone, only their SHA-256
stored. A wrong, expired or used code gets the same answer, so trying codes tells nothing about
which ever existed (and the API rate-limits tries per caller and per code).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cart import services
from cart.assessment import active_items, assess_many, carts_for_assessment
from cart.errors import HandoffInvalid
from cart.models import Handoff, ShoppingCart
from cart.promise import promise_of
from customers.models import Customer
from overlay import metrics
from overlay.handoff_codes import (
    ALPHABET,
    code_hash,
    mark_claimed,
    new_code,
    normalise_code,
    still_open,
    well_formed,
)
from overlay.principal import Principal

__all__ = ["ALPHABET", "INVALID", "code_hash", "handoff_claim", "handoff_create", "normalise_code"]
INVALID = "This hand-off code is not valid: it may be mistyped, expired or already used. Ask for a new one."


@dataclass(frozen=True)
class CreatedHandoff:
    handoff: Handoff
    code: str


def handoff_create(cart_id: str, principal: Principal, context: dict) -> CreatedHandoff:
    """Hand an open cart, with the configurator choices, address checked and notes, to another channel.

    The prices its lines are shown at here become the cart's price promise (``cart.promise``): the
    channel that takes it over charges them, for those lines, until the promise expires.
    """
    with transaction.atomic():
        cart = services.lock_cart(cart_id)
        services.check_open(cart)
        now = timezone.now()
        loaded = carts_for_assessment(ShoppingCart.objects.filter(pk=cart.pk)).get()
        shown = assess_many([loaded], principal, now, portable=True)[loaded.pk]
        cart.price_promise = promise_of(loaded, active_items(loaded), shown, principal.channel, now)
        cart.save(update_fields=["price_promise"])
        code = new_code()
        handoff = Handoff.objects.create(
            cart=cart,
            code_hash=code_hash(code),
            context=context,
            from_channel=principal.channel,
            created_by=principal.actor,
            expires_at=now + timedelta(seconds=settings.HANDOFF_SECONDS),
        )
        services.record(cart, principal, "handed off", f"hand-off code issued in {principal.channel}")
    return CreatedHandoff(handoff, code)


def _claimable_by(cart: ShoppingCart, principal: Principal) -> bool:
    if principal.customer_id is None:
        return principal.has_scope("carts:write")
    return cart.customer_id in (None, principal.customer_id)


def handoff_claim(raw_code: str, principal: Principal) -> Handoff:
    """Take over a handed-off cart: once, before it expires; the journey and the customer's interactions say so.

    A customer claiming an anonymous cart becomes its owner (``cart_attach``, with its merge rules).
    """
    code = normalise_code(raw_code)
    if not well_formed(code):
        raise HandoffInvalid(INVALID)
    with transaction.atomic():
        handoff = Handoff.objects.select_for_update().select_related("cart").filter(code_hash=code_hash(code)).first()
        now = timezone.now()
        if not still_open(handoff, now) or not _claimable_by(handoff.cart, principal):
            raise HandoffInvalid(INVALID)
        mark_claimed(handoff, principal, now)
        handoff.save()
        cart = handoff.cart
        if principal.customer_id is not None and cart.customer_id is None:
            customer = Customer.objects.get(pk=principal.customer_id)
            handoff.cart = services.cart_attach(cart.pk, customer, principal)
            cart = handoff.cart
        # The cart's journey and (once we know who it is) the customer's interactions.
        services.record(
            cart, principal, "claimed", f"hand-off from {handoff.from_channel} claimed in {principal.channel}"
        )
    metrics.HANDOFF_CLAIMS.labels(principal.channel).inc()
    return handoff
