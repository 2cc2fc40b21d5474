"""Domain actions on customers. Imports from back-office systems come through here."""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from customers import events
from customers.models import (
    IDENTIFIER_COLUMN,
    IDENTIFIER_FIELDS,
    BillingAccount,
    Consent,
    Customer,
    CustomerLink,
    HeldProduct,
    Interaction,
    LinkSuggestion,
    new_id,
    new_ids,
)
from customers.records import HeldProductRecord, PartyRecord
from overlay.bulk import Counts, copy_rows, is_postgres, store_rows
from overlay.errors import Conflict, Forbidden, UnprocessableEntity
from overlay.lookups import probe_sql, rows_by_key

# Strongest first: the strongest kind a record has any match on decides.
IDENTIFIER_STRENGTH = ("account", "national_id", "email", "phone")
# The rounds in which a page's identifiers are looked up (see _IdentifierIndex).
LOOKUP_TIERS = (("account", "national_id"), ("email",), ("phone",))
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


def content_hash(record) -> str:
    """A fingerprint of a mapped record: its dataclass repr (fields in declaration order, nested records
    included). ``asdict`` plus sorted JSON gave the same answer at a tenth of the speed."""
    return hashlib.blake2b(repr(record).encode(), digest_size=16).hexdigest()


def identifiers_of(party: PartyRecord) -> list[tuple[str, str]]:
    found = [("account", ref) for ref in party.account_refs if ref]
    found += [(kind, getattr(party, kind)) for kind in ("national_id", "email", "phone") if getattr(party, kind)]
    return found


def link_identifiers(party: PartyRecord) -> tuple[str, ...]:
    """The values of a link's identifier columns (``IDENTIFIER_FIELDS`` order) for a record.

    A record's first account is the one it names; the accounts it owns are also billing accounts.
    """
    account = next((ref for ref in party.account_refs if ref), "")
    return (account, party.national_id, party.email, party.phone)


def _latest(records: Iterable, key=lambda r: r.external_id) -> list:
    """A page may repeat a record: the last one wins."""
    return list({key(r): r for r in records}.values())


