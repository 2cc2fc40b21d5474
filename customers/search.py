"""Multi-stage customer search (a selector: it reads only, scoped to what the caller may see).

1. Identifiers, in any common notation: a phone (normalised to E.164, so MSISDNs too), an
   e-mail, a billing account number, a national id, or the id of any source record
   (CRM customer number, subscription id, line reference, shipment number). Exact hits win.
2. Otherwise names, fuzzily: trigram similarity, indexed on PostgreSQL (pg_trgm), by a scan with the
   same scores on SQLite (``overlay.trigrams``), so the embedded demo finds what production finds.
3. Filters narrow both stages: postcode, birth date, segment, source system.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import F, FloatField, Func, Prefetch, Q, QuerySet, Value

from customers.models import IDENTIFIER_COLUMN, IDENTIFIER_FIELDS, BillingAccount, Customer, CustomerLink, HeldProduct
from customers.normalise import normalise_email, normalise_phone, normalise_postcode
from customers.selectors import customers_visible
from overlay import trigrams
from overlay.bulk import is_postgres
from overlay.principal import Principal

PHONE_LIKE = re.compile(r"[\d\s()+\-./]{8,}")
# Names are compared by pg_trgm's trigram similarity of the whole name at its default threshold
# (0.3: "koen" finds "Koen Visser", "koen bakkr" finds "Koen Bakker"), nearest first through a
# GiST index (migration 0006). Measured at 1M customers, whole-name distance separates a mistyped
# surname from the first name's thousands of namesakes 3-10x faster than word distance did.


class NameDistance(Func):
    """``name <-> query``: pg_trgm's trigram distance, in the form a GiST trigram index orders by."""

    template = "%(expressions)s"
    arg_joiner = " <-> "
    output_field = FloatField()


class TrigramSimilarity(Func):
    """The embedded mode's ``trigram_similarity(name, query)`` (``overlay.trigrams``, registered on SQLite)."""

    function = "trigram_similarity"
    output_field = FloatField()


@dataclass(frozen=True)
class CustomerSearch:
    text: str
    postcode: str = ""
    birth_date: date | None = None
    segment: str = ""
    system: str = ""
    limit: int = 20


@dataclass(frozen=True)
class Hit:
    customer: Customer
    matched_by: str
    score: float


def _narrowed(customers: QuerySet[Customer], search: CustomerSearch) -> QuerySet[Customer]:
    if search.postcode:
        customers = customers.filter(postcode=normalise_postcode(search.postcode))
    if search.birth_date:
        customers = customers.filter(birth_date=search.birth_date)
    if search.segment:
        customers = customers.filter(segment=search.segment)
    if search.system:
        customers = customers.filter(links__system=search.system).distinct()
    return customers


def identifier_matches(text: str) -> dict[str, str]:
    """{customer id: what matched} for everything the text could identify, in four queries."""
    text = text.strip()
    identifiers = []
    email = normalise_email(text)
    if email:
        identifiers.append(("email", email))
    if PHONE_LIKE.fullmatch(text) and (phone := normalise_phone(text)):
        identifiers.append(("phone", phone))
    # Any single token but an e-mail may be an account, a national id or a record id (a numeric
    # national id also looks like a phone number: both are tried).
    compact = text if text and " " not in text and not email else ""
    if compact:
        identifiers += [("account", compact), ("national_id", compact)]
    matches: dict[str, str] = {}
    if identifiers:
        condition = Q()
        for kind, value in identifiers:
            condition |= Q(**{IDENTIFIER_COLUMN[kind]: value})
        for row in CustomerLink.objects.filter(condition).values("customer_id", *IDENTIFIER_FIELDS):
            kind = next(kind for kind, value in identifiers if row[IDENTIFIER_COLUMN[kind]] == value)
            matches.setdefault(row["customer_id"], kind)
    if compact:
        for customer_id in BillingAccount.objects.filter(external_id=compact).values_list("customer_id", flat=True):
            matches.setdefault(customer_id, "account")
        for customer_id, system in CustomerLink.objects.filter(external_id=compact).values_list(
            "customer_id", "system"
        ):
            matches.setdefault(customer_id, f"{system} record")
        for customer_id, system in HeldProduct.objects.filter(external_id=compact).values_list("customer_id", "system"):
            matches.setdefault(customer_id, f"{system} product")
    return matches


def customer_search(principal: Principal | None, search: CustomerSearch) -> tuple[str, list[Hit]]:
    """Stage one, else stage two, both narrowed by the filters; ('identifier' | 'name', hits)."""
    visible = _narrowed(customers_visible(principal), search).prefetch_related(
        Prefetch("links", queryset=CustomerLink.objects.only("system", "customer_id"))
    )
    matches = identifier_matches(search.text)
    if matches:
        found = visible.filter(pk__in=list(matches))[: search.limit]
        return "identifier", [Hit(c, matches[c.pk], 1.0) for c in found]
    words = search.text.lower().split()
    if is_postgres():
        name = " ".join(words)
        # Nearest first, column on the left: the GiST index orders and stops at the limit.
        found = (
            visible.filter(search_name__trigram_similar=name)
            .annotate(distance=NameDistance(F("search_name"), Value(name)))
            .order_by("distance")[: search.limit]
        )
        return "name", [Hit(c, "name", round(1 - float(c.distance), 3)) for c in found]
    name = " ".join(words)
    found = (
        visible.annotate(similarity=TrigramSimilarity(F("search_name"), Value(name)))
        .filter(similarity__gte=trigrams.THRESHOLD)
        .order_by("-similarity", "pk")[: search.limit]
    )
    return "name", [Hit(c, "name", round(float(c.similarity), 3)) for c in found]
