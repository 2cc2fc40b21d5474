"""Building TMF resource representations: href, empties omitted, ``fields=``."""

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

EMPTY = (None, "", [], {})


def compact(data: dict) -> dict:
    """Drop optional attributes that are empty, as TMF asks (mandatory ones are never empty)."""
    return {key: value for key, value in data.items() if not (value is None or value == [] or value == {})}


def timestamp(value: datetime | None) -> str | None:
    """UTC, ISO 8601, ending in Z."""
    if value is None:
        return None
    value = value.astimezone(UTC) if value.tzinfo else value
    # Not strftime: its %Y does not pad years before 1000 ("1-01-01").
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def time_period(start: datetime | None, end: datetime | None) -> dict | None:
    period = compact({"startDateTime": timestamp(start), "endDateTime": timestamp(end)})
    return period or None


def number(value: Decimal | None) -> float | int | None:
    """JSON number for a Decimal (TMF schemas type money and rates as numbers)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def money(value: Decimal | str, currency: str) -> dict:
    """TMF Money: the currency and the amount as a JSON number (from a Decimal or its string)."""
    return {"unit": currency, "value": number(Decimal(value))}


def parse_fields(raw: str | None) -> frozenset[str] | None:
    if not raw:
        return None
    names = frozenset(name.strip() for name in raw.split(",") if name.strip())
    return names or None


def select_fields(data: dict, fields: Iterable[str] | None) -> dict:
    """``fields=a,b``: exactly the selected first-level attributes.

    ``a.b`` (TMF630) selects ``a`` with only its ``b``: in an object, or in each object of a list.
    """
    if fields is None:
        return data
    selected = {}
    for key, value in data.items():
        if key in fields:
            selected[key] = value
            continue
        inner = {name.split(".", 1)[1] for name in fields if name.startswith(f"{key}.")}
        if inner:
            selected[key] = _select_inner(value, inner)
    return selected


def _select_inner(value, fields: set[str]):
    if isinstance(value, dict):
        return select_fields(value, fields)
    if isinstance(value, list):
        return [select_fields(item, fields) if isinstance(item, dict) else item for item in value]
    return value


class Hrefs:
    """Absolute hrefs for one request: ``base`` is scheme://host."""

    def __init__(self, request):
        self.base = f"{request.scheme}://{request.get_host()}"

    def __call__(self, path: str) -> str:
        return self.base + path
