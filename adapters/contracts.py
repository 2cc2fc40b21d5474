"""What a back-office system can do for Overlay, as typed contracts.

A system implements the contracts it supports. Records crossing the boundary
are plain dataclasses in Overlay's terms; mapping a system's legacy shape into
them is the adapter's whole job, and a record it cannot map raises
``MappingError`` (the sync engine quarantines it and goes on).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable


class MappingError(ValueError):
    """A source record that cannot be turned into an Overlay record."""


class SourceUnavailable(Exception):
    """The system did not answer usefully (after retries), or its circuit is open."""


class Refused(SourceUnavailable):
    """The system answered, and said no (a 4xx): asking again will not help."""

    def __init__(self, message: str, *, status: int, detail: str = ""):
        super().__init__(message)
        self.status = status
        self.detail = detail


class FulfilmentRejected(Exception):
    """A fulfilment task the system refused for good; the order cannot be fulfilled as it stands."""


@dataclass
class Counts:
    """What importing some records did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Page:
    records: list[dict]
    next_cursor: str
    has_more: bool


@dataclass(frozen=True)
class AccountRecord:
    external_id: str
    bill_cycle: int | None = None
    payment_method: str = ""


@dataclass(frozen=True)
class PartyRecord:
    """A person (or organization) as one system knows them."""

    external_id: str
    given_name: str = ""
    family_name: str = ""
    organization_name: str = ""
    email: str = ""  # normalised
    phone: str = ""  # E.164
    national_id: str = ""
    birth_date: date | None = None
    street: str = ""
    house_number: str = ""
    postcode: str = ""
    city: str = ""
    segment: str = ""
    account_refs: tuple[str, ...] = ()  # billing accounts it refers to (strong identifiers)
    accounts: tuple[AccountRecord, ...] = ()  # billing accounts this system keeps for it


@dataclass(frozen=True)
class HeldProductRecord:
    external_id: str
    holder: PartyRecord
    name: str
    product_code: str = ""
    status: str = "active"
    characteristics: Mapping[str, str] = field(default_factory=dict)
    billing_account_ref: str = ""
    start_date: datetime | None = None


@dataclass(frozen=True)
class SpecificationRecord:
    """The product an offering sells, as the source knows it (characteristics are Overlay's to add)."""

    external_id: str
    name: str
    kind: str = "digital"  # or "physical"
    brand: str = ""


@dataclass(frozen=True)
class OfferingRecord:
    external_id: str
    name: str
    recurring_price: Decimal | None = None
    currency: str = "EUR"
    active: bool = True
    description: str = ""
    one_time_price: Decimal | None = None
    one_time_name: str = ""  # what the one-time charge is for ("SIM activation")
    specification: SpecificationRecord | None = None


@dataclass(frozen=True)
class Serviceability:
    serviceable: bool | None  # None: unknown (the system could not say)
    technologies: tuple[str, ...] = ()
    max_down_mbps: int = 0
    reason: str = ""


class PullSource(Protocol):
    """Pages of changed records since a cursor; ``streams`` names them with the kind of record they hold."""

    streams: Mapping[str, str]  # stream name -> "party" | "held_product" | "offering"

    def fetch_page(self, stream: str, cursor: str | None, limit: int) -> Page: ...

    def map_record(self, stream: str, raw: dict) -> PartyRecord | HeldProductRecord | OfferingRecord: ...

    def record_key(self, stream: str, raw: dict) -> str: ...


@runtime_checkable
class ServiceabilitySource(Protocol):
    def serviceability(self, postcode: str, house_number: str) -> Serviceability: ...


@dataclass(frozen=True)
class FulfilmentStatus:
    """Where a fulfilment task stands in the system: ``inProgress``, ``completed`` or ``cancelled``."""

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
