"""What the operators' endpoints show of fulfilment (``overlay.registry``): one query at scrape."""

from orchestration.models import FulfilmentTask
from overlay import registry
from overlay.metrics import gauge_of_counts

# Tasks still moving (the task_due_idx index leads with the state): finished ones only pile up.
OPEN_STATES = [
    FulfilmentTask.State.BLOCKED,
    FulfilmentTask.State.READY,
    FulfilmentTask.State.RUNNING,
    FulfilmentTask.State.IN_SYSTEM,
    FulfilmentTask.State.RETRYING,
    FulfilmentTask.State.COMPENSATING,
]


@registry.collector("fulfilment")
def fulfilment_metrics():
    open_tasks = FulfilmentTask.objects.filter(state__in=OPEN_STATES)
    return [
        gauge_of_counts(
            "overlay_fulfilment_tasks",
            "Fulfilment tasks not yet finished, by state and system.",
            open_tasks,
            {"state": "state", "system": "system"},
        )
    ]
