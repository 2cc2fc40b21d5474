#!/usr/bin/env python
"""The cached catalog page in process: CPU time and cache round trips per request, against the bare view.

Runs in the database ``DATABASE_URL`` names (migrated; a catalog of ``--offerings`` is loaded if it has
none), the cache in ``CACHE_URL`` (Redis to count round trips, as production has it), one test-client
request after another, no server: what the request costs Overlay's process around the cached page.

    DEBUG=0 CACHE_URL=$REDIS_URL python bench/catalog/inprocess.py --requests 2000 [--throttle]
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.catalog.settings")
os.environ["BENCH_BARE_BODY"] = os.path.join(__import__("tempfile").mkdtemp(), "page.json")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.catalog import urls as bench_urls  # noqa: E402
from catalog.models import ProductOffering  # noqa: E402
from overlay.services import api_client_create  # noqa: E402

URL = "/tmf-api/productCatalogManagement/v4/productOffering"


class RoundTrips:
    """Counts what the process sends to Redis: one per command, one per pipeline."""

    count = 0

    def __enter__(self):
        import redis.connection

        self.original = redis.connection.AbstractConnection.send_packed_command

        def counted(conn, command, check_health=True):
            RoundTrips.count += 1
            return self.original(conn, command, check_health)

        redis.connection.AbstractConnection.send_packed_command = counted
        return self

    def __exit__(self, *exc):
        import redis.connection

        redis.connection.AbstractConnection.send_packed_command = self.original


def cpu_per_request(client: Client, url: str, data: dict, n: int) -> float:
    for _ in range(n // 10):  # warm up
        client.get(url, data)
    start = time.process_time()
    for _ in range(n):
        response = client.get(url, data)
    assert response.status_code == 200, response.content[:200]
    return (time.process_time() - start) / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--offerings", type=int, default=1000)
    parser.add_argument("--throttle", action="store_true", help="with the rate throttle on, as served")
    args = parser.parse_args()
    if not ProductOffering.objects.exists():
        from bench.catalog.load import load_catalog

        load_catalog(offerings=args.offerings, bundles=args.offerings // 10)
    token = api_client_create(name=f"inprocess-web-{os.getpid()}-{time.time_ns()}", channel="web", scopes=[]).token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "principal": "100000000/min"}
    if args.throttle:  # the benchmark's settings leave it out; views read the default at import
        from rest_framework.views import APIView

        from overlay.api.throttling import PrincipalRateThrottle

        APIView.throttle_classes = [PrincipalRateThrottle]
    with override_settings(ALLOWED_HOSTS=["testserver"], REST_FRAMEWORK=rest):
        page = client.get(URL, {"limit": 50})
        bench_urls.body.cache_clear()
        Path(os.environ["BENCH_BARE_BODY"]).write_bytes(page.content)  # the bare view returns the same bytes
        with CaptureQueriesContext(connection) as queries, RoundTrips():
            before = RoundTrips.count
            client.get(URL, {"limit": 50})
            trips_one = RoundTrips.count - before
        n = args.requests
        bare = cpu_per_request(client, "/bench/bare", {}, n)
        cached = cpu_per_request(client, URL, {"limit": 50}, n)
        bare_again = cpu_per_request(client, "/bench/bare", {}, n)
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"cache {backend}, throttle {'on' if args.throttle else 'off'}, {n} requests each")
    print(f"bare view: {bare * 1e6:.0f} / {bare_again * 1e6:.0f} us CPU a request")
    print(f"productOffering?limit=50, page cached: {cached * 1e6:.0f} us CPU a request")
    print(f"ratio (CPU): {min(bare, bare_again) / cached:.2f}")
    print(f"queries: {len(queries)}; cache round trips: {trips_one}")
    cache.clear()
    return 0


if __name__ == "__main__":
    sys.exit(main())
