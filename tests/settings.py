"""Settings for the test suite: the real settings, on PostgreSQL, with test-only speedups."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
# The test client and the live servers speak plain http (production settings: tests/overlay/test_deploy.py).
os.environ.setdefault("HTTPS_ONLY", "0")

from overlay.settings import *  # noqa: F403
from overlay.settings import DATABASES

if (
    DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    and os.environ.get("OVERLAY_TESTS_ON_SQLITE") != "1"
):
    raise RuntimeError(
        "The tests run on PostgreSQL: use `make test` (it starts one) or set DATABASE_URL to a PostgreSQL database."
    )

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Rendered pages are not cached unless a test turns it on, so query counts are real.
CATALOG_PAGE_CACHE_SECONDS = 0
# Live-server request threads must not keep connections open past a test (the test database is dropped).
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Tests write catalog rows with factories (not through the services that bump the revision):
# the per-process pricing cache is tested on its own (tests/catalog/test_pricing_cache.py).
PRICING_DATA_CACHE = False
# Likewise rendered offerings and list counts kept per revision (tested in tests/catalog/test_offering_fragments.py).
CATALOG_RENDER_CACHE_SECONDS = 0
# Fulfilment and event retries back off for milliseconds, not seconds; tests drive them with sweep().
FULFILMENT_RETRY_BASE_SECONDS = 0.01
FULFILMENT_RETRY_MAX_SECONDS = 0.05
FULFILMENT_POLL_SECONDS = 0.05
EVENT_RETRY_BASE_SECONDS = 0.01
EVENT_RETRY_MAX_SECONDS = 0.05
TICKET_ROUTE_RETRY_BASE_SECONDS = 0.01
EVENT_TIMEOUT_SECONDS = 2
SWEEP_SECONDS = 0
FULFILMENT_REQUEUE_SECONDS = 0
# The tests' listeners run on loopback over http.
EVENT_CALLBACK_HTTP = True
EVENT_CALLBACK_INTERNAL_HOSTS = ["127.0.0.1", "localhost"]
