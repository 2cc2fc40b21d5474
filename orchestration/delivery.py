"""What a completed order item leaves behind: the products it put in place or changed, in the customer's inventory.

Fulfilment (``orchestration.fulfilment``) calls ``items_complete`` when tasks finish; an item whose
tasks are all done is delivered at once, so the 360° and TMF637 show it without waiting for a sync.
"""

from decimal import Decimal

from django.db.models import prefetch_related_objects

from catalog.pricing import round_money
from customers import services as customer_services
from customers.models import HeldProduct
from orchestration import aftersales_delivery, timeline
from orchestration.models import FulfilmentTask, OrderEvent, ProductOrder, ProductOrderItem
from orchestration.selectors import order_items_prefetch
from overlay.bulk import update_rows

T = FulfilmentTask.State
ITEM = ProductOrderItem.State


def items_complete(
    order: ProductOrder, tasks: list[FulfilmentTask], *, item_ids: set[int] | None = None
) -> list[OrderEvent]:
    """Items whose tasks are all done are delivered: into the customer's inventory at once.

    Returns their timeline lines, for the caller to write with its own.
    """
    per_item: dict[int, list[FulfilmentTask]] = {}
    for task in tasks:
        per_item.setdefault(task.item_id, []).append(task)
    if item_ids is None:
        # The order may be finishing: its items are loaded as its event renders them, so it reads them once.
        prefetch_related_objects([order], order_items_prefetch())
        items = [i for i in order.items.all() if i.state not in (ITEM.COMPLETED, ITEM.FAILED)]
    else:
        items = order.items.select_related("held_product").exclude(state__in=(ITEM.COMPLETED, ITEM.FAILED))
        items = items.filter(pk__in=item_ids)
    completed = []
    for item in items:
        mine = per_item.get(item.pk, [])
        if any(t.state != T.DONE for t in mine):
            continue
        item.product = _deliver(order, item, mine)
        item.state = ITEM.COMPLETED
        completed.append(item)
    if completed:
        update_rows(ProductOrderItem, completed, ["state", "product"])
    return [timeline.line(order.pk, f"item {i.item_id} ({i.offering_name}) completed", kind="item") for i in completed]


def _deliver(order: ProductOrder, item: ProductOrderItem, tasks: list[FulfilmentTask]) -> HeldProduct | None:
    """Put the item's products in the inventory, or change the one it names; the (first) product it delivered."""
    if aftersales_delivery.handles(order):
        return aftersales_delivery.deliver(order, item, tasks)
    if item.action != ProductOrderItem.Action.ADD:
        outputs = {k: v for task in tasks for k, v in task.outputs.items() if k != "id"}
        if item.held_product_id:
            # A plan change moves the product to the new offering, at what the change was charged.
            change = customer_services.ProductChange(
                offering_id=item.offering_id,
                name=item.offering_name,
                price=unit_price(item, item.offering_id) if item.offering_id else [],
                characteristics={**item.characteristics, **outputs},
            )
            customer_services.held_product_changed(
                item.held_product_id, change, terminate=item.action == ProductOrderItem.Action.DELETE
            )
        return item.held_product
    units = sorted({(t.unit, t.member_offering_id) for t in tasks}) or [(n, "") for n in range(1, item.quantity + 1)]
    delivered = []
    for unit, member in units:
        mine = [t for t in tasks if t.unit == unit]
        owner = next((t for t in mine if t.creates_product and t.outputs.get("id")), None)
        unit_outputs = {k: v for t in mine for k, v in t.outputs.items() if k != "id"}
        # A bundle member's name travels in its tasks' payload (the plan looked the offering up).
        offering = mine[0].payload.get("offering") if mine else None
        delivered.append(
            customer_services.DeliveredProduct(
                system=owner.system if owner else "overlay",
                external_id=owner.outputs["id"] if owner else f"{order.pk}-{item.item_id}-{unit}",
                name=offering["name"] if member and offering else item.offering_name,
                product_code=member or item.offering_id or "",
                characteristics={**item.characteristics, **unit_outputs},
                offering_id=member or item.offering_id,
                price=unit_price(item, member or item.offering_id),
            )
        )
    held = customer_services.held_products_delivered(order.customer_id, delivered)
    return held[0] if held else None


def unit_price(item: ProductOrderItem, offering_id: str) -> list[dict]:
    """What the order charged for one unit of this offering (of the item itself, or a bundle member): its
    charges, each split over the units it was for (the quantity, times the member's count in the bundle)."""
    units = item.quantity * (int(item.members.get(offering_id, 1)) if offering_id != item.offering_id else 1)
    charges = [charge for charge in item.item_price if charge["offering_id"] == offering_id]
    return charges if units == 1 else [_split(charge, units) for charge in charges]


def _split(charge: dict, units: int) -> dict:
    currency = charge["currency"]

    def each(amount: str) -> Decimal:
        return round_money(Decimal(amount) / units, currency)

    amount, tax = each(charge["amount"]), each(charge["tax_amount"])
    return {
        **charge,
        "amount": str(amount),
        "tax_amount": str(tax),
        "total": str(amount + tax),
        "alterations": [{**a, "amount": str(each(a["amount"]))} for a in charge["alterations"]],
    }
