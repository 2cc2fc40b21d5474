"""What a completed order item leaves behind: the products it put in place or changed, in the customer's inventory.

Fulfilment (``orchestration.fulfilment``) calls ``items_complete`` when tasks finish; an item whose
tasks are all done is delivered at once, so the 360° and TMF637 show it without waiting for a sync.
"""

from customers import services as customer_services
from customers.models import HeldProduct
from orchestration import timeline
from orchestration.models import FulfilmentTask, ProductOrder, ProductOrderItem

T = FulfilmentTask.State
ITEM = ProductOrderItem.State


def items_complete(order: ProductOrder, tasks: list[FulfilmentTask], *, item_ids: set[int] | None = None) -> None:
    """Items whose tasks are all done are delivered: into the customer's inventory at once."""
    per_item: dict[int, list[FulfilmentTask]] = {}
    for task in tasks:
        per_item.setdefault(task.item_id, []).append(task)
    items = order.items.select_related("held_product").exclude(state__in=(ITEM.COMPLETED, ITEM.FAILED))
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    for item in items:
        mine = per_item.get(item.pk, [])
        if any(t.state != T.DONE for t in mine):
            continue
        item.product = _deliver(order, item, mine)
        item.state = ITEM.COMPLETED
        item.save(update_fields=["state", "product"])
        timeline.note(order.pk, f"item {item.item_id} ({item.offering_name}) completed", kind="item")


def _deliver(order: ProductOrder, item: ProductOrderItem, tasks: list[FulfilmentTask]) -> HeldProduct | None:
    """Put the item's products in the inventory, or change the one it names; the (first) product it delivered."""
    if item.action != ProductOrderItem.Action.ADD:
        outputs = {k: v for task in tasks for k, v in task.outputs.items() if k != "id"}
        if item.held_product_id:
            customer_services.held_product_changed(
                item.held_product_id,
                characteristics={**item.characteristics, **outputs},
                terminate=item.action == ProductOrderItem.Action.DELETE,
            )
        return item.held_product
    units = sorted({(t.unit, t.member_offering_id) for t in tasks}) or [(n, "") for n in range(1, item.quantity + 1)]
    first = None
    for unit, member in units:
        mine = [t for t in tasks if t.unit == unit]
        owner = next((t for t in mine if t.creates_product and t.outputs.get("id")), None)
        unit_outputs = {k: v for t in mine for k, v in t.outputs.items() if k != "id"}
        # A bundle member's name travels in its tasks' payload (the plan looked the offering up).
        offering = mine[0].payload.get("offering") if mine else None
        held = customer_services.held_product_delivered(
            order.customer_id,
            customer_services.DeliveredProduct(
                system=owner.system if owner else "overlay",
                external_id=owner.outputs["id"] if owner else f"{order.pk}-{item.item_id}-{unit}",
                name=offering["name"] if member and offering else item.offering_name,
                product_code=member or item.offering_id or "",
                characteristics={**item.characteristics, **unit_outputs},
            ),
        )
        first = first or held
    return first
