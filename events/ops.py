"""What the operators see of the outbox (``overlay.registry``): one query at scrape."""

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from events.models import EventDelivery
from overlay import registry


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
