"""The 360° view: one customer as every app knows them, composed for whoever looks.

Personal data, links, accounts and held products come from ``customers``; recommendations
from ``catalog``; open carts from ``cart``; orders in flight from ``orchestration``; consumption
and bill-shock alerts from ``usage`` (``console/usage.py``, for callers holding usage:read). Each
part is read through its app's selectors, scoped to the caller, in a constant number of queries.
The API (``GET /api/v1/customers/{id}/360``) and the console's customer page show the same body.
"""

from django.utils import timezone

from cart.selectors import open_carts_of
from catalog.selectors import recommendations_for
from console.usage import usage_part
from customers import selectors
from customers.api import representations
from customers.models import Customer
from customers.services import interaction_record
from orchestration.selectors import orders_in_flight
from overlay.api.representation import compact, timestamp
from overlay.api.views import RepresentationContext
from overlay.principal import Principal
from overlay.tmf import CART, ORDERING


def _open_carts(principal: Principal, customer: Customer, ctx: RepresentationContext) -> list[dict]:
    return [
        {
            "id": cart.pk,
            "href": ctx.href(f"{CART.base}/shoppingCart/{cart.pk}"),
            "channel": cart.channel,
            "lastUpdate": timestamp(cart.updated_at),
        }
        for cart in open_carts_of(principal, customer.pk)
    ]


def _orders_in_flight(principal: Principal, customer: Customer, ctx: RepresentationContext) -> list[dict]:
    return [
        {
            "id": order.pk,
            "href": ctx.href(f"{ORDERING.base}/productOrder/{order.pk}"),
            "state": order.state,
            "channel": order.channel,
            "orderDate": timestamp(order.order_date),
            "fulfilment": compact(
                {
                    "tasks": order.tasks_total,
                    "done": order.tasks_done,
                    "failed": order.tasks_failed,
                    "percent": round(100 * order.tasks_done / order.tasks_total) if order.tasks_total else 100,
                    "note": order.state_reason or None,
                }
            ),
        }
        for order in orders_in_flight(principal, customer.pk)
    ]


def three_sixty_viewed(request, principal: Principal, customer: Customer, where: str) -> dict:
    """The 360° body for this caller; a staff view is recorded as an interaction (``where``: API, console)."""
    ctx = RepresentationContext(request)
    body = representations.three_sixty(
        customer,
        selectors.last_interactions(customer.pk),
        recommendations_for([held.name for held in customer.held_products.all()], principal, timezone.now()),
        ctx,
    )
    body["shoppingCart"] = _open_carts(principal, customer, ctx)
    body["productOrder"] = _orders_in_flight(principal, customer, ctx)
    body.update(usage_part(principal, customer.pk, ctx, timezone.now()))
    if principal.is_staff:
        interaction_record(
            customer_id=customer.pk,
            channel=principal.channel,
            actor=principal.actor,
            kind="view_360",
            summary=f"Opened the 360° view{where}",
        )
    return body
