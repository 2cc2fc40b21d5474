"""What Overlay knows about a product when a fault is reported on it, attached to the ticket (TMF621
``relatedEntity``): the product, the back-office system that runs it, its recent orders and in-life
changes. The system's open incidents are asked when the ticket is routed (``care.routing``): a live
call, made by the job, never while the customer waits."""

from datetime import datetime, timedelta

from adapters.models import BackOfficeSystem
from customers.models import HeldProduct
from orchestration.selectors import order_items_touching

RECENT_ORDERS_DAYS = 30


def related_entities(product: HeldProduct, now: datetime) -> list[dict]:
    """Entities related to a ticket about ``product``, in domain terms: id, kind, role, name."""
    system = BackOfficeSystem.objects.filter(code=product.system).only("name").first()
    entities = [
        {
            "id": product.system,
            "kind": "BackOfficeSystem",
            "role": "backOfficeSystem",
            "name": system.name if system else product.system,
        },
    ]
    for item in order_items_touching(product.pk, now - timedelta(days=RECENT_ORDERS_DAYS)):
        entities.append(
            {
                "id": item.order_id,
                "kind": "ProductOrder",
                "role": "recentOrder",
                "name": f"{item.action} {item.offering_name or product.name} ({item.order.state}, "
                f"{item.order.order_date:%Y-%m-%d})",
            }
        )
    return entities
