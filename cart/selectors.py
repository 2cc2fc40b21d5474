"""Read queries on carts and qualifications, every one scoped to what the caller may see."""

from django.db.models import QuerySet

from cart.models import Qualification, ShoppingCart
from overlay.principal import Principal


def carts_visible(principal: Principal | None) -> QuerySet[ShoppingCart]:
    """A customer sees their own carts; agents and applications entitled to carts see all."""
    if principal is None:
        return ShoppingCart.objects.none()
    if principal.customer_id is not None:
        return ShoppingCart.objects.filter(customer_id=principal.customer_id)
    if principal.has_scope("carts:read"):
        return ShoppingCart.objects.all()
    return ShoppingCart.objects.none()


def qualifications_visible(principal: Principal | None) -> QuerySet[Qualification]:
    """A qualification is read back by whoever asked for it (a customer: theirs)."""
    if principal is None:
        return Qualification.objects.none()
    if principal.customer_id is not None:
        return Qualification.objects.filter(customer_id=principal.customer_id, owner=principal.key)
    return Qualification.objects.filter(owner=principal.key)


def open_carts_of(principal: Principal | None, customer_id: str) -> list[ShoppingCart]:
    """The customer's open carts the caller may see (for the 360° view), newest first."""
    return list(
        carts_visible(principal)
        .filter(customer_id=customer_id, status=ShoppingCart.Status.OPEN)
        .order_by("-updated_at")
        .only("id", "channel", "updated_at", "expires_at", "version")[:5]
    )
