"""The demo catalog's after-sales plans: how a device is returned, exchanged or repaired (data, like every plan).

Keys are shared between the kinds where the work is the same (every kind starts with a pick-up and
an inspection); ``actions`` says which kinds run a step (``orchestration.plan.plan_actions``).
"""

from catalog.models import FulfilmentStep

RETURN_AND_EXCHANGE = [
    # key, system, task, after, undo, actions
    ("pickup", "logistics", "pickup_device", "", "cancel_pickup", "return,exchange,repair"),
    ("inspect", "logistics", "inspect_device", "pickup", "void_inspection", "return,exchange,repair"),
    ("restock", "logistics", "restock_device", "inspect", "unstock_device", "return,exchange"),
    ("refund", "crm", "credit_account", "inspect", "reverse_credit", "return"),
    ("end_product", "logistics", "terminate_device", "restock,refund", "reinstate_device", "return"),
    ("ship_replacement", "logistics", "ship_replacement", "inspect", "recall_device", "exchange"),
    ("settle", "crm", "settle_difference", "ship_replacement", "reverse_settlement", "exchange"),
]
REPAIR = [
    ("repair", "logistics", "repair_device", "inspect", "cancel_repair", "repair"),
    ("send_back", "logistics", "return_repaired", "repair", "recall_device", "repair"),
    # A loaner goes out at once and comes back once the repaired device is with the customer again.
    ("ship_loaner", "logistics", "ship_loaner", "", "recall_loaner", "loaner"),
    ("collect_loaner", "logistics", "collect_loaner", "ship_loaner,send_back", "cancel_collection", "loaner"),
]


def aftersales_plans(*, devices, repairable) -> list[FulfilmentStep]:
    """Add the return and exchange steps to the devices' plans, and the repair steps to the repairable ones'."""
    first = 100  # after the steps of ordering them

    def kinds(spec, actions: str) -> str:
        return actions if spec in repairable else actions.replace(",repair", "")

    return FulfilmentStep.objects.bulk_create(
        FulfilmentStep(
            specification_id=spec,
            position=first + position,
            key=key,
            system=system,
            task=task,
            after=after,
            undo_task=undo,
            actions=kinds(spec, actions),
        )
        for spec in devices
        for position, (key, system, task, after, undo, actions) in enumerate(
            RETURN_AND_EXCHANGE + (REPAIR if spec in repairable else [])
        )
    )
