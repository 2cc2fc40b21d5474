"""Importing pages of a system's parties and products: link them, then store them.

Linking a page (``customers.linking``) says what to write; an ``ImportPlan`` carries it, with
the page's billing accounts or held products, until it is stored. A sync pipelines pages:
it links page k+1 while page k is being written on another connection, and ``InFlight``
shows the linker what the pages before will write as if it were stored. ``parties_import``
and ``held_products_import`` do both phases at once (pushes, retries, tests).
"""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from customers.linking import LINK_KINDS, AccountRow, LinkWrites, content_hash, latest, resolve_parties
from customers.models import IDENTIFIER_FIELDS, BillingAccount, HeldProduct, new_ids
from customers.records import HeldProductRecord, PartyRecord, is_stale
from overlay.bulk import Counts, store_rows
from overlay.lookups import rows_by_key

ACCOUNT_COLUMNS = ("customer", "bill_cycle", "payment_method", "source_hash", "source_version", "updated_at")


def accounts_store(system: str, accounts: dict[str, AccountRow]) -> None:
    """Write billing accounts (by external id): new ones are COPYed, changed ones (or moved to another
    customer) updated, unchanged and stale ones (older than the version stored) left alone."""
    if not accounts:
        return
    now = timezone.now()
    known = {
        row[0]: row[1:]
        for row in rows_by_key(
            BillingAccount,
            "external_id",
            accounts,
            ("external_id", "customer_id", "source_hash", "source_version"),
            system=system,
        )
    }
    rows = [
        (system, ext, *row, now)
        for ext, row in accounts.items()
        if (stored := known.get(ext)) is None
        or (
            stored != (row.customer_id, row.source_hash, row.source_version)
            and not is_stale(row.source_version, stored[2])
        )
    ]
    # Writers of a stream hold its cursor lock (adapters.sync): no one adds these accounts meanwhile.
    store_rows(
        BillingAccount,
        ("id", "system", "external_id", *ACCOUNT_COLUMNS),
        [(id_, *row) for id_, row in zip(new_ids(len(rows)), rows, strict=True)],
        known=known,
        conflict=("system", "external_id"),
    )


class InFlight:
    """What pages linked but not yet stored will write, as the linker of the next page must see it.

    A sync links page k+1 while page k (its customers and links, accounts, products,
    cursor) is still being written on another connection: a record of page k+1 naming
    an account of page k, sharing an e-mail with one of its new customers, or repeating
    one of its records must find them as if they were stored. Made of the plans' views
    (``ImportPlan.view``), the earlier first.
    """

    def __init__(self, plans: Iterable["ImportPlan"] = ()):
        self.views = [plan.view() for plan in plans]
        self.changed = set().union(*(view.changed for view in self.views))

    def __bool__(self) -> bool:
        return bool(self.views)  # no page pending: nothing to add to what is stored

    def matches(self, kind: str, values: set[str]) -> Iterable[tuple[str, set[str]]]:
        """(value, customer ids) for each of ``values`` of a kind that pending links or accounts hold."""
        for view in self.views:
            if known := view.index.get(kind):
                for value in values & known.keys():
                    yield value, known[value]

    def link(self, external_id: str) -> tuple[str, str, int | None] | None:
        """(customer id, content hash, version) of a pending link of the stream's system, the latest."""
        for view in reversed(self.views):
            if (link := view.links.get(external_id)) is not None:
                return link
        return None

    def product_version(self, external_id: str) -> int | None:
        """The version of a pending held product of the stream's system, the latest (None: none pending)."""
        for view in reversed(self.views):
            if (version := view.products.get(external_id)) is not None:
                return version
        return None

    def customer(self, customer_id: str) -> tuple | None:
        """The personal fields (``PERSONAL_FIELDS``) a pending page gives a customer, the latest."""
        for view in reversed(self.views):
            if (fields := view.customers.get(customer_id)) is not None:
                return fields
        return None

    def national_ids(self, customer_id: str) -> set[str]:
        return set().union(*(view.national_ids.get(customer_id, ()) for view in self.views))

    def links_here(self, customer_id: str) -> bool:
        """Whether a pending page links the stream's system to the customer."""
        return any(customer_id in view.linked for view in self.views)


