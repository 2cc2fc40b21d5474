"""Read queries on customers, every one scoped to what the caller may see."""

from django.db.models import Prefetch, QuerySet

from customers.models import BillingAccount, Customer, CustomerLink, HeldProduct
from overlay.api.principal import Principal


def customers_visible(principal: Principal | None) -> QuerySet[Customer]:
    """A customer sees only themself; staff and applications entitled to customers see all."""
    if principal is None:
        return Customer.objects.none()
    if principal.customer_id is not None:
        return Customer.objects.filter(pk=principal.customer_id)
    if principal.has_scope("customers:read"):
        return Customer.objects.all()
    return Customer.objects.none()


def customers_with_related(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    return customers.prefetch_related(
        Prefetch("billing_accounts", queryset=BillingAccount.objects.only("id", "external_id", "customer_id")),
        Prefetch("links", queryset=CustomerLink.objects.only("system", "external_id", "customer_id").order_by("id")),
    )


def held_products_visible(principal: Principal | None) -> QuerySet[HeldProduct]:
    return HeldProduct.objects.filter(customer__in=customers_visible(principal))
