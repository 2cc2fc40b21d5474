"""Rendered offerings (JSON fragments) kept per catalog revision, in the cache every process shares.

An offering's representation depends on the catalog only (never on who asks, nor on the clock): rendered
once, its bytes serve every page, filter and channel it appears in, until the next catalog write bumps the
revision (``catalog.services.catalog_changed``) and every fragment is stale at once. Which offerings a page
holds is always asked of the database; only their rendering is kept. ``CATALOG_RENDER_CACHE_SECONDS``
bounds how long a fragment lives (0: none is kept, every page renders its rows).
"""

import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache

from catalog.api import representations
from catalog.offering_rows import offering_rows
from overlay.api.renderers import render_plain_json


def offering_fragments(offering_ids: Sequence[str], ctx, revision: int) -> dict[str, bytes]:
    """The JSON of each offering (those that still exist), from the cache or rendered from its rows.

    ``revision`` is the catalog's, read before any of these rows: rows newer than the revision they are kept
    under are harmless, older ones would outlive the write that changed them.
    """
    seconds = settings.CATALOG_RENDER_CACHE_SECONDS
    found: dict[str, bytes] = {}
    if seconds:
        # Hrefs carry the scheme and host the caller used: fragments are kept per base URL.
        prefix = f"catalog:offering:{revision}:{hashlib.sha256(ctx.href.base.encode()).hexdigest()[:16]}:"
        found = {
            key.removeprefix(prefix): body for key, body in cache.get_many([prefix + i for i in offering_ids]).items()
        }
    missing = [i for i in offering_ids if i not in found]
    if missing:
        rendered = {
            offering_id: render_plain_json(representations.product_offering(row, ctx))
            for offering_id, row in offering_rows(missing).items()
        }
        if seconds:
            cache.set_many({prefix + offering_id: body for offering_id, body in rendered.items()}, seconds)
        found.update(rendered)
    return found
