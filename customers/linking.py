"""Linking: which converged customer each back-office record of a person is.

A record is matched by the identifiers it gives (billing account, national id, e-mail,
phone), strongest first, against the links of every system (``customers.identifiers``). A unique
match links it; several are kept apart as a new customer with suggestions for an agent
(``link_suggestion_confirm`` / ``link_suggestion_split``); none make a new customer.
``resolve_parties`` links a page of records in named steps and says what to write
(``LinkWrites``). Linking is serialised by one lock (``linking_lock_*``) so two systems
importing the same new person at once cannot make two customers of them. Importing whole
pages (accounts and products too, and a sync's pipelining) is ``customers.imports``.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from customers.identifiers import IdentifierIndex
from customers.models import (
    IDENTIFIER_FIELDS,
    BillingAccount,
    Customer,
    CustomerLink,
    HeldProduct,
    LinkSuggestion,
    new_ids,
)
from customers.records import PartyRecord, is_stale
from overlay.bulk import Counts, copy_rows, is_postgres
from overlay.errors import Conflict
from overlay.lookups import rows_by_key

PERSONAL_FIELDS = (
    "given_name",
    "family_name",
    "organization_name",
    "email",
    "phone",
    "national_id",
    "birth_date",
    "street",
    "house_number",
    "postcode",
    "city",
    "segment",
)
LINK_KINDS = tuple(IDENTIFIER_FIELDS.values())  # the kinds of a link's identifier columns, in their order
LINK_COLUMNS = ("customer", "system", "external_id", "linked_by", *IDENTIFIER_FIELDS, "source_hash", "source_version")
# pg_advisory_xact_lock key of linking (any constant; this one spells "overlay link").
LINKING_LOCK = 0x6F766C6C696E6B


class NewLink(NamedTuple):
    """A link to write, in ``LINK_COLUMNS`` order (COPYed as it is)."""

    customer_id: str
    system: str
    external_id: str
    linked_by: str
    account_ref: str
    national_id: str
    email: str
    phone: str
    source_hash: str
    source_version: int | None


class ChangedLink(NamedTuple):
    """A stored link whose record changed: its identifiers, hash and version are replaced."""

    customer_id: str
    external_id: str
    account_ref: str
    national_id: str
    email: str
    phone: str
    source_hash: str
    source_version: int | None


class StoredLink(NamedTuple):
    customer_id: str
    source_hash: str
    source_version: int | None


class AccountRow(NamedTuple):
    """A billing account a record owns, as ``customers.imports.accounts_store`` writes it."""

    customer_id: str
    bill_cycle: int | None
    payment_method: str
    source_hash: str
    source_version: int | None  # its record's


def content_hash(record) -> str:
    """A fingerprint of a mapped record: its dataclass repr (fields in declaration order, nested records
    included). ``asdict`` plus sorted JSON gave the same answer at a tenth of the speed."""
    return hashlib.blake2b(repr(record).encode(), digest_size=16).hexdigest()


def identifiers_of(party: PartyRecord) -> list[tuple[str, str]]:
    found = [("account", ref) for ref in party.account_refs if ref]
    found += [(kind, getattr(party, kind)) for kind in ("national_id", "email", "phone") if getattr(party, kind)]
    return found


def link_identifiers(party: PartyRecord) -> tuple[str, str, str, str]:
    """The values of a link's identifier columns (``IDENTIFIER_FIELDS`` order) for a record.

    A record's first account is the one it names; the accounts it owns are also billing accounts.
    """
    account = next((ref for ref in party.account_refs if ref), "")
    return (account, party.national_id, party.email, party.phone)


def latest(records: Sequence, key=lambda r: r.external_id) -> list:
    """A page may repeat a record: the newest one wins (by ``version``; the last one if they tie or have none)."""
    found = {key(r): r for r in records}
    if len(found) == len(records):
        return list(found.values())  # no repeats: the usual page
    found = {}
    for record in records:
        before = found.get(key(record))
        if before is None or not is_stale(record.version, before.version):
            found[key(record)] = record
    return list(found.values())


# --- resolving a page -----------------------------------------------------------------------------
@dataclass
class Resolution:
    """What linking a page of parties decided.

    ``writes`` are the new customers and links and the changes to existing ones, still to
    store when the linker was given ``in_flight`` (a sync), None once stored. ``accounts``
    are the parties' billing accounts as rows for ``customers.imports.accounts_store``:
    a sync writes them with the rest of the page.
    """

    customers: dict[str, str]  # party external id -> customer id
    counts: Counts
    accounts: dict[str, AccountRow]  # by the account's external id
    writes: "LinkWrites | None"


def resolve_parties(system: str, parties: Sequence[PartyRecord], *, authoritative: bool, in_flight=None) -> Resolution:
    """Link each party to one converged customer.

    Without ``in_flight`` the writes are stored at once, under the linking lock
    (``linking_lock_for_transaction``), in the caller's transaction. With it (a sync:
    ``customers.imports.InFlight``) the caller holds the linking lock for its session
    (``linking_lock_acquire``) and stores them later, after the pages it linked before:
    ``in_flight`` is what those pages will write, and it counts as written.

    An authoritative source (the CRM) owns personal data and overwrites it; others
    (a mobile stack's holder details) only fill what is empty. A party linked
    before keeps its customer; an unchanged one (same content hash) is not rewritten,
    nor is a stale one (older than the version stored: ``records.is_stale``).
    """
    parties = latest(parties)
    if in_flight is None:
        linking_lock_for_transaction()
    known = _stored_links(system, parties, in_flight)
    received = len(parties)
    parties = [
        p for p in parties if p.external_id not in known or not is_stale(p.version, known[p.external_id].source_version)
    ]
    hashes = {p.external_id: content_hash(p) for p in parties}
    fresh = [p for p in parties if p.external_id not in known]
    changed = [
        p for p in parties if p.external_id in known and known[p.external_id].source_hash != hashes[p.external_id]
    ]
    customers = {external_id: link.customer_id for external_id, link in known.items()}
    writes = LinkWrites(system)
    touched = _link_fresh(system, fresh, hashes, authoritative, in_flight, customers, writes)
    for party in changed:
        customer_id = known[party.external_id].customer_id
        writes.changed_links.append(
            ChangedLink(
                customer_id, party.external_id, *link_identifiers(party), hashes[party.external_id], party.version
            )
        )
        touched[customer_id] = party
    writes.customer_updates = _personal_data_updates(touched, authoritative, in_flight)
    counts = Counts(created=len(writes.links), updated=len(changed), unchanged=received - len(changed) - len(fresh))
    accounts = _account_rows(parties, customers)
    if in_flight is None:
        writes.store()
        return Resolution(customers, counts, accounts, None)
    return Resolution(customers, counts, accounts, writes)


def _stored_links(system: str, parties: Sequence[PartyRecord], in_flight) -> dict[str, StoredLink]:
    """The links the system's records already have, stored or pending in ``in_flight``, by external id."""
    known = {
        row[0]: StoredLink(*row[1:])
        for row in rows_by_key(
            CustomerLink,
            "external_id",
            [p.external_id for p in parties],
            ("external_id", "customer_id", "source_hash", "source_version"),
            system=system,
        )
    }
    if in_flight:
        for party in parties:
            if (pending := in_flight.link(party.external_id)) is not None:
                known[party.external_id] = StoredLink(*pending)
    return known


def _link_fresh(
    system: str,
    fresh: list[PartyRecord],
    hashes: dict[str, str],
    authoritative: bool,
    in_flight,
    customers: dict[str, str],
    writes: "LinkWrites",
) -> dict[str, PartyRecord]:
    """Match records seen for the first time: link each to its customer or a new one (kept apart, with
    suggestions, when it matched several). Fills ``customers`` and ``writes``; returns the existing
    customers the records add personal data to."""
    identifiers = [identifiers_of(party) for party in fresh]
    index = IdentifierIndex(system, fresh, identifiers, authoritative, in_flight)
    new_customers: dict[str, dict] = {}  # id -> personal fields, filled by every record that links to it
    touched: dict[str, PartyRecord] = {}
    spare_ids = iter(new_ids(len(fresh)))
    for party, ids in zip(fresh, identifiers, strict=True):
        customer_id, rule, candidates = index.resolve(party, ids, authoritative)
        if customer_id is None:
            customer_id = next(spare_ids)
            new_customers[customer_id] = {f: getattr(party, f) for f in PERSONAL_FIELDS}
            writes.suggestions += [
                LinkSuggestion(customer_id=customer_id, candidate_id=c, reason=f"same {rule} as another customer")
                for c in sorted(candidates)
            ]
            rule = CustomerLink.Rule.NEW
        elif customer_id in new_customers:
            fields = new_customers[customer_id]
            for name in PERSONAL_FIELDS:
                fields[name] = fields[name] or getattr(party, name)
        else:
            touched[customer_id] = party
        index.add(party, ids, customer_id)
        customers[party.external_id] = customer_id
        writes.links.append(
            NewLink(
                customer_id,
                system,
                party.external_id,
                rule,
                *link_identifiers(party),
                hashes[party.external_id],
                party.version,
            )
        )
    writes.customers = {customer_id: tuple(fields.values()) for customer_id, fields in new_customers.items()}
    return touched


def _personal_data_updates(touched: dict[str, PartyRecord], authoritative: bool, in_flight) -> dict[str, tuple]:
    """New personal data (``PERSONAL_FIELDS`` values) of existing customers that records add to or correct."""
    # Read as plain rows: most touched customers (a stack's holders) have nothing to add.
    pending = {}
    if in_flight:
        pending = {c: fields for c in touched if (fields := in_flight.customer(c)) is not None}
    current = {
        row[0]: row[1:]
        for row in rows_by_key(Customer, "id", [c for c in touched if c not in pending], ("id", *PERSONAL_FIELDS))
    }
    current.update(pending)
    updates = {}
    for customer_id, party in touched.items():
        before = current[customer_id]
        if authoritative:  # the master's values win; what it leaves empty is kept
            after = tuple(getattr(party, name) or old for name, old in zip(PERSONAL_FIELDS, before, strict=True))
        else:  # others only fill blanks
            after = tuple(old or getattr(party, name) for name, old in zip(PERSONAL_FIELDS, before, strict=True))
        if authoritative or after != before:
            updates[customer_id] = after
    return updates


def _account_rows(parties: Sequence[PartyRecord], customers: dict[str, str]) -> dict[str, AccountRow]:
    # Unchanged parties too: a page linked before a crash but never stored has its accounts still to
    # write. accounts_store skips those that are there already.
    return {
        account.external_id: AccountRow(
            customers[party.external_id],
            account.bill_cycle,
            account.payment_method,
            content_hash(account),
            party.version,
        )
        for party in parties
        for account in party.accounts
    }


# --- writing what was decided --------------------------------------------------------------------
@dataclass
class LinkWrites:
    """What linking a page writes: new customers and links, and changes to existing ones.

    A sync stores them with the rest of the page after the pages before; until then
    ``customers.imports.InFlight`` shows them to the linker.
    """

    system: str
    customers: dict[str, tuple] = field(default_factory=dict)  # new: id -> PERSONAL_FIELDS values
    links: list[NewLink] = field(default_factory=list)
    suggestions: list[LinkSuggestion] = field(default_factory=list)
    customer_updates: dict[str, tuple] = field(default_factory=dict)  # id -> PERSONAL_FIELDS values
    changed_links: list[ChangedLink] = field(default_factory=list)

    def store(self) -> None:
        now = timezone.now()
        # New rows cannot collide (new ids; links looked up under the linking lock): straight COPY.
        copy_rows(
            Customer,
            ("id", "kind", "status", "created_at", "updated_at", *PERSONAL_FIELDS),
            [
                (customer_id, Customer.Kind.INDIVIDUAL, Customer.Status.ACTIVE, now, now, *fields)
                for customer_id, fields in self.customers.items()
            ],
        )
        copy_rows(CustomerLink, (*LINK_COLUMNS, "updated_at"), [(*link, now) for link in self.links])
        Customer.objects.bulk_update(
            [
                Customer(id=customer_id, updated_at=now, **dict(zip(PERSONAL_FIELDS, after, strict=True)))
                for customer_id, after in self.customer_updates.items()
            ],
            [*PERSONAL_FIELDS, "updated_at"],
            batch_size=1000,
        )
        if self.changed_links:
            self._replace_identifiers()
        LinkSuggestion.objects.bulk_create(self.suggestions, ignore_conflicts=True)

    def _replace_identifiers(self) -> None:
        """A changed record's identifiers are replaced with what it says now."""
        ids = dict(
            rows_by_key(
                CustomerLink,
                "external_id",
                [link.external_id for link in self.changed_links],
                ("external_id", "id"),
                system=self.system,
            )
        )
        CustomerLink.objects.bulk_update(
            [
                CustomerLink(
                    pk=ids[link.external_id],
                    source_hash=link.source_hash,
                    account_ref=link.account_ref,
                    national_id=link.national_id,
                    email=link.email,
                    phone=link.phone,
                    source_version=link.source_version,
                )
                for link in self.changed_links
            ],
            [*IDENTIFIER_FIELDS, "source_hash", "source_version"],
            batch_size=1000,
        )


# --- the linking lock ------------------------------------------------------------------------------
def linking_lock_for_transaction() -> None:
    """Serialise linking for the rest of the transaction (PostgreSQL; SQLite writes one at a time anyway)."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LINKING_LOCK])


def linking_lock_acquire() -> None:
    """Hold the linking lock for this connection's session, across transactions, until released
    (a sync's writer, which stores pages linked against what it has not committed yet). Waits
    for whoever holds it. Take it before any stream's cursor lock, as every linker does."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LINKING_LOCK])


def linking_lock_release() -> None:
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LINKING_LOCK])


