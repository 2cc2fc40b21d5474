"""What a completed after-sales item leaves in the customer's inventory (``orchestration.aftersales``).

A return ends the product; an exchange swaps it: the device the logistics system sent in its place
(its serial number), under the offering exchanged for; a repair leaves it as it was.
"""

from catalog.fulfilment import AFTERSALES_ACTIONS
from customers import services as customer_services
from customers.models import HeldProduct
from orchestration.models import FulfilmentTask, ProductOrder, ProductOrderItem

RETURN, EXCHANGE, REPAIR = AFTERSALES_ACTIONS
SERIAL = "serialNumber"


def handles(order: ProductOrder) -> bool:
    return order.category in AFTERSALES_ACTIONS


def deliver(order: ProductOrder, item: ProductOrderItem, tasks: list[FulfilmentTask]) -> HeldProduct | None:
    """The item's effect on the product it names; the product."""
    if item.held_product_id is None:
        return None
    if order.category == RETURN:
        customer_services.held_product_changed(item.held_product_id, terminate=True)
    elif order.category == EXCHANGE:
        serials = [t.outputs[SERIAL] for t in tasks if t.outputs.get(SERIAL)]
        held = item.held_product
        moved = item.offering_id and item.offering_id != held.offering_id
        # Another device: what was paid once for the one given back and the difference settled by the order,
        # so a later return refunds what was paid for it, not its price that day (unknown before: still so).
        paid = ([c for c in held.price if c["price_type"] == "oneTime"] + list(item.item_price)) if held.price else []
        change = customer_services.ProductChange(
            offering_id=item.offering_id if moved else None,
            name=item.offering_name,
            price=paid,
            characteristics={SERIAL: serials[-1]} if serials else {},
        )
        customer_services.held_product_changed(item.held_product_id, change, terminate=False)
    return item.held_product
