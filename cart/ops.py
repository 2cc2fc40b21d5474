"""Housekeeping of carts and hand-offs (``overlay.registry``)."""

from datetime import datetime

from django.conf import settings

from cart.models import Handoff, ShoppingCart
from overlay import registry
from overlay.housekeeping import cutoff, delete_in_batches


@registry.housekeeping("expiredCarts")
def expired_carts(now: datetime) -> int:
    """Carts that expired (or were merged into another) more than ``CART_RETENTION_SECONDS`` ago, with their
    lines, journey and hand-offs. An open cart expires only after ``CART_IDLE_SECONDS`` untouched, and every
    change moves that on: one somebody still works on is never selected. Checked-out carts stay with their order.
    """
    return delete_in_batches(
        ShoppingCart.objects.filter(
            expires_at__lt=cutoff(now, settings.CART_RETENTION_SECONDS),
            status__in=[ShoppingCart.Status.OPEN, ShoppingCart.Status.EXPIRED, ShoppingCart.Status.MERGED],
        )
    )


@registry.housekeeping("expiredHandoffs")
def expired_handoffs(now: datetime) -> int:
    """Hand-offs (claimed or not) whose code expired more than ``HANDOFF_RETENTION_SECONDS`` ago: their context
    (choices, an address, notes) is not kept longer than it serves."""
    return delete_in_batches(Handoff.objects.filter(expires_at__lt=cutoff(now, settings.HANDOFF_RETENTION_SECONDS)))
