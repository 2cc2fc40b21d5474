from django.apps import AppConfig


class OverlayConfig(AppConfig):
    name = "overlay"
    verbose_name = "Overlay platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from overlay import metrics, trigrams  # noqa: F401  (metrics: counts Celery jobs from here on)
        from overlay.api import schema  # noqa: F401  (registers the OpenAPI auth extension)

        trigrams.install()
