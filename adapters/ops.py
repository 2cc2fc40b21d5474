"""What the operators' endpoints show of the back-office systems (``overlay.registry``)."""

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from adapters.http import breaker_for
from adapters.models import BackOfficeSystem, QuarantinedRecord, SyncCursor
from overlay import registry
from overlay.metrics import gauge_of_counts


def circuits() -> dict[str, float]:
    """Each enabled system's circuit breaker in this process: seconds until it lets a call through (0: closed)."""
    codes = BackOfficeSystem.objects.filter(enabled=True).order_by("code").values_list("code", flat=True)
    return {code: breaker_for(code).closes_in() for code in codes}


@registry.readiness("backOfficeSystems", required=False)
def back_office_readiness() -> dict:
    """Shown, not required: Overlay serves its catalog and carts while a back-office system is down."""
    systems = {
        code: {"circuit": "open", "retryInSeconds": round(wait, 1)} if wait else {"circuit": "closed"}
        for code, wait in circuits().items()
    }
    return {"ok": all(s["circuit"] == "closed" for s in systems.values()), "systems": systems}


@registry.collector("backOffice")
def back_office_metrics():
    """Circuit breakers (this process's view), sync lag and unresolved quarantine per stream: three queries."""
    circuit = GaugeMetricFamily(
        "overlay_backoffice_circuit_open", "1 while calls to the system fail fast (circuit open).", labels=["system"]
    )
    for code, wait in circuits().items():
        circuit.add_metric([code], 1 if wait else 0)
    lag = GaugeMetricFamily(
        "overlay_sync_lag_seconds", "Seconds since a stream's last pulled page was stored.", labels=["system", "stream"]
    )
    now = timezone.now()
    for code, stream, at in SyncCursor.objects.order_by("system__code", "stream").values_list(
        "system__code", "stream", "updated_at"
    ):
        lag.add_metric([code, stream], (now - at).total_seconds())
    quarantined = gauge_of_counts(
        "overlay_sync_quarantined_records",
        "Records that could not be imported, unresolved.",
        QuarantinedRecord.objects.filter(resolved_at__isnull=True),
        {"system": "system__code", "stream": "stream"},
    )
    return [circuit, lag, quarantined]
