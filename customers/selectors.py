"""Read queries on customers, every one scoped to what the caller may see."""

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from customers.models import BillingAccount, Customer, CustomerLink, HeldProduct, Interaction, LinkSuggestion
from overlay.principal import Principal


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


def held_products_with_related(products: QuerySet[HeldProduct]) -> QuerySet[HeldProduct]:
    """What TMF637 shows of each product: its offering with the offering's prices (the tariff of a product
    that knows no agreed price), and as ``holder_account`` the holder's first billing account (where a
    product whose system names none is billed), in the page's query."""
    first_account = (
        BillingAccount.objects.filter(customer_id=OuterRef("customer_id"))
        .order_by("system", "external_id")
        .values("external_id")[:1]
    )
    return (
        products.select_related("offering")
        .prefetch_related("offering__prices")
        .annotate(holder_account=Subquery(first_account))
    )


LAST_INTERACTIONS = 20


def customer_360(principal: Principal | None, customer_id: str) -> Customer | None:
    """One customer with everything the 360° view shows, loaded in a constant number of queries."""
    return (
        customers_visible(principal)
        .filter(pk=customer_id)
        .prefetch_related(
            Prefetch("links", queryset=CustomerLink.objects.order_by("system", "external_id")),
            Prefetch("billing_accounts", queryset=BillingAccount.objects.order_by("system", "external_id")),
            Prefetch("held_products", queryset=HeldProduct.objects.order_by("system", "name", "external_id")),
            "consents",
            Prefetch(
                "suggestions",
                queryset=LinkSuggestion.objects.filter(status=LinkSuggestion.Status.OPEN).select_related("candidate"),
            ),
        )
        .first()
    )


def last_interactions(customer_id: str) -> list[Interaction]:
    return list(Interaction.objects.filter(customer_id=customer_id)[:LAST_INTERACTIONS])
