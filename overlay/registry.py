"""What the kernel's operations ask of the apps: readiness checks, metrics read at scrape time, housekeeping.

The kernel imports no app (``lint-imports``). Each app that has something to report or to clean
up says so in its own ``ops.py``, with the decorators below; the kernel imports every installed
app's ``ops`` module the first time it needs them (as the admin finds ``admin.py``).
"""

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Readiness:
    """A check for ``/readyz``: returns a JSON-able dict with ``ok``. ``required`` checks make Overlay not ready."""

    name: str
    check: Callable[[], dict]
    required: bool


@dataclass(frozen=True)
class Housekeeping:
    """Removes, in batches, what is older than its retention at ``now``; returns how many rows went."""

    name: str
    run: Callable[[datetime], int]


READINESS: dict[str, Readiness] = {}
# Each returns Prometheus metric families (prometheus_client.core.*MetricFamily), computed at scrape.
COLLECTORS: dict[str, Callable[[], Iterable]] = {}
HOUSEKEEPING: dict[str, Housekeeping] = {}

_discovered = False
_lock = threading.Lock()


def readiness(name: str, *, required: bool = True):
    def register(check: Callable[[], dict]) -> Callable[[], dict]:
        READINESS[name] = Readiness(name, check, required)
        return check

    return register


def collector(name: str):
    def register(collect: Callable[[], Iterable]) -> Callable[[], Iterable]:
        COLLECTORS[name] = collect
        return collect

    return register


def housekeeping(name: str):
    def register(run: Callable[[datetime], int]) -> Callable[[datetime], int]:
        HOUSEKEEPING[name] = Housekeeping(name, run)
        return run

    return register


def discover() -> None:
    """Import every installed app's ``ops`` module, once per process."""
    global _discovered
    if _discovered:
        return
    with _lock:
        if not _discovered:
            autodiscover_modules("ops")
            _discovered = True
