"""The customer a request acts for, from its ``relatedParty`` (carts, orders): shared by the APIs above."""

from rest_framework.exceptions import PermissionDenied

from customers.models import Customer
from customers.selectors import customers_visible
from overlay.errors import UnprocessableEntity
from overlay.principal import Principal


def customer_for(principal: Principal, customer_id: str | None) -> Customer | None:
    """The customer a cart or order is for: a customer token's own; for others the one named, among those
    the caller may see (422 otherwise: naming a customer must not tell whether they exist)."""
    if principal.customer_id is not None:
        if customer_id not in (None, principal.customer_id):
            raise PermissionDenied("A customer acts for themself only.")
        return Customer.objects.get(pk=principal.customer_id)
    if customer_id is None:
        return None
    customer = customers_visible(principal).filter(pk=customer_id).first()
    if customer is None:
        raise UnprocessableEntity(f"there is no customer '{customer_id}' you may see.", field="customer")
    return customer
