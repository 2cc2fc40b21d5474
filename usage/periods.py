"""Billing periods: an account's bill-cycle day starts each of them (1 when it has none)."""

from datetime import UTC, date, datetime, time


def period_of(moment: datetime, bill_cycle: int | None) -> tuple[date, date]:
    """The billing period ``moment`` falls in: (first day, first day of the next), in UTC."""
    day = min(max(bill_cycle or 1, 1), 28)
    moment = moment.astimezone(UTC)
    year, month = moment.year, moment.month
    if moment.day < day:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    start = date(year, month, day)
    return start, next_period_start(start)


def next_period_start(start: date) -> date:
    return date(start.year + start.month // 12, start.month % 12 + 1, start.day)


def previous_period_start(start: date) -> date:
    return date(start.year, start.month - 1, start.day) if start.month > 1 else date(start.year - 1, 12, start.day)


def at_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def elapsed_fraction(start: date, end: date, now: datetime) -> float:
    """How much of a period has passed at ``now`` (0 before it, 1 after it)."""
    total = (at_midnight(end) - at_midnight(start)).total_seconds()
    passed = (now - at_midnight(start)).total_seconds()
    return min(max(passed / total, 0.0), 1.0)
