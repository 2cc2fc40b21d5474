"""What the operators' endpoints show of the back-office systems (``overlay.registry``)."""

from adapters.http import breaker_for
from adapters.models import BackOfficeSystem
from overlay import registry


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