@dataclass
class _PlanView:
    """What one plan will write, keyed for the linker (see ``InFlight``)."""

    index: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # kind -> value -> customer ids
    links: dict[str, tuple] = field(default_factory=dict)  # external id -> (customer id, hash, version)
    products: dict[str, int | None] = field(default_factory=dict)  # held product's external id -> version
    changed: set[str] = field(default_factory=set)  # links whose stored identifiers are out of date
    national_ids: dict[str, set[str]] = field(default_factory=dict)  # customer id -> national ids
    linked: set[str] = field(default_factory=set)  # customers it links the system to
    customers: dict[str, tuple] = field(default_factory=dict)  # customer id -> PERSONAL_FIELDS values

    @classmethod
    def of(cls, accounts: dict[str, str], writes: "LinkWrites | None", products: dict) -> "_PlanView":
        view = cls(products=products)
        index = {kind: {} for kind in LINK_KINDS}
        by_account = index["account"]
        for ref, customer_id in accounts.items():
            by_account.setdefault(ref, set()).add(customer_id)
        if writes is not None:
            view.customers = {**writes.customers, **writes.customer_updates}
            links = [*writes.links, *writes.changed_links]  # both name customer, record, hash and identifiers
            view.changed = {link.external_id for link in writes.changed_links}
            view.links = {link.external_id: (link.customer_id, link.source_hash, link.source_version) for link in links}
            view.linked = {link.customer_id for link in links}
            for column, kind in IDENTIFIER_FIELDS.items():
                known = index[kind]
                for link in links:
                    if value := getattr(link, column):
                        if (found := known.get(value)) is None:
                            known[value] = {link.customer_id}
                        else:
                            found.add(link.customer_id)
            for link in links:
                if link.national_id:
                    view.national_ids.setdefault(link.customer_id, set()).add(link.national_id)
        view.index = {kind: known for kind, known in index.items() if known}
        return view


@dataclass
class ImportPlan:
    """A page linked: what it does (``counts``) and what is left to write (``store``).

    ``linked`` are its new customers and links when they are still to write (the linker was
    given ``in_flight``: a sync, which writes them with the rest); ``rest`` is everything else
    (accounts, products). ``store`` runs in a transaction, possibly on another connection,
    after the plans before it; ``accounts`` and ``products`` (their versions by external id)
    are the accounts and held products it will write, for ``InFlight``.
    """

    counts: Counts
    rest: Callable[[], None] = lambda: None
    accounts: dict[str, str] = field(default_factory=dict)
    linked: LinkWrites | None = None
    products: dict[str, int | None] = field(default_factory=dict)
    _view: _PlanView | None = field(default=None, repr=False)

    def store(self) -> None:
        if self.linked is not None:
            self.linked.store()
        self.rest()

    def view(self) -> _PlanView:
        """What it will write, for ``InFlight`` (worked out once)."""
        if self._view is None:
            self._view = _PlanView.of(self.accounts, self.linked, self.products)
        return self._view


def parties_link(system: str, parties: Sequence[PartyRecord], in_flight: InFlight | None = None) -> ImportPlan:
    """Link a page of customers from an authoritative source (CRM/billing); their accounts are left to store."""
    resolved = resolve_parties(system, parties, authoritative=True, in_flight=in_flight)
    return ImportPlan(
        resolved.counts,
        rest=lambda: accounts_store(system, resolved.accounts),
        accounts={ext: row.customer_id for ext, row in resolved.accounts.items()},
        linked=resolved.writes,
    )


@transaction.atomic
def parties_import(system: str, parties: Sequence[PartyRecord]) -> Counts:
    """Import a page of customers from an authoritative source (CRM/billing), both phases at once."""
    plan = parties_link(system, parties)
    plan.store()
    return plan.counts


class HeldProductRow(NamedTuple):
    """A product to store: its source identity, then ``HELD_PRODUCT_COLUMNS`` but the time."""

    system: str
    external_id: str
    customer_id: str
    name: str
    product_code: str
    offering: str | None
    price: None  # what a system tells is its tariff (an order's agreed price no longer holds)
    status: str
    characteristics: dict
    billing_account_ref: str
    start_date: datetime | None
    source_hash: str
    source_version: int | None


HELD_PRODUCT_COLUMNS = (
    "customer",
    "name",
    "product_code",
    "offering",
    "price",
    "status",
    "characteristics",
    "billing_account_ref",
    "start_date",
    "source_hash",
    "source_version",
    "updated_at",
)


# Product codes -> offering ids, for the products of a system (``catalog.selectors.offerings_by_tariff_code``).
OfferingsByCode = Callable[[str, Collection[str]], Mapping[str, str]]


