"""Bill-shock events, as listeners of usageManagement receive them, and the interaction each records
(published in the rating's transaction, so an alert is told exactly when it is raised)."""

from customers.services import interaction_record
from events.services import EventHrefs, publish
from overlay.tmf import INVENTORY, USAGE
from usage.models import UsageAlert
from usage.selectors import alerts_visible

ALERT_EVENT = "UsageThresholdReachedEvent"


def alert_body(alert: UsageAlert, href) -> dict:
    body = {
        "id": str(alert.pk),
        "@type": "UsageAlert",
        "threshold": alert.threshold,
        "description": alert.get_threshold_display(),
        "periodStart": alert.period_start.isoformat(),
        "value": str(alert.value.normalize()),
        "limit": str(alert.limit.normalize()),
        "product": {
            "id": str(alert.product_id),
            "href": href(f"{INVENTORY.base}/product/{alert.product_id}"),
            "name": alert.product.name,
            "@referredType": "Product",
        },
        "relatedParty": [{"id": alert.customer_id, "role": "customer", "@referredType": "Customer"}],
    }
    if alert.metric:
        body["usageCharacteristic"] = {"name": "metric", "value": alert.metric}
    return body


def alert_raised(alert: UsageAlert) -> None:
    """Tell listeners and record the interaction: the customer's 360° shows that they were warned."""
    hrefs = EventHrefs()
    publish(
        api=USAGE.name,
        event_type=ALERT_EVENT,
        resource_type="UsageAlert",
        resource_id=str(alert.pk),
        event={"usageAlert": alert_body(alert, hrefs.href)},
        visible_to=lambda principal: alerts_visible(principal).filter(pk=alert.pk).exists(),
    )
    what = alert.metric or "usage"
    interaction_record(
        customer_id=alert.customer_id,
        channel="system",
        actor="Overlay usage",
        kind="bill-shock",
        summary=f"{alert.product.name}: {alert.get_threshold_display()} ({what}: {alert.value.normalize()} "
        f"of {alert.limit.normalize()}) in the period from {alert.period_start.isoformat()}.",
    )
