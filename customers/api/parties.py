"""The customer a request acts for, from its ``relatedParty`` (carts, orders): shared by the APIs above."""

from rest_framework.exceptions import PermissionDenied

from customers.models import Customer
from overlay.errors import UnprocessableEntity
from overlay.principal import Principal


def customer_for(principal: Principal, customer_id: str | None) -> Customer | None:
    """The customer a cart is for: a customer token's own; for others the one named (422 when unknown)."""
    if principal.customer_id is not None:
        if customer_id not in (None, principal.customer_id):
            raise PermissionDenied("A customer acts for themself only.")
        return Customer.objects.get(pk=principal.customer_id)
    if customer_id is None:
        return None
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise UnprocessableEntity(f"relatedParty: there is no customer '{customer_id}'.")
    return customer
