"""What the operators' endpoints show of fulfilment (``overlay.registry``): one query at scrape."""

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from orchestration.models import FulfilmentTask
from overlay import registry

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
    tasks = GaugeMetricFamily(
        "overlay_fulfilment_tasks",
        "Fulfilment tasks not yet finished, by state and system.",
        labels=["state", "system"],
    )
    rows = (
        FulfilmentTask.objects.filter(state__in=OPEN_STATES)
        .values("state", "system")
        .annotate(count=Count("id"))
        .order_by("state", "system")
    )
    for row in rows:
        tasks.add_metric([row["state"], row["system"]], row["count"])
    return [tasks]
