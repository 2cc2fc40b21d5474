"""What several processes must share: a deploy check (``manage.py check --deploy``).

With a broker, Overlay runs as several processes (gunicorn workers, Celery workers, beat). The cache
then holds what they must agree on: throttling counters, remembered API tokens, the catalog revision
behind cached pages and pricing data, circuit breakers, seen webhook signatures. A local-memory cache
keeps each of those per process. docs/deployment.md lists them.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def shared_cache_check(app_configs, **kwargs) -> list[Warning]:
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.CELERY_BROKER_URL and not backend.endswith("RedisCache"):
        return [
            Warning(
                "Several processes (a Celery broker is set) but a cache of each process's own: rate limits, "
                "revoked tokens, catalog changes and circuit breakers are not shared between them.",
                hint="Set CACHE_URL to Redis (scripts/serve.py sets it to REDIS_URL).",
                id="overlay.W101",
            )
        ]
    return []
