"""The simulated estate as an operator would configure it (used by `make run` and the benchmarks)."""

from adapters.models import BackOfficeSystem, SyncRun
from adapters.sync import sync_stream

# The streams the demo catalog is built on: the billing system's tariffs and the partner's services.
CATALOG_STREAMS = (("crm", "products"), ("partner", "offerings"))

SIMULATED_SYSTEMS = [
    ("crm", "Billing & CRM", "CrmAdapter", 300),
    ("mobile", "Mobile stack", "MobileAdapter", 300),
    ("fixed", "Fixed / broadband stack", "FixedAdapter", 300),
    ("logistics", "Logistics", "LogisticsAdapter", 600),
    ("partner", "Partner catalog (StreamMax & co)", "PartnerCatalogAdapter", 3600),
]


def push_secret_ref(code: str) -> str:
    """The environment variable holding the secret a simulated system signs its pushes with: one per system
    (scripts/run_demo.py names them the same way), so that none can push changes as another."""
    return f"SIMULATOR_WEBHOOK_SECRET_{code.upper()}"


def configure_simulated_systems(base_url: str) -> list[BackOfficeSystem]:
    """Create or update one BackOfficeSystem per simulated system; the secrets stay in the environment."""
    return [
        BackOfficeSystem.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "adapter": f"adapters.builtin.simulated.{adapter}",
                "base_url": base_url,
                "credentials_ref": "SIMULATOR_API_KEY",
                "webhook_secret_ref": push_secret_ref(code),
                "sync_every_seconds": every,
                "enabled": True,
            },
        )[0]
        for code, name, adapter, every in SIMULATED_SYSTEMS
    ]


def import_catalogs() -> None:
    """Pull the simulated catalogs through the real adapters; raise if one cannot be read."""
    for code, stream in CATALOG_STREAMS:
        run = sync_stream(BackOfficeSystem.objects.get(code=code), stream)
        if run.status != SyncRun.Status.SUCCEEDED:
            raise RuntimeError(f"Could not import the {code}/{stream} catalog: {run.error}")
