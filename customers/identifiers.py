"""The identifier index: which customers each identifier of a page's records points to.

Linking (``customers.linking``) asks it, record by record, for the customer a record is:
the strongest kind of identifier that matches anyone decides, and a match that contradicts
what is known of a candidate (another national id; a master system's second record) is
set aside. Identifiers are looked up in rounds, strongest first, each probing the index of
its link column once per value (``overlay.lookups``).
"""

from collections import defaultdict
from collections.abc import Sequence

from django.db import connection

from customers.models import IDENTIFIER_COLUMN, BillingAccount, CustomerLink
from customers.records import PartyRecord
from overlay.bulk import is_postgres
from overlay.lookups import probe_sql, rows_by_key

# Strongest first: the strongest kind a record has any match on decides.
IDENTIFIER_STRENGTH = ("account", "national_id", "email", "phone")
# The rounds in which a page's identifiers are looked up (see IdentifierIndex).
LOOKUP_TIERS = (("account", "national_id"), ("email",), ("phone",))


class IdentifierIndex:
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
        in_flight=None,  # customers.imports.InFlight
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
