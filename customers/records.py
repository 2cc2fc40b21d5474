"""People, their accounts and the products they hold, as a back-office system knows them.

What an adapter maps a system's records into (``adapters.contracts``) and what linking and
importing take (``customers.linking``, ``customers.imports``).

``version`` is the source's version of the record: a number that grows with every change of it
(a revision counter, or its last-modified time in microseconds since the epoch). A record older
than the one stored from the same source is stale and changes nothing; None: the source keeps no
version, and the last record received wins. The billing accounts a party record carries have its
version.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime


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
    version: int | None = None


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
    version: int | None = None  # its holder's is the same


def is_stale(version: int | None, stored: int | None) -> bool:
    """Whether a record of ``version`` is older than the one stored (never when either has none)."""
    return version is not None and stored is not None and version < stored
