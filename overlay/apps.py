from django.apps import AppConfig


class OverlayConfig(AppConfig):
    name = "overlay"
    verbose_name = "Overlay platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from overlay import metrics, topology, trigrams  # noqa: F401  (metrics: counts Celery jobs; topology: its deploy check)
        from overlay.api import schema  # noqa: F401  (registers the OpenAPI auth extension)

        trigrams.install()
