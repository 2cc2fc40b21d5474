"""The 360° view: one customer as every app knows them, composed for whoever looks.

Personal data, links, accounts and held products come from ``customers``; recommendations
from ``catalog``; open carts from ``cart``; orders in flight from ``orchestration``; consumption
and bill-shock alerts from ``usage`` (``console/usage.py``, for callers holding usage:read); trouble
tickets from ``care`` (``console/tickets.py``, for callers holding tickets:read). Each
part is read through its app's selectors, scoped to the caller, in a constant number of queries.
The API (``GET /api/v1/customers/{id}/360``) and the console's customer page show the same body.
"""

from django.utils import timezone

from cart.rightsizing import Proposal, rightsizing_proposals
from cart.selectors import open_carts_of
from catalog.selectors import recommendations_for
from console.aftersales import aftersales_part
from console.knowledge import knowledge_part
from console.tickets import tickets_part
from console.usage import usage_part
from customers import selectors
from customers.api import representations
from customers.models import Customer
from customers.services import interaction_record
from orchestration.selectors import orders_in_flight
from overlay.api.representation import compact, money, number, timestamp
from overlay.api.views import RepresentationContext
from overlay.principal import Principal
from overlay.tmf import CART, CATALOG, INVENTORY, ORDERING


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


def _right_sizing(proposals: list[Proposal], ctx: RepresentationContext) -> list[dict]:
    """Right-sizing proposals as next best offers: "save X per month with Y", and the figures behind it."""
    return [
        {
            "productOffering": {
                "id": p.offering_id,
                "href": ctx.href(f"{CATALOG.base}/productOffering/{p.offering_id}"),
                "name": p.offering_name,
            },
            "kind": "rightSizing",
            "because": f"holds {p.product_name}",
            "reason": p.summary(),
            "product": {
                "id": p.product_id,
                "href": ctx.href(f"{INVENTORY.base}/product/{p.product_id}"),
                "name": p.product_name,
            },
            "saving": {
                "perMonth": money(p.saving, p.currency),
                "currentOffering": {"id": p.current_offering_id, "name": p.current_offering_name},
                "currentCost": money(p.current_cost, p.currency),
                "proposedCost": money(p.proposed_cost, p.currency),
                "basis": "a month before tax, at today's prices, on the usage of the last complete billing periods",
                "period": [
                    {
                        "start": period.start.isoformat(),
                        "end": period.end.isoformat(),
                        "usage": [
                            {"metric": metric, "quantity": number(quantity), "unit": unit}
                            for metric, quantity, unit in period.usage
                        ],
                        "currentCost": money(period.current, p.currency),
                        "proposedCost": money(period.proposed, p.currency),
                    }
                    for period in p.periods
                ],
            },
        }
        for p in proposals
    ]


def three_sixty_viewed(request, principal: Principal, customer: Customer, where: str) -> dict:
    """The 360° body for this caller; a staff view is recorded as an interaction (``where``: API, console)."""
    ctx = RepresentationContext(request)
    now = timezone.now()
    body = representations.three_sixty(
        customer,
        selectors.last_interactions(customer.pk),
        recommendations_for([held.name for held in customer.held_products.all()], principal, now),
        ctx,
    )
    # Saving on the customer's own figures comes before the catalog's general upsell and cross-sell rules.
    body["recommendedOffering"] = (
        _right_sizing(rightsizing_proposals(principal, customer, at=now), ctx) + body["recommendedOffering"]
    )
    body["shoppingCart"] = _open_carts(principal, customer, ctx)
    body["productOrder"] = _orders_in_flight(principal, customer, ctx)
    body.update(usage_part(principal, customer.pk, ctx, timezone.now()))
    body.update(knowledge_part(principal, customer, ctx))
    body.update(aftersales_part(principal, customer.pk, ctx))
    body.update(tickets_part(principal, customer.pk, ctx))
    if principal.is_staff:
        interaction_record(
            customer_id=customer.pk,
            channel=principal.channel,
            actor=principal.actor,
            kind="view_360",
            summary=f"Opened the 360° view{where}",
        )
    return body
