"""What the operators see of the outbox (``overlay.registry``): one query at scrape; and its housekeeping."""

from datetime import datetime

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from events.models import EventDelivery, OutboxEvent
from overlay import registry
from overlay.housekeeping import cutoff, delete_in_batches


@registry.collector("outbox")
def outbox_metrics():
    """Deliveries waiting (and the age of the oldest one's event), and those given up (an operator's to redo)."""
    rows = (
        EventDelivery.objects.filter(state__in=[EventDelivery.State.PENDING, EventDelivery.State.GAVE_UP])
        .values("state")
        .annotate(count=Count("id"), oldest=Min("event__created_at"))
        .order_by()
    )
    by_state = {row["state"]: row for row in rows}
    pending = by_state.get(EventDelivery.State.PENDING, {"count": 0, "oldest": None})
    backlog = GaugeMetricFamily("overlay_outbox_pending_deliveries", "Event deliveries not yet delivered.")
    backlog.add_metric([], pending["count"])
    age = GaugeMetricFamily(
        "overlay_outbox_oldest_pending_age_seconds", "Age of the oldest event still waiting for a delivery (0: none)."
    )
    age.add_metric([], (timezone.now() - pending["oldest"]).total_seconds() if pending["oldest"] else 0)
    gave_up = GaugeMetricFamily("overlay_outbox_gave_up_deliveries", "Event deliveries given up after every retry.")
    gave_up.add_metric([], by_state.get(EventDelivery.State.GAVE_UP, {"count": 0})["count"])
    return [backlog, age, gave_up]


@registry.housekeeping("deliveredEvents")
def delivered_events(now: datetime) -> int:
    """Events older than ``EVENT_RETENTION_SECONDS`` whose every delivery was delivered (or that had no
    listener), with their deliveries and attempts. One still pending, or given up, stays."""
    undelivered = EventDelivery.objects.filter(event_id=OuterRef("pk")).exclude(state=EventDelivery.State.DELIVERED)
    return delete_in_batches(
        OutboxEvent.objects.filter(created_at__lt=cutoff(now, settings.EVENT_RETENTION_SECONDS)).exclude(
            Exists(undelivered)
        )
    )
