"""Offerings as plain rows, for the productOffering representation: ``.values()`` and no model instances.

Building model instances (and the prefetch machinery around them) cost most of a productOffering page;
these six queries return tuples, whatever the number of offerings. Related rows come in the order the
representation lists them, as the models' default orderings give them (PostgreSQL's collation, not Python's).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F

from catalog.models import BundledOffering, ProductOffering, ProductOfferingPrice


@dataclass(frozen=True)
class MemberRow:
    """A bundle's member offering and how many of it the bundle takes."""

    id: str
    name: str
    lifecycle_status: str
    lower_limit: int
    upper_limit: int
    default_count: int


@dataclass(frozen=True)
class OfferingRow:
    """What the productOffering representation shows of an offering and of what it refers to."""

    id: str
    name: str
    description: str
    version: str
    lifecycle_status: str
    last_update: datetime
    valid_from: datetime | None
    valid_to: datetime | None
    is_bundle: bool
    is_sellable: bool
    status_reason: str
    specification_id: str | None
    specification_name: str | None
    # (id, name) of each, in the representation's order.
    categories: list[tuple[str, str]] = field(default_factory=list)
    channels: list[tuple[str, str]] = field(default_factory=list)
    segments: list[tuple[str, str]] = field(default_factory=list)
    prices: list[tuple[str, str]] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)


OFFERING_COLUMNS = (
    "id",
    "name",
    "description",
    "version",
    "lifecycle_status",
    "last_update",
    "valid_from",
    "valid_to",
    "is_bundle",
    "is_sellable",
    "status_reason",
    "specification_id",
)


def offering_rows(offering_ids: Iterable[str]) -> dict[str, OfferingRow]:
    """These offerings (those that exist) by id, with their references (six queries)."""
    ids = set(offering_ids)
    if not ids:
        return {}
    related: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    links = ProductOffering.categories.through.objects.filter(productoffering_id__in=ids)
    for offering_id, *ref in links.order_by("category__name", "category_id").values_list(
        "productoffering_id", "category_id", "category__name"
    ):
        related[offering_id]["categories"].append(tuple(ref))
    links = ProductOffering.channels.through.objects.filter(productoffering_id__in=ids)
    for offering_id, *ref in links.order_by("channel__code", "channel_id").values_list(
        "productoffering_id", "channel_id", "channel__name"
    ):
        related[offering_id]["channels"].append(tuple(ref))
    links = ProductOffering.segments.through.objects.filter(productoffering_id__in=ids)
    for offering_id, *ref in links.order_by("marketsegment__code", "marketsegment_id").values_list(
        "productoffering_id", "marketsegment_id", "marketsegment__name"
    ):
        related[offering_id]["segments"].append(tuple(ref))
    prices = ProductOfferingPrice.objects.filter(offering_id__in=ids).order_by("name", "id")
    for offering_id, *ref in prices.values_list("offering_id", "id", "name"):
        related[offering_id]["prices"].append(tuple(ref))
    members = BundledOffering.objects.filter(bundle_id__in=ids).order_by("id")
    for bundle_id, *member in members.values_list(
        "bundle_id",
        "member_id",
        "member__name",
        "member__lifecycle_status",
        "lower_limit",
        "upper_limit",
        "default_count",
    ):
        related[bundle_id]["members"].append(MemberRow(*member))
    offerings = ProductOffering.objects.filter(pk__in=ids).order_by()
    return {
        row["id"]: OfferingRow(**row, **related.get(row["id"], {}))
        for row in offerings.values(*OFFERING_COLUMNS, specification_name=F("specification__name"))
    }
