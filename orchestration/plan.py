"""Decomposition: an order becomes a graph of fulfilment tasks, from its specifications' plans.

Every unit of an item (its quantity, times its bundle members) gets one task per step of its
specification's plan that applies to the item's action. ``after`` keys are resolved within
the unit first; a key the unit's plan lacks means every task with that key elsewhere in the
order (the SIM waits for the phone's shipment); a key nobody has is dropped. An in-life change
of a held product whose specification has no plan for it is one task in the product's own
system (``modify`` or ``terminate``), so it is carried out where the product lives. An after-sales
order (category ``return``, ``exchange`` or ``repair``) runs the steps planned for its kind instead
of its items' TMF action (``plan_actions``).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from catalog import selectors as catalog_selectors
from catalog.fulfilment import AFTERSALES_ACTIONS, LOANER
from catalog.models import FulfilmentStep, ProductOffering
from orchestration.models import FulfilmentTask, ProductOrder, ProductOrderItem
from overlay.bulk import update_rows

ImplicitTask = {"modify": "modify_product", "delete": "terminate_product"}


@dataclass
class _Unit:
    item: ProductOrderItem
    number: int
    member_offering_id: str
    offering: ProductOffering | None
    steps: list = field(default_factory=list)


def plan_actions(order: ProductOrder, item: ProductOrderItem) -> set[str]:
    """The actions an item's plan steps are chosen by: its own, or its after-sales order's kind (with the
    ``loaner`` steps when a repair lends a device)."""
    if order.category not in AFTERSALES_ACTIONS:
        return {item.action}
    return {order.category} | ({LOANER} if item.characteristics.get(LOANER) == "true" else set())


def items_to_plan():
    """An order's items with what the plan reads of them (and its representation: the product they made)."""
    return ProductOrderItem.objects.select_related("offering", "held_product", "product").order_by("id")


def _units(order: ProductOrder) -> list[_Unit]:
    items = list(
        order.items.all()
        if "items" in getattr(order, "_prefetched_objects_cache", {})
        else items_to_plan().filter(order=order)
    )
    member_ids = {oid for item in items for oid in item.members}
    members = {o.pk: o for o in ProductOffering.objects.filter(pk__in=member_ids)}
    spec_ids = {i.offering.specification_id for i in items if i.offering} | {
        m.specification_id for m in members.values()
    }
    steps = catalog_selectors.fulfilment_steps(spec_ids)  # kept per catalog revision

    units: list[_Unit] = []
    for item in items:
        actions = plan_actions(order, item)
        number = 0
        for _ in range(item.quantity):
            parts = [("", item.offering)] if item.offering else [("", None)]
            parts += [(oid, members.get(oid)) for oid, count in item.members.items() for _ in range(int(count))]
            for member_id, offering in parts:
                number += 1
                spec_id = offering.specification_id if offering else None
                applicable = [s for s in steps.get(spec_id, ()) if actions.intersection(s.action_list)]
                units.append(_Unit(item, number, member_id, offering, applicable))
    return units


def _implicit_step(unit: _Unit) -> FulfilmentStep | None:
    held = unit.item.held_product
    if held is None or unit.item.action not in ImplicitTask or unit.member_offering_id:
        return None
    return FulfilmentStep(key=ImplicitTask[unit.item.action], system=held.system, task=ImplicitTask[unit.item.action])


def _payload(order: ProductOrder, unit: _Unit) -> dict:
    item = unit.item
    held = item.held_product
    return {
        "order": order.pk,
        "orderItem": item.item_id,
        "unit": unit.number,
        "customer": order.customer_id,
        "action": item.action,
        "offering": {"id": unit.offering.pk, "name": unit.offering.name} if unit.offering else None,
        "characteristics": item.characteristics,
        "product": {"system": held.system, "id": held.external_id} if held else None,
    }


def decompose(order: ProductOrder) -> list[FulfilmentTask]:
    """Create the order's fulfilment tasks (blocked, or ready when they wait for nothing)."""
    planned: list[tuple[_Unit, FulfilmentStep]] = []
    for unit in _units(order):
        steps = unit.steps or [s for s in [_implicit_step(unit)] if s]
        planned += [(unit, step) for step in steps]
    tasks = FulfilmentTask.objects.bulk_create(
        FulfilmentTask(
            order=order,
            item=unit.item,
            key=step.key,
            unit=unit.number,
            member_offering_id=unit.member_offering_id,
            system=step.system,
            task=step.task,
            undo_task=step.undo_task,
            creates_product=step.creates_product,
            on_failure=step.on_failure,
            timeout_seconds=step.timeout_seconds,
            payload=_payload(order, unit),
            reference=f"{order.pk}-{unit.item.item_id}-{unit.number}-{step.key}",
        )
        for unit, step in planned
    )
    if not tasks:
        return []
    if any(t.pk is None for t in tasks):  # databases that do not return ids from bulk inserts
        tasks = list(FulfilmentTask.objects.filter(order=order).order_by("id"))
    by_unit: dict[tuple, dict[str, FulfilmentTask]] = defaultdict(dict)
    by_key: dict[str, list[FulfilmentTask]] = defaultdict(list)
    for task in tasks:
        by_unit[(task.item_id, task.unit)][task.key] = task
        by_key[task.key].append(task)
    steps_of = {(unit.item.pk, unit.number, step.key): step for unit, step in planned}
    for task in tasks:
        step = steps_of[(task.item_id, task.unit, task.key)]
        depends: list[int] = []
        for key in step.after_keys:
            same_unit = by_unit[(task.item_id, task.unit)].get(key)
            depends += [same_unit.pk] if same_unit else [t.pk for t in by_key.get(key, ()) if t.pk != task.pk]
        task.depends_on = sorted(set(depends))
        task.state = FulfilmentTask.State.BLOCKED if depends else FulfilmentTask.State.READY
    update_rows(FulfilmentTask, tasks, ["depends_on", "state"])
    return tasks