def held_products_link(
    system: str,
    records: Sequence[HeldProductRecord],
    in_flight: InFlight | None = None,
    *,
    offerings: OfferingsByCode | None = None,
) -> ImportPlan:
    """Link the holders of a page of products customers hold in a stack to converged customers;
    the products are left to store. Unchanged products (same content hash) and stale ones (older
    than the version stored, or about to be by a page before: ``in_flight``) are left alone.
    ``offerings`` tells the offering each product code is (the back office's tariff)."""
    records = latest(records)
    existing = {
        row[0]: row[1:]
        for row in rows_by_key(
            HeldProduct,
            "external_id",
            [r.external_id for r in records],
            ("external_id", "source_hash", "source_version"),
            system=system,
        )
    }
    hashes = {r.external_id: content_hash(r) for r in records}
    todo = _changed(records, existing, hashes, in_flight)
    counts = Counts(unchanged=len(records) - len(todo))
    if not todo:
        return ImportPlan(counts)
    resolved = resolve_parties(system, [r.holder for r in todo], authoritative=False, in_flight=in_flight)
    owners = resolved.customers
    counts.created = sum(1 for r in todo if r.external_id not in existing)
    counts.updated = len(todo) - counts.created
    offering_of = offerings(system, {r.product_code for r in todo}) if offerings else {}
    rows = [
        HeldProductRow(
            system,
            r.external_id,
            owners[r.holder.external_id],
            r.name,
            r.product_code,
            offering_of.get(r.product_code),
            None,
            r.status,
            dict(r.characteristics),
            r.billing_account_ref,
            r.start_date,
            hashes[r.external_id],
            r.version,
        )
        for r in todo
    ]
    return ImportPlan(
        counts,
        rest=lambda: held_products_store(system, rows, known=existing.keys()),
        linked=resolved.writes,
        products={row.external_id: row.source_version for row in rows},
    )


def _changed(records: list[HeldProductRecord], existing: dict, hashes: dict, in_flight: InFlight | None) -> list:
    """The records to write: new or changed (their content hash), and not older than the version stored or
    about to be by a page before."""
    return [
        r
        for r in records
        if ((stored := existing.get(r.external_id)) is None or stored[0] != hashes[r.external_id])
        and not is_stale(r.version, stored[1] if stored is not None else None)
        and not (in_flight and is_stale(r.version, in_flight.product_version(r.external_id)))
    ]


def held_products_store(system: str, rows: list[HeldProductRow], known: Collection[str] | None = None) -> None:
    """Write the products (new ones COPYed; those that exist by now updated).

    ``known`` are the external ids linking found stored. Something may have added one of the
    others since (a push between the two phases): then the COPY breaks on the unique key, and
    the page is written again after asking which exist - not asking first saves a look-up a page.
    """
    now = timezone.now()
    external_ids = [row.external_id for row in rows]
    rows = [(id_, *row, now) for id_, row in zip(new_ids(len(rows)), rows, strict=True)]
    if known is not None:
        try:
            with transaction.atomic():
                _held_products_write(system, rows, known)
            return
        except IntegrityError:
            pass
    # Writers of a stream hold its cursor lock (adapters.sync): no one adds these products meanwhile.
    known = {
        external_id
        for (external_id,) in rows_by_key(HeldProduct, "external_id", external_ids, ("external_id",), system=system)
    }
    _held_products_write(system, rows, known)


def _held_products_write(system: str, rows: list[tuple], known: Collection[str]) -> None:
    store_rows(
        HeldProduct,
        ("id", "system", "external_id", *HELD_PRODUCT_COLUMNS),
        rows,
        known=known,
        conflict=("system", "external_id"),
    )


def held_products_identify(offerings: Mapping[str, str]) -> None:
    """Products that do not know their offering yet learn it from their code (code -> offering id): those
    imported before the tariff table that names their code. One statement (a scan: no index on codes)."""
    if not offerings:
        return
    HeldProduct.objects.filter(offering__isnull=True, product_code__in=list(offerings)).update(
        offering_id=Case(*(When(product_code=code, then=Value(id_)) for code, id_ in offerings.items()))
    )


@transaction.atomic
def held_products_import(system: str, records: Sequence[HeldProductRecord]) -> Counts:
    """Import a page of products customers hold in a stack, both phases at once."""
    plan = held_products_link(system, records)
    plan.store()
    return plan.counts
