"""The price promise: a handed-off cart keeps, in the channel it goes to, the prices it was shown.

When a cart is handed off, its lines are priced for the channel handing it off (without the
campaigns bound to that channel) and kept on the cart with an expiry (``PRICE_PROMISE_SECONDS``).
Any other channel that looks at the cart before then charges each of those lines what was
promised, unless its own price for the line is lower; the line's trail says so. A line added or
changed after the hand-off is priced for the channel looking at it.
"""

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils.dateparse import parse_datetime

from cart.models import CartItem, ShoppingCart
from catalog.pricing import AppliedAlteration, ItemQuote, totals_of
from orchestration.assessment import Assessment
from orchestration.charges import charge_from_snapshot, charge_snapshot


def line_fingerprint(item: CartItem) -> str:
    """What a line is: the promise holds for it as long as it stays so. (Lines are rewritten when a cart is
    edited, so this is what the line says, not its id; the promise counts how many such lines it covers.)"""
    what = [
        item.offering_id,
        item.action,
        item.quantity,
        sorted(item.characteristics.items()),
        sorted((str(k), int(v)) for k, v in item.members.items()),
        item.held_product_id,
    ]
    return hashlib.sha256(json.dumps(what, default=str).encode()).hexdigest()[:32]


def promise_of(cart: ShoppingCart, items: list[CartItem], assessment: Assessment, channel: str, at: datetime) -> dict:
    """The cart's promise after a hand-off from ``channel``: its active lines at the prices ``assessment``
    (portable) gives them, each until ``PRICE_PROMISE_SECONDS`` from now; a line still under an earlier
    promise from another channel keeps it where it is lower (and its own expiry)."""
    until = _utc(at + timedelta(seconds=settings.PRICE_PROMISE_SECONDS))
    earlier = {
        fingerprint: line
        for fingerprint, line in (cart.price_promise or {}).get("lines", {}).items()
        if _holds(line, at)
    }
    lines: dict[str, dict] = {}
    for item in items:
        if item.pk not in assessment.quotes:
            continue
        fingerprint = line_fingerprint(item)
        if fingerprint in lines:
            lines[fingerprint]["count"] += 1
            continue
        charges = [charge_snapshot(c) for c in assessment.quotes[item.pk].charges]
        line = {"channel": channel, "madeAt": _utc(at), "until": until, "charges": charges, "count": 1}
        before = earlier.get(fingerprint)
        if before and before["channel"] != channel and _total(before["charges"]) < _total(charges):
            line = {**before, "count": 1}
        lines[fingerprint] = line
    return {"lines": lines}


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _holds(line: dict, at: datetime) -> bool:
    until = parse_datetime(line.get("until") or "")
    return until is not None and until > at


def _total(charges: list[dict]) -> Decimal:
    return sum((Decimal(c["total"]) for c in charges), Decimal(0))


def _promised_quote(quote: ItemQuote, line: dict) -> ItemQuote | None:
    if _total(line["charges"]) >= sum((c.total for c in quote.charges), Decimal(0)):
        return None  # this channel's own price is as low or lower: the customer pays that
    note = AppliedAlteration(
        f"Price promised in {line['channel']}",
        f"promise: the price shown in {line['channel']} at {line['madeAt']}, honoured until {line['until']}",
        Decimal(0),  # the price itself is what the alterations before this one made it, in that channel
    )
    charges = [charge_from_snapshot(kept) for kept in line["charges"]]
    charges = [replace(charge, alterations=(*charge.alterations, note)) for charge in charges]
    return replace(quote, charges=tuple(charges), totals=totals_of(charges))


def honour(cart: ShoppingCart, items: list[CartItem], assessment: Assessment, channel: str, at: datetime) -> Assessment:
    """The assessment with the cart's promise kept for each line it holds for, in ``channel`` at ``at``."""
    lines = (cart.price_promise or {}).get("lines")
    if not lines:
        return assessment
    quotes = dict(assessment.quotes)
    used: dict[str, int] = {}
    for item in items:
        fingerprint = line_fingerprint(item)
        line = lines.get(fingerprint)
        if line is None or line["channel"] == channel or not _holds(line, at) or item.pk not in quotes:
            continue
        if used.get(fingerprint, 0) >= line.get("count", 1):
            continue  # a line added since, the same as a promised one: priced here
        used[fingerprint] = used.get(fingerprint, 0) + 1
        if honoured := _promised_quote(quotes[item.pk], line):
            quotes[item.pk] = honoured
    if quotes == assessment.quotes:
        return assessment
    charges = [charge for quote in quotes.values() for charge in quote.charges]
    return replace(assessment, quotes=quotes, totals=totals_of(charges))
