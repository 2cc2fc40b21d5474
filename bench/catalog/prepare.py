"""Load the benchmark catalog, issue a web token and count queries per page size (run by run.py)."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.catalog.settings")
django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.catalog.load import load_catalog  # noqa: E402
from overlay.services import api_client_create  # noqa: E402

offerings, bundles = int(sys.argv[1]), int(sys.argv[2])
load_catalog(offerings=offerings, bundles=bundles)
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # planner statistics, as any database that has been running has
token = api_client_create(name="bench-web", channel="web", scopes=[]).token

client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
url = "/tmf-api/productCatalogManagement/v4/productOffering"
counts = []
# Every query a page costs when nothing is cached (the first read after a catalog write).
with override_settings(CATALOG_PAGE_CACHE_SECONDS=0, CATALOG_RENDER_CACHE_SECONDS=0, ALLOWED_HOSTS=["*"]):
    client.get(url, {"limit": 1})  # the token is verified once, then remembered
    for limit in (10, 50, 100):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"limit": limit})
        assert response.status_code == 200 and len(response.json()) == limit
        counts.append(f"{limit}:{len(captured)}")
cache.clear()
print(f"token={token}")
print(f"queries={','.join(counts)}")