class _IdentifierIndex:
    """Which customers each identifier points to: the database's answer, what pages still being
    written will add (``in_flight``), plus this batch's new links.

    It also knows, for every customer it can return, their national ids and the systems
    that already link to them, so that a match that contradicts them is not taken.
    """

    def __init__(
        self,
        system: str,
        parties: Sequence[PartyRecord],
        identifiers: Sequence[list[tuple[str, str]]],
        authoritative: bool,
        in_flight: "InFlight | None" = None,
    ):
        self.system = system
        self.index: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.national_ids: dict[str, set[str]] = defaultdict(set)
        self.linked_here: set[str] = set()
        kinds_wanted = set()
        # Links a page still being written changes: what the database says they hold is no longer so.
        stale = in_flight.changed if in_flight else ()
        # A stack's record without a national id is settled by the strongest kind that matches anyone
        # (resolve; nothing makes such a match incompatible): its weaker identifiers are not looked up.
        # A master's records, and records with a national id, can have a match set aside: all are.
        tiers = (IDENTIFIER_STRENGTH,) if authoritative else LOOKUP_TIERS
        open_records = list(zip(parties, identifiers, strict=True))
        for tier in tiers:
            wanted = defaultdict(set)
            for _, ids in open_records:
                for kind, value in ids:
                    if kind in tier:
                        wanted[kind].add(value)
            if not wanted:
                continue
            kinds_wanted |= wanted.keys()
            for kind, value, customer_id, linked_system, external_id in _identifier_matches(wanted):
                if not (stale and linked_system == system and external_id in stale):
                    self.index[(kind, value)].add(customer_id)
            if in_flight:
                for kind, values in wanted.items():
                    for value, found in in_flight.matches(kind, values):
                        self.index[(kind, value)] |= found
            open_records = [
                (party, ids)
                for party, ids in open_records
                if party.national_id or not any((kind, value) in self.index for kind, value in ids)
            ]
        candidates = set().union(*self.index.values())
        # What candidates' other links say matters only to records with a national id, or to a master
        # system's records (see _compatible): a mobile stack's page does not need to ask.
        if candidates and (authoritative or "national_id" in kinds_wanted):
            for customer_id, national_id, linked_system in rows_by_key(
                CustomerLink, "customer_id", candidates, ("customer_id", "national_id", "system")
            ):
                if national_id:
                    self.national_ids[customer_id].add(national_id)
                if linked_system == system:
                    self.linked_here.add(customer_id)
            if in_flight:
                for customer_id in candidates:
                    if found := in_flight.national_ids(customer_id):
                        self.national_ids[customer_id] |= found
                    if in_flight.links_here(customer_id):
                        self.linked_here.add(customer_id)

    def _compatible(self, customer_id: str, party: PartyRecord, authoritative: bool) -> bool:
        known = self.national_ids.get(customer_id)
        if party.national_id and known and party.national_id not in known:
            return False  # two national ids: two people, whatever else they share
        # A master system (the CRM) holds each party once: another of its records is someone else.
        return not (authoritative and customer_id in self.linked_here)

    def resolve(
        self, party: PartyRecord, ids: list[tuple[str, str]], authoritative: bool
    ) -> tuple[str | None, str, set[str]]:
        """(customer id, rule, candidates): a unique match on the strongest kind links; several: ambiguous.

        ``ids`` are the party's ``identifiers_of``.
        """
        for kind in IDENTIFIER_STRENGTH:
            matches = set()
            for k, v in ids:
                if k == kind and (found := self.index.get((k, v))):
                    matches |= found
            if not matches:
                continue
            matches = {c for c in matches if self._compatible(c, party, authoritative)}
            if matches and kind == "phone" and any(k != "phone" for k, _ in ids):
                # Households share a line: a phone alone does not link a record whose account,
                # national id and e-mail matched no one. An agent decides.
                return None, kind, matches
            if len(matches) == 1:
                return next(iter(matches)), kind, set()
            if len(matches) > 1:
                return None, kind, matches
        return None, CustomerLink.Rule.NEW, set()

    def add(self, party: PartyRecord, ids: list[tuple[str, str]], customer_id: str) -> None:
        for key in ids:
            self.index[key].add(customer_id)
        if party.national_id:
            self.national_ids[customer_id].add(party.national_id)
        self.linked_here.add(customer_id)


def _identifier_matches(wanted: dict[str, set[str]]) -> list[tuple[str, str, str, str, str]]:
    """(kind, value, customer id, system, external id) for every link holding a wanted identifier,
    and (account, number, customer id, "", "") for every billing account with a wanted number."""
    if is_postgres():
        # One probe per value (overlay.lookups). "<> ''" lets it use the partial indexes.
        selects, params = [], []
        for kind, values in wanted.items():
            column = IDENTIFIER_COLUMN[kind]
            sql, param = probe_sql(
                list(values),
                f"SELECT '{kind}', {column}, customer_id, system, external_id FROM customers_customerlink "
                f"WHERE {column} = wanted.key AND {column} <> ''",
            )
            selects.append(sql)
            params.append(param)
        if wanted.get("account"):
            sql, param = probe_sql(
                list(wanted["account"]),
                "SELECT 'account', external_id, customer_id, '', '' FROM customers_billingaccount "
                "WHERE external_id = wanted.key",
            )
            selects.append(sql)
            params.append(param)
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects), params)
            return cursor.fetchall()
    found = []
    for kind, values in wanted.items():
        column = IDENTIFIER_COLUMN[kind]
        found += [
            (kind, value, customer_id, linked_system, external_id)
            for value, customer_id, linked_system, external_id in CustomerLink.objects.filter(
                **{f"{column}__in": values}
            )
            .exclude(**{column: ""})
            .values_list(column, "customer_id", "system", "external_id")
        ]
    if wanted.get("account"):
        found += [
            ("account", value, customer_id, "", "")
            for value, customer_id in BillingAccount.objects.filter(external_id__in=wanted["account"]).values_list(
                "external_id", "customer_id"
            )
        ]
    return found


