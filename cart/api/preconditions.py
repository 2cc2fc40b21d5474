"""A cart's ETag and what an ``If-Match`` header says the caller saw of it.

A cart's ETag is ``"<version>-<price digest>"``: the first half says what is in the cart, the
second what it costs. Services take what the caller saw as plain values: the versions (for an
edit) or the (version, price digest) pairs (for a checkout).
"""

from orchestration.assessment import Assessment
from overlay.api.views import etags_in


def cart_etag(cart, assessment: Assessment) -> str:
    return f'"{cart.version}-{assessment.price_digest}"'


def parse_etags(header: str | None) -> list[tuple[int, str]]:
    """The (version, price digest) pairs an ``If-Match`` header names; unreadable tags match nothing."""
    pairs = []
    for tag in etags_in(header or ""):
        version, _, digest = tag.strip('"').partition("-")
        if version.isdigit():
            pairs.append((int(version), digest))
    return pairs


def seen_in(header: str | None) -> list[tuple[int, str]] | None:
    """What a checkout's ``If-Match`` says the customer saw (None: no precondition)."""
    if not header or header.strip() == "*":
        return None
    return parse_etags(header)


def versions_in(header: str | None) -> set[int] | None:
    """The cart versions an ``If-Match`` header accepts (None: no precondition)."""
    seen = seen_in(header)
    return None if seen is None else {version for version, _ in seen}
