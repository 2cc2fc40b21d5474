"""What a back-office system can do for Overlay, as typed contracts.

A system implements the contracts it supports. Records crossing the boundary
are plain dataclasses in Overlay's terms, defined by the app that imports them
(``customers.records``, ``catalog.records``, ``usage.records``) and named here for adapter authors;
mapping a system's legacy shape into them is the adapter's whole job, and a
record it cannot map raises ``MappingError`` (the sync engine quarantines it and
goes on).

Each record carries the source's ``version`` of it when the system keeps one: a number
that grows with every change of the record (a revision counter, or its last-modified time
in microseconds since the epoch: ``adapters.builtin.base.version_of``). Pulls and pushes
can arrive out of order or be replayed; a record older than the version stored changes
nothing. Without a version, the last record received wins. Usage records carry none: they
never change, and one received again (by its id in its system) counts once.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from catalog.records import OfferingRecord, SpecificationRecord
from customers.records import AccountRecord, HeldProductRecord, PartyRecord
from usage.records import UsageRecordIn

__all__ = [
    "AccountRecord",
    "CircuitOpen",
    "FulfilmentRejected",
    "FulfilmentStatus",
    "FulfilmentTarget",
    "HeldProductRecord",
    "Incident",
    "MappingError",
    "OfferingRecord",
    "Page",
    "Partition",
    "PartitionedSource",
    "PartyRecord",
    "PullSource",
    "Refused",
    "Serviceability",
    "ServiceabilitySource",
    "SourceUnavailable",
    "SpecificationRecord",
    "TicketDesk",
    "TicketNoteRecord",
    "TicketState",
    "UsageRecordIn",
]


class MappingError(ValueError):
    """A source record that cannot be turned into an Overlay record."""


class SourceUnavailable(Exception):
    """The system did not answer usefully (after retries), or its circuit is open."""


class CircuitOpen(SourceUnavailable):
    """The call was not made: the system failed repeatedly just before, and is left alone for
    ``retry_after`` more seconds. It did not reach the system, so it is no attempt of the caller's."""

    def __init__(self, message: str, *, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class Refused(SourceUnavailable):
    """The system answered, and said no (a 4xx): asking again will not help."""

    def __init__(self, message: str, *, status: int, detail: str = ""):
        super().__init__(message)
        self.status = status
        self.detail = detail


class FulfilmentRejected(Exception):
    """A fulfilment task the system refused for good; the order cannot be fulfilled as it stands."""


@dataclass(frozen=True)
class Page:
    records: list[dict]
    next_cursor: str
    has_more: bool


@dataclass(frozen=True)
class Serviceability:
    """What a system can deliver at an address: whether at all, over which access technologies
    (``FTTH``, ``VDSL``, ...) and how fast (download Mbps: the best there, and per technology when
    the system says). 0 Mbps means the system did not say."""

    serviceable: bool | None  # None: unknown (the system could not say)
    technologies: tuple[str, ...] = ()
    max_down_mbps: int = 0
    reason: str = ""
    down_mbps: Mapping[str, int] = field(default_factory=dict)  # technology -> its top download speed

    def best_down_mbps(self, technologies: Iterable[str]) -> int:
        """The fastest download over these of its technologies (0: the system did not say)."""
        return max((self.down_mbps.get(t, self.max_down_mbps) for t in technologies), default=0)


class PullSource(Protocol):
    """Pages of changed records since a cursor; ``streams`` names them with the kind of record they hold.

    A ``usage`` stream's records (``UsageRecordIn``) name the held product they are for by its id in the
    same system and a usage metric's code, with the quantity in the metric's unit; a record for a
    product or metric Overlay does not know is quarantined, and imported by a retry once it does.
    A system's usage streams are pulled after its other streams (``adapters.sync.streams_in_order``).
    """

    streams: Mapping[str, str]  # stream name -> "party" | "held_product" | "offering" | "usage"

    def fetch_page(self, stream: str, cursor: str | None, limit: int) -> Page: ...

    def map_record(
        self, stream: str, raw: dict
    ) -> PartyRecord | HeldProductRecord | OfferingRecord | UsageRecordIn: ...

    def record_key(self, stream: str, raw: dict) -> str: ...


@dataclass(frozen=True)
class Partition:
    """A range of a stream: pulled from ``cursor`` until ``until`` (both the source's own cursors). The last
    range of a stream has no ``until``: it goes on into the changes made since, as a whole stream's pull does."""

    cursor: str | None
    until: str | None


@runtime_checkable
class PartitionedSource(Protocol):
    """A pull source that can split a stream into ranges pulled apart (by several workers at once).

    ``partitions`` covers the stream from its start, each record in exactly one range, the ranges in
    stream order; it may return fewer than asked (one: the stream cannot be split). ``fetch_page``
    with ``until`` stops at the end of a range (``has_more`` false there)."""

    def partitions(self, stream: str, count: int) -> list[Partition]: ...

    def fetch_page(self, stream: str, cursor: str | None, limit: int, until: str | None = None) -> Page: ...


@runtime_checkable
class ServiceabilitySource(Protocol):
    def serviceability(self, postcode: str, house_number: str) -> Serviceability: ...


@dataclass(frozen=True)
class FulfilmentStatus:
    """Where a fulfilment task stands in the system: ``inProgress``, ``completed`` or ``cancelled``."""

    IN_PROGRESS = "inProgress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    STATES = (IN_PROGRESS, COMPLETED, CANCELLED)

    state: str
    outputs: Mapping[str, str] = field(default_factory=dict)  # ids and numbers the system assigned


@runtime_checkable
class FulfilmentTarget(Protocol):
    """Carries out fulfilment tasks for order orchestration.

    ``reference`` is Overlay's id for one task of one order item: the system must treat a
    repeated submit with the same reference as the same task (that is what makes retries safe).
    Transient trouble raises ``SourceUnavailable``; a refusal for good raises ``FulfilmentRejected``.
    """

    def submit(self, task: str, reference: str, payload: Mapping) -> FulfilmentStatus: ...

    def status(self, reference: str) -> FulfilmentStatus: ...

    def compensate(self, undo_task: str, reference: str) -> None: ...


@dataclass(frozen=True)
class TicketNoteRecord:
    """A note the system's people wrote on a ticket (its id there keeps it from being added twice)."""

    external_id: str
    author: str
    text: str


@dataclass(frozen=True)
class TicketState:
    """Where a trouble ticket stands in the system that works on it, in TMF621 terms.

    ``status`` is a TMF621 status (``acknowledged``, ``inProgress``, ``pending``, ``held``,
    ``resolved``, ``closed``, ``rejected``, ``cancelled``); ``version`` grows with every change
    there, so a poll and a push of the same change, or an older one arriving late, change nothing.
    """

    reference: str  # Overlay's id of the ticket
    external_id: str  # the system's number for it
    status: str
    version: int
    reason: str = ""
    expected_resolution: datetime | None = None
    notes: tuple[TicketNoteRecord, ...] = ()


@dataclass(frozen=True)
class Incident:
    """A fault the system knows about and is working on (an outage, a degraded service)."""

    external_id: str
    title: str
    since: datetime | None = None


@runtime_checkable
class TicketDesk(Protocol):
    """Takes trouble tickets about the products the system runs, and says where they stand.

    ``reference`` is Overlay's ticket id: a repeated submit with it is the same ticket (retries are safe).
    Transient trouble raises ``SourceUnavailable``; a refusal raises ``Refused``; an answer that cannot be
    read raises ``MappingError``.
    """

    def ticket_submit(self, reference: str, payload: Mapping) -> TicketState: ...

    def ticket_status(self, reference: str) -> TicketState: ...

    def map_ticket(self, raw: dict) -> TicketState: ...

    def incidents(self) -> list[Incident]: ...