def resolve_parties(
    system: str, parties: Sequence[PartyRecord], *, authoritative: bool, in_flight: "InFlight | None" = None
) -> tuple[dict[str, str], Counts, dict[str, tuple], "LinkWrites | None"]:
    """Link each party to one converged customer: ({party external id: customer id}, counts, accounts, writes).

    The parties' billing accounts are returned as rows for ``accounts_store``, not written:
    a sync writes them with the rest of the page. ``writes`` are the new customers and
    links and the changes to existing ones. Without ``in_flight`` they are written at
    once, under the linking lock (``linking_lock_for_transaction``), in the caller's transaction,
    and ``writes`` is None. With it
    (a sync) the caller holds the linking lock for its session (``linking_lock_acquire``) and writes
    them later, after the pages it linked before: ``in_flight`` is what those pages will
    write, and it counts as written. Either way two systems importing the same new person
    at once cannot make two customers of them.

    An authoritative source (the CRM) owns personal data and overwrites it; others
    (a mobile stack's holder details) only fill what is empty. A party linked
    before keeps its customer; an unchanged one (same content hash) is not rewritten.
    """
    parties = _latest(parties)
    counts = Counts()
    if in_flight is None:
        linking_lock_for_transaction()
    links = {  # external id -> (customer id, content hash)
        external_id: (customer_id, source_hash)
        for external_id, customer_id, source_hash in rows_by_key(
            CustomerLink,
            "external_id",
            [p.external_id for p in parties],
            ("external_id", "customer_id", "source_hash"),
            system=system,
        )
    }
    if in_flight:
        for party in parties:
            if (pending := in_flight.link(party.external_id)) is not None:
                links[party.external_id] = pending
    result = {ext: link[0] for ext, link in links.items()}
    hashes = {p.external_id: content_hash(p) for p in parties}
    changed = [p for p in parties if p.external_id in links and links[p.external_id][1] != hashes[p.external_id]]
    fresh = [p for p in parties if p.external_id not in links]
    counts.unchanged = len(parties) - len(changed) - len(fresh)

    identifiers = [identifiers_of(party) for party in fresh]
    index = _IdentifierIndex(system, fresh, identifiers, authoritative, in_flight)
    new_customers: dict[str, dict] = {}  # id -> personal fields
    new_links, suggestions = [], []
    touched: dict[str, PartyRecord] = {}
    spare_ids = iter(new_ids(len(fresh)))
    for party, ids in zip(fresh, identifiers, strict=True):
        customer_id, rule, candidates = index.resolve(party, ids, authoritative)
        if customer_id is None:
            customer_id = next(spare_ids)
            new_customers[customer_id] = {f: getattr(party, f) for f in PERSONAL_FIELDS}
            suggestions += [
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
        result[party.external_id] = customer_id
        new_links.append(
            (customer_id, system, party.external_id, rule, *link_identifiers(party), hashes[party.external_id])
        )
    writes = LinkWrites(
        system,
        customers={customer_id: tuple(fields.values()) for customer_id, fields in new_customers.items()},
        links=new_links,
        suggestions=suggestions,
    )
    counts.created = len(new_links)

    # Existing customers that a new or changed record adds to or corrects.
    for party in changed:
        customer_id = links[party.external_id][0]
        writes.changed_links.append(
            (customer_id, party.external_id, *link_identifiers(party), hashes[party.external_id])
        )
        touched[customer_id] = party
    # Read as plain rows: most touched customers (a stack's holders) have nothing to add.
    pending = {}
    if in_flight:
        pending = {c: fields for c in touched if (fields := in_flight.customer(c)) is not None}
    current = {
        row[0]: row[1:]
        for row in rows_by_key(Customer, "id", [c for c in touched if c not in pending], ("id", *PERSONAL_FIELDS))
    }
    current.update(pending)
    for customer_id, party in touched.items():
        before = current[customer_id]
        if authoritative:  # the master's values win; what it leaves empty is kept
            after = tuple(getattr(party, name) or old for name, old in zip(PERSONAL_FIELDS, before, strict=True))
        else:  # others only fill blanks
            after = tuple(old or getattr(party, name) for name, old in zip(PERSONAL_FIELDS, before, strict=True))
        if authoritative or after != before:
            writes.customer_updates[customer_id] = after
    counts.updated = len(changed)
    accounts = {
        account.external_id: (
            result[party.external_id],
            account.bill_cycle,
            account.payment_method,
            content_hash(account),
        )
        # Unchanged parties too: a page linked before a crash but never stored has its accounts still to
        # write. accounts_store skips those that are there already.
        for party in parties
        for account in party.accounts
    }
    if in_flight is None:
        writes.store()
        return result, counts, accounts, None
    return result, counts, accounts, writes


@dataclass
class LinkWrites:
    """What linking a page writes: new customers and links, and changes to existing ones.

    Rows are in the order of the columns ``store`` writes. A sync stores them with the rest
    of the page after the pages before; until then ``InFlight`` shows them to the linker.
    """

    system: str
    customers: dict[str, tuple] = field(default_factory=dict)  # new: id -> PERSONAL_FIELDS values
    links: list[tuple] = field(default_factory=list)  # new: LINK_COLUMNS values but the time
    suggestions: list[LinkSuggestion] = field(default_factory=list)
    customer_updates: dict[str, tuple] = field(default_factory=dict)  # id -> PERSONAL_FIELDS values
    changed_links: list[tuple] = field(default_factory=list)  # (customer, external id, *identifiers, hash)

    def store(self) -> None:
        now = timezone.now()
        # New rows cannot collide (new ids; links looked up under the linking lock): straight COPY.
        copy_rows(
            Customer,
            ("id", "kind", "status", "created_at", "updated_at", *PERSONAL_FIELDS),
            [
                (customer_id, Customer.Kind.INDIVIDUAL, "active", now, now, *fields)
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
            # A changed record's identifiers are replaced with what it says now.
            ids = dict(
                rows_by_key(
                    CustomerLink,
                    "external_id",
                    [row[1] for row in self.changed_links],
                    ("external_id", "id"),
                    system=self.system,
                )
            )
            CustomerLink.objects.bulk_update(
                [
                    CustomerLink(
                        pk=ids[external_id],
                        source_hash=source_hash,
                        **dict(zip(IDENTIFIER_FIELDS, values, strict=True)),
                    )
                    for _, external_id, *values, source_hash in self.changed_links
                ],
                [*IDENTIFIER_FIELDS, "source_hash"],
                batch_size=1000,
            )
        LinkSuggestion.objects.bulk_create(self.suggestions, ignore_conflicts=True)


LINK_COLUMNS = ("customer", "system", "external_id", "linked_by", *IDENTIFIER_FIELDS, "source_hash")


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


# pg_advisory_xact_lock key of linking (any constant; this one spells "overlay link").
LINKING_LOCK = 0x6F766C6C696E6B


ACCOUNT_COLUMNS = ("customer", "bill_cycle", "payment_method", "source_hash", "updated_at")


def accounts_store(system: str, accounts: dict[str, tuple]) -> None:
    """Write billing accounts ({external id: (customer, bill cycle, payment method, hash)}): new ones
    are COPYed, changed ones (or moved to another customer) updated, unchanged ones left alone."""
    if not accounts:
        return
    now = timezone.now()
    known = {
        external_id: (customer_id, source_hash)
        for external_id, customer_id, source_hash in rows_by_key(
            BillingAccount, "external_id", accounts, ("external_id", "customer_id", "source_hash"), system=system
        )
    }
    rows = [
        (system, ext, *row, now)
        for ext, row in accounts.items()
        if known.get(ext) != (row[0], row[3])  # (customer, hash)
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

    def link(self, external_id: str) -> tuple[str, str] | None:
        """(customer id, content hash) of a pending link of the stream's system, the latest."""
        for view in reversed(self.views):
            if (link := view.links.get(external_id)) is not None:
                return link
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
    links: dict[str, tuple[str, str]] = field(default_factory=dict)  # external id -> (customer id, hash)
    changed: set[str] = field(default_factory=set)  # links whose stored identifiers are out of date
    national_ids: dict[str, set[str]] = field(default_factory=dict)  # customer id -> national ids
    linked: set[str] = field(default_factory=set)  # customers it links the system to
    customers: dict[str, tuple] = field(default_factory=dict)  # customer id -> PERSONAL_FIELDS values

    @classmethod
    def of(cls, accounts: dict[str, str], writes: "LinkWrites | None") -> "_PlanView":
        view = cls()
        index = {kind: {} for kind in LINK_KINDS}
        by_account = index["account"]
        for ref, customer_id in accounts.items():
            by_account.setdefault(ref, set()).add(customer_id)
        if writes is not None:
            view.customers = {**writes.customers, **writes.customer_updates}
            # (customer, external id, hash, *identifiers in LINK_KINDS order)
            rows = [(row[0], row[2], row[8], *row[4:8]) for row in writes.links]
            rows += [(row[0], row[1], row[6], *row[2:6]) for row in writes.changed_links]
            view.changed = {row[1] for row in writes.changed_links}
            view.links = {external_id: (customer_id, source_hash) for customer_id, external_id, source_hash, *_ in rows}
            view.linked = {row[0] for row in rows}
            for position, kind in enumerate(LINK_KINDS, start=3):
                known = index[kind]
                for row in rows:
                    if value := row[position]:
                        if (found := known.get(value)) is None:
                            known[value] = {row[0]}
                        else:
                            found.add(row[0])
            for row in rows:
                if national_id := row[4]:
                    view.national_ids.setdefault(row[0], set()).add(national_id)
        view.index = {kind: known for kind, known in index.items() if known}
        return view


LINK_KINDS = tuple(IDENTIFIER_FIELDS.values())  # the kinds of a link's identifier columns, in their order


@dataclass
class ImportPlan:
    """A page linked: what it does (``counts``) and what is left to write (``store``).

    ``linked`` are its new customers and links when they are still to write (the linker was
    given ``in_flight``: a sync, which writes them with the rest); ``rest`` is everything else
    (accounts, products). ``store`` runs in a transaction, possibly on another connection,
    after the plans before it; ``accounts`` are the accounts it will write, for ``InFlight``.
    """

    counts: Counts
    rest: Callable[[], None] = lambda: None
    accounts: dict[str, str] = field(default_factory=dict)
    linked: LinkWrites | None = None
    _view: _PlanView | None = field(default=None, repr=False)

    def store(self) -> None:
        if self.linked is not None:
            self.linked.store()
        self.rest()

    def view(self) -> _PlanView:
        """What it will write, for ``InFlight`` (worked out once)."""
        if self._view is None:
            self._view = _PlanView.of(self.accounts, self.linked)
        return self._view


def parties_link(system: str, parties: Sequence[PartyRecord], in_flight: InFlight | None = None) -> ImportPlan:
    """Link a page of customers from an authoritative source (CRM/billing); their accounts are left to store."""
    _, counts, accounts, writes = resolve_parties(system, parties, authoritative=True, in_flight=in_flight)
    return ImportPlan(
        counts,
        rest=lambda: accounts_store(system, accounts),
        accounts={ext: row[0] for ext, row in accounts.items()},
        linked=writes,
    )


@transaction.atomic
def parties_import(system: str, parties: Sequence[PartyRecord]) -> Counts:
    """Import a page of customers from an authoritative source (CRM/billing), both phases at once."""
    plan = parties_link(system, parties)
    plan.store()
    return plan.counts


HELD_PRODUCT_COLUMNS = (
    "customer",
    "name",
    "product_code",
    "status",
    "characteristics",
    "billing_account_ref",
    "start_date",
    "source_hash",
    "updated_at",
)


def held_products_link(
    system: str, records: Sequence[HeldProductRecord], in_flight: InFlight | None = None
) -> ImportPlan:
    """Link the holders of a page of products customers hold in a stack to converged customers;
    the products are left to store."""
    records = _latest(records)
    existing = dict(
        rows_by_key(
            HeldProduct, "external_id", [r.external_id for r in records], ("external_id", "source_hash"), system=system
        )
    )
    hashes = {r.external_id: content_hash(r) for r in records}
    todo = [r for r in records if existing.get(r.external_id) != hashes[r.external_id]]
    counts = Counts(unchanged=len(records) - len(todo))
    if not todo:
        return ImportPlan(counts)
    owners, _, _, writes = resolve_parties(system, [r.holder for r in todo], authoritative=False, in_flight=in_flight)
    counts.created = sum(1 for r in todo if r.external_id not in existing)
    counts.updated = len(todo) - counts.created
    rows = [
        (
            system,
            r.external_id,
            owners[r.holder.external_id],
            r.name,
            r.product_code,
            r.status,
            dict(r.characteristics),
            r.billing_account_ref,
            r.start_date,
            hashes[r.external_id],
        )
        for r in todo
    ]
    return ImportPlan(
        counts,
        rest=lambda: held_products_store(system, rows, known=existing.keys()),
        linked=writes,
    )


def held_products_store(system: str, rows: list[tuple], known: Collection[str] | None = None) -> None:
    """Write the products (new ones COPYed; those that exist by now updated).

    ``known`` are the external ids linking found stored. Something may have added one of the
    others since (a push between the two phases): then the COPY breaks on the unique key, and
    the page is written again after asking which exist - not asking first saves a look-up a page.
    """
    now = timezone.now()
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
        for (external_id,) in rows_by_key(
            HeldProduct, "external_id", [r[2] for r in rows], ("external_id",), system=system
        )
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


@transaction.atomic
def held_products_import(system: str, records: Sequence[HeldProductRecord]) -> Counts:
    """Import a page of products customers hold in a stack, both phases at once."""
    plan = held_products_link(system, records)
    plan.store()
    return plan.counts


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


def interaction_record(*, customer_id: str, channel: str, actor: str, kind: str, summary: str) -> Interaction:
    """Record a touch of the customer (agents' views and actions, channel events)."""
    return Interaction.objects.create(
        customer_id=customer_id, channel=channel, actor=actor[:150], kind=kind, summary=summary[:300]
    )


@dataclass(frozen=True)
class DeliveredProduct:
    """A product an order put in place: where it lives, what it is, what the systems assigned."""

    system: str
    external_id: str
    name: str
    product_code: str
    characteristics: dict
    billing_account_ref: str = ""


def held_product_delivered(customer_id: str, product: DeliveredProduct) -> HeldProduct:
    """Record a product an order delivered; it shows in the inventory and 360° at once.

    Idempotent on the product's source identity, so a later sync of the same system updates
    this row instead of adding a second one.
    """
    held, _ = HeldProduct.objects.update_or_create(
        system=product.system,
        external_id=product.external_id,
        defaults={
            "customer_id": customer_id,
            "name": product.name,
            "product_code": product.product_code[:100],
            "status": "active",
            "characteristics": product.characteristics,
            "billing_account_ref": product.billing_account_ref,
            "start_date": timezone.now(),
            "termination_date": None,
            "source_hash": "",
        },
    )
    return held


def held_product_ended(system: str, external_id: str) -> None:
    """A product an order delivered was undone (the order failed or was cancelled)."""
    HeldProduct.objects.filter(system=system, external_id=external_id).update(
        status="terminated", termination_date=timezone.now()
    )


def held_product_changed(held_product_id: str, *, characteristics: dict | None = None, terminate: bool) -> None:
    """An in-life order changed or ended a held product."""
    held = HeldProduct.objects.select_for_update().get(pk=held_product_id)
    if characteristics:
        held.characteristics = {**held.characteristics, **characteristics}
    if terminate:
        held.status, held.termination_date = "terminated", timezone.now()
    held.save()


# --- customer management (TMF629 / TMF632 writes) ----------------------------------------------
PROSPECT = "prospect"  # a party Overlay knows that is not (yet) a customer
EDITABLE = (
    "given_name",
    "family_name",
    "organization_name",
    "birth_date",
    "email",
    "phone",
    "street",
    "house_number",
    "postcode",
    "city",
    "segment",
    "status",
)


@dataclass(frozen=True)
class Actor:
    """Who changes a customer: staff changes are recorded as interactions."""

    channel: str
    name: str
    is_staff: bool


def _record_edit(customer: Customer, actor: Actor, summary: str) -> None:
    if actor.is_staff:
        interaction_record(
            customer_id=customer.pk, channel=actor.channel, actor=actor.name, kind="edit", summary=summary
        )


def _apply(customer: Customer, data: dict) -> list[str]:
    changed = [name for name in EDITABLE if name in data and getattr(customer, name) != data[name]]
    for name in changed:
        setattr(customer, name, data[name])
    return changed


@transaction.atomic
def party_create(data: dict, *, kind: str, actor: Actor) -> Customer:
    """Create a person or organization known to Overlay only (a prospect until it becomes a customer)."""
    customer = Customer(id=new_id(), kind=kind, status=PROSPECT)
    _apply(customer, {**data, "status": data.get("status") or PROSPECT})
    customer.save()
    _record_edit(customer, actor, f"Created the {kind}")
    return customer


@transaction.atomic
def party_update(customer: Customer, data: dict, *, actor: Actor) -> Customer:
    """Change names, birth date, contact details or status; the change is recorded for staff."""
    changed = _apply(customer, data)
    if changed:
        customer.save()
        _record_edit(customer, actor, "Changed " + ", ".join(name.replace("_", " ") for name in changed))
        if customer.status != PROSPECT:
            kind = "StateChange" if changed == ["status"] else "AttributeValueChange"
            events.customer_event(customer, f"Customer{kind}Event")
    return customer


@transaction.atomic
def party_delete(customer: Customer, *, actor: Actor) -> None:
    """Delete a party Overlay alone knows; one that back-office systems hold is theirs to remove."""
    systems = sorted(set(customer.links.values_list("system", flat=True)))
    if systems:
        raise Conflict(f"{customer} is held by {', '.join(systems)}; it leaves Overlay when it leaves them.")
    customer.delete()


@transaction.atomic
def customer_role_grant(party_id: str, data: dict, visible, *, actor: Actor) -> Customer:
    """Make a known party a customer (TMF629 create): the party must exist and not be one already."""
    party = visible.select_for_update().filter(pk=party_id).first()
    if party is None:
        raise UnprocessableEntity(f"No party '{party_id}' to make a customer of.")
    if party.status != PROSPECT:
        raise Conflict(f"{party} is a customer already.")
    _apply(party, {**data, "status": data.get("status") or "active"})
    party.save()
    _record_edit(party, actor, "Became a customer")
    events.customer_event(party, "CustomerCreateEvent")
    return party


@transaction.atomic
def customer_role_end(customer: Customer, *, actor: Actor) -> None:
    """End the customer role (TMF629 delete): refused while the customer holds active products."""
    if customer.held_products.filter(status="active").exists():
        raise Conflict(f"{customer} still holds active products; terminate them first.")
    customer.status = PROSPECT
    customer.save(update_fields=["status", "updated_at"])
    _record_edit(customer, actor, "Is no longer a customer")
    events.customer_event(customer, "CustomerDeleteEvent")


# --- TMF637 product writes: products Overlay itself keeps (those of back-office systems change by order) --
OWN_PRODUCTS = "overlay"
PRODUCT_FIELDS = (
    "name",
    "status",
    "product_code",
    "characteristics",
    "billing_account_ref",
    "start_date",
    "termination_date",
)


def _own(product: HeldProduct) -> None:
    if product.system != OWN_PRODUCTS:
        raise Conflict(
            f"This product lives in {product.system}; it changes there, by a product order, not by editing it here."
        )


@transaction.atomic
def product_create(data: dict, visible_customers, *, actor: Actor) -> HeldProduct:
    """Record a product the customer holds that no connected back-office system knows (TMF637 POST)."""
    customer_id = data.get("customer_id")
    if not customer_id:
        raise UnprocessableEntity("relatedParty: name the customer who holds the product.")
    customer = visible_customers.filter(pk=customer_id).first()
    if customer is None:
        raise UnprocessableEntity(f"relatedParty: there is no customer '{customer_id}'.")
    product_id = new_id()
    external_id = data.get("external_id") or product_id
    if HeldProduct.objects.filter(system=OWN_PRODUCTS, external_id=external_id).exists():
        raise Conflict(f"A product with serial number '{external_id}' exists already.")
    product = HeldProduct(
        id=product_id,
        customer=customer,
        system=OWN_PRODUCTS,
        external_id=external_id,
        status=data.get("status") or "created",
        source_hash="",
        **{k: data[k] for k in PRODUCT_FIELDS if k in data and k != "status"},
    )
    product.save()
    _record_edit(customer, actor, f"Recorded the product {product.name}")
    return product


@transaction.atomic
def product_update(product: HeldProduct, data: dict, *, actor: Actor) -> HeldProduct:
    """Change a product Overlay keeps; products of back-office systems are refused (409)."""
    _own(product)
    if data.get("customer_id", product.customer_id) != product.customer_id:
        raise UnprocessableEntity("A product's holder cannot change; terminate it and record a new one.")
    if "external_id" in data and data["external_id"] != product.external_id:
        raise UnprocessableEntity("productSerialNumber cannot change.")
    changed = [k for k in PRODUCT_FIELDS if k in data and getattr(product, k) != data[k]]
    for name in changed:
        setattr(product, name, data[name])
    if product.start_date and product.termination_date and product.termination_date < product.start_date:
        raise UnprocessableEntity("terminationDate is before startDate.")
    if changed:
        product.save()
        _record_edit(product.customer, actor, f"Changed the product {product.name}: " + ", ".join(changed))
    return product


@transaction.atomic
def product_delete(product: HeldProduct, *, actor: Actor) -> None:
    """Remove a product Overlay keeps (recorded by mistake); back-office products are refused (409)."""
    _own(product)
    _record_edit(product.customer, actor, f"Removed the product {product.name}")
    product.delete()


# --- consents: what the customer agreed to, from any channel -------------------------------------
@transaction.atomic
def consent_record(customer: Customer, *, purpose: str, granted: bool, actor: Actor) -> Consent:
    """Record the customer's answer for one purpose, with when and through which channel (the latest wins)."""
    if purpose not in Consent.Purpose.values:
        raise UnprocessableEntity(f"Unknown consent purpose '{purpose}'; one of {', '.join(Consent.Purpose.values)}.")
    consent, _ = Consent.objects.update_or_create(
        customer=customer,
        purpose=purpose,
        defaults={"granted": granted, "recorded_at": timezone.now(), "source": actor.channel[:30]},
    )
    interaction_record(
        customer_id=customer.pk,
        channel=actor.channel,
        actor=actor.name,
        kind="consent",
        summary=f"{'Gave' if granted else 'Withdrew'} consent for {purpose.replace('_', ' ')}",
    )
    return consent


SELF_EDITABLE = ("email", "phone", "street", "house_number", "postcode", "city")


@transaction.atomic
def own_contact_update(customer: Customer, data: dict, *, actor: Actor) -> Customer:
    """A customer changes their own contact details (nothing else); recorded in their history."""
    others = sorted(set(data) - set(SELF_EDITABLE))
    if others:
        raise Forbidden("You can change your contact details here; for " + ", ".join(others) + " ask us.")
    changed = _apply(customer, data)
    if changed:
        customer.save()
        interaction_record(
            customer_id=customer.pk,
            channel=actor.channel,
            actor=actor.name,
            kind="edit",
            summary="Changed own " + ", ".join(name.replace("_", " ") for name in changed),
        )
        events.customer_event(customer, "CustomerAttributeValueChangeEvent")
    return customer
