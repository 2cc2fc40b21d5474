"""Read queries on orders, every one scoped to what the caller may see."""

from django.db.models import Prefetch, QuerySet

from orchestration.models import CancelProductOrder, ProductOrder, ProductOrderItem
from overlay.api.principal import Principal


def orders_visible(principal: Principal | None) -> QuerySet[ProductOrder]:
    """A customer sees their own orders; agents and applications entitled to orders see all."""
    if principal is None:
        return ProductOrder.objects.none()
    if principal.customer_id is not None:
        return ProductOrder.objects.filter(customer_id=principal.customer_id)
    if principal.has_scope("orders:read"):
        return ProductOrder.objects.all()
    return ProductOrder.objects.none()


def orders_with_related(orders: QuerySet[ProductOrder]) -> QuerySet[ProductOrder]:
    return orders.prefetch_related(
        Prefetch("items", queryset=ProductOrderItem.objects.select_related("held_product").order_by("id"))
    )


FINAL_STATES = ("completed", "failed", "cancelled", "rejected")


def orders_in_flight(principal: Principal | None, customer_id: str) -> list[ProductOrder]:
    """The customer's orders still being fulfilled that the caller may see (for the 360° view)."""
    return list(
        orders_visible(principal)
        .filter(customer_id=customer_id)
        .exclude(state__in=FINAL_STATES)
        .order_by("-order_date")
        .only("id", "state", "order_date", "channel")[:10]
    )


def cancellations_visible(principal: Principal | None) -> QuerySet[CancelProductOrder]:
    """Cancellation requests of the orders the caller may see."""
    return CancelProductOrder.objects.filter(order__in=orders_visible(principal).values("pk"))