def linking_lock_wanted() -> bool:
    """Whether someone waits for the linking lock (then a sync holding it gives way between pages)."""
    if not is_postgres():
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND classid = %s AND objid = %s AND objsubid = 1)",
            [LINKING_LOCK >> 32, LINKING_LOCK & 0xFFFFFFFF],
        )
        return cursor.fetchone()[0]


# --- agents decide what linking kept apart --------------------------------------------------------
@transaction.atomic
def link_suggestion_confirm(suggestion: LinkSuggestion) -> Customer:
    """An agent confirms two customers are one person: the kept-apart one merges into the candidate.

    Its links (with their identifiers), accounts and products move over; its other open suggestions
    are closed as split (it no longer exists on its own).
    """
    # Links move and a customer goes: no linker may match the one that goes meanwhile.
    linking_lock_for_transaction()
    suggestion.refresh_from_db(fields=["status"])  # as it stands now that the lock is ours
    if suggestion.status != LinkSuggestion.Status.OPEN:
        raise Conflict("This suggestion was decided already.")
    kept_apart, target = suggestion.customer, suggestion.candidate
    now = timezone.now()
    CustomerLink.objects.filter(customer=kept_apart).update(customer=target, linked_by=CustomerLink.Rule.AGENT)
    for model in (BillingAccount, HeldProduct):
        model.objects.filter(customer=kept_apart).update(customer=target)
    suggestion.status, suggestion.decided_at = LinkSuggestion.Status.CONFIRMED, now
    suggestion.save(update_fields=["status", "decided_at"])
    LinkSuggestion.objects.filter(customer=kept_apart).exclude(pk=suggestion.pk).update(
        status=LinkSuggestion.Status.SPLIT, decided_at=now
    )
    # Decisions outlive the merged customer: they move to the one it became.
    LinkSuggestion.objects.filter(customer=kept_apart, candidate__in=target.suggestions.values("candidate")).delete()
    LinkSuggestion.objects.filter(customer=kept_apart).update(customer=target)
    LinkSuggestion.objects.filter(candidate=kept_apart).update(candidate=target)
    kept_apart.delete()
    return target


@transaction.atomic
def link_suggestion_split(suggestion: LinkSuggestion) -> None:
    """An agent decides the two are different people: they stay apart."""
    if suggestion.status != LinkSuggestion.Status.OPEN:
        raise Conflict("This suggestion was decided already.")
    suggestion.status, suggestion.decided_at = LinkSuggestion.Status.SPLIT, timezone.now()
    suggestion.save(update_fields=["status", "decided_at"])
