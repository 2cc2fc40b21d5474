"""Domain actions that change the catalog. Every write path (API, admin, adapters) comes here."""

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from catalog.errors import IllegalTransition, InUse, InvalidConfiguration, InvalidReference
from catalog.models import (
    BundledOffering,
    CatalogRevision,
    Category,
    Channel,
    CharacteristicSpec,
    CharacteristicValue,
    Lifecycle,
    MarketSegment,
    PriceTier,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
    UsageMetric,
)
from catalog.records import OfferingRecord, SpecificationRecord
from catalog.selectors import REVISION_CACHE_KEY, REVISION_CACHE_SECONDS, stored_catalog_revision
from overlay.bulk import Counts

# From each status, where a catalog manager may take a resource.
LIFECYCLE_TRANSITIONS: dict[str, set[str]] = {
    Lifecycle.IN_STUDY: {Lifecycle.IN_DESIGN, Lifecycle.REJECTED},
    Lifecycle.IN_DESIGN: {
        Lifecycle.IN_STUDY,
        Lifecycle.IN_TEST,
        Lifecycle.ACTIVE,
        Lifecycle.LAUNCHED,
        Lifecycle.REJECTED,
    },
    Lifecycle.IN_TEST: {Lifecycle.IN_DESIGN, Lifecycle.ACTIVE, Lifecycle.LAUNCHED, Lifecycle.REJECTED},
    Lifecycle.ACTIVE: {Lifecycle.LAUNCHED, Lifecycle.RETIRED},
    Lifecycle.LAUNCHED: {Lifecycle.ACTIVE, Lifecycle.RETIRED},
    Lifecycle.RETIRED: {Lifecycle.LAUNCHED, Lifecycle.OBSOLETE},
    Lifecycle.OBSOLETE: set(),
    Lifecycle.REJECTED: {Lifecycle.IN_DESIGN},
}


def catalog_changed() -> None:
    """Bump the catalog revision (inside the writer's transaction) so cached pages go stale.

    The remembered revision is replaced only once the write is committed, by the one then stored: a
    reader in between must not cache the old rows under the new revision, and every process (the cache
    is shared) sees the new one at once.
    """
    updated = CatalogRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    if not updated:
        CatalogRevision.objects.get_or_create(pk=1, defaults={"revision": 1})
    transaction.on_commit(lambda: cache.set(REVISION_CACHE_KEY, stored_catalog_revision(), REVISION_CACHE_SECONDS))


def lifecycle_transition(obj, status: str) -> None:
    """Move a catalog entity to ``status`` if the lifecycle allows it."""
    current = obj.lifecycle_status
    if status == current:
        return
    if status not in LIFECYCLE_TRANSITIONS.get(current, set()):
        allowed = ", ".join(sorted(LIFECYCLE_TRANSITIONS.get(current, set()))) or "none"
        raise IllegalTransition(f"{obj.name} cannot go from '{current}' to '{status}' (allowed: {allowed}).")
    obj.lifecycle_status = status


def check_validity(valid_from: datetime | None, valid_to: datetime | None) -> None:
    if valid_from and valid_to and valid_to <= valid_from:
        raise InvalidConfiguration("must end after it starts.", field="valid_for")


def _resolve(model, ids: Iterable[str], field: str) -> list:
    ids = list(dict.fromkeys(ids))
    found = {obj.pk: obj for obj in model.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidReference(f"unknown {model._meta.verbose_name}: {', '.join(missing)}.", field=field)
    return [found[i] for i in ids]


def _apply_fields(obj, data: dict, names: Iterable[str]) -> None:
    for name in names:
        if name in data:
            setattr(obj, name, data[name])


COMMON_FIELDS = ("name", "description", "version", "valid_from", "valid_to")


def _apply_common(obj, data: dict, creating: bool, fields: Iterable[str] = ()) -> None:
    """Set the shared catalog attributes: a new entity takes any status, an existing one transitions."""
    _apply_fields(obj, data, (*COMMON_FIELDS, *fields))
    if "lifecycle_status" in data:
        if creating:
            obj.lifecycle_status = data["lifecycle_status"]
        else:
            lifecycle_transition(obj, data["lifecycle_status"])
    check_validity(obj.valid_from, obj.valid_to)


# --- offerings --------------------------------------------------------------------
@dataclass(frozen=True)
class MemberInput:
    offering_id: str
    lower: int = 1
    upper: int = 1
    default: int = 1


def _offering_write(offering: ProductOffering, data: dict, creating: bool) -> ProductOffering:
    _apply_common(offering, data, creating, ("is_bundle", "is_sellable", "status_reason"))
    if "specification_id" in data:
        spec_id = data["specification_id"]
        offering.specification = _resolve(ProductSpecification, [spec_id], "specification")[0] if spec_id else None
    members: list[MemberInput] | None = data.get("members")
    offering.save()
    if "category_ids" in data:
        offering.categories.set(_resolve(Category, data["category_ids"], "categories"))
    if "channel_ids" in data:
        offering.channels.set(_resolve(Channel, data["channel_ids"], "channels"))
    if "segment_ids" in data:
        offering.segments.set(_resolve(MarketSegment, data["segment_ids"], "segments"))
    if "price_ids" in data:
        prices = _resolve(ProductOfferingPrice, data["price_ids"], "prices")
        taken = [p.name for p in prices if p.offering_id not in (None, offering.pk)]
        if taken:
            raise InvalidConfiguration(f"Price(s) already used by another offering: {', '.join(taken)}.")
        offering.prices.exclude(pk__in=[p.pk for p in prices]).update(offering=None)
        ProductOfferingPrice.objects.filter(pk__in=[p.pk for p in prices]).update(offering=offering)
    if members is not None:
        _set_members(offering, members)
    catalog_changed()
    return offering


def check_members(bundle: ProductOffering, members: list[tuple[ProductOffering, MemberInput]]) -> None:
    """A bundle's members (each with its limits) as the rules allow them: not itself, no bundles, sane limits."""
    if members and not bundle.is_bundle:
        raise InvalidConfiguration("only a bundle can have members.", field="bundle_members")
    for target, member in members:
        if target.pk == bundle.pk:
            raise InvalidConfiguration("A bundle cannot contain itself.")
        if target.is_bundle:
            raise InvalidConfiguration(f"'{target.name}' is a bundle itself; bundles cannot be nested.")
        if not member.lower <= member.default <= member.upper:
            raise InvalidConfiguration(
                f"Bundle member '{target.name}': need lower limit ≤ default ≤ upper limit "
                f"(got {member.lower}, {member.default}, {member.upper})."
            )


def _set_members(bundle: ProductOffering, members: list[MemberInput]) -> None:
    resolved = _resolve(ProductOffering, [m.offering_id for m in members], "bundle_members")
    check_members(bundle, list(zip(resolved, members, strict=True)))
    bundle.bundle_members.all().delete()
    BundledOffering.objects.bulk_create(
        BundledOffering(bundle=bundle, member=target, lower_limit=m.lower, upper_limit=m.upper, default_count=m.default)
        for m, target in zip(members, resolved, strict=True)
    )


@transaction.atomic
def offering_create(data: dict) -> ProductOffering:
    """Create a product offering with its references (spec, categories, channels, prices, members)."""
    return _offering_write(ProductOffering(), data, creating=True)


@transaction.atomic
def offering_update(offering: ProductOffering, data: dict) -> ProductOffering:
    """Change an offering; the lifecycle moves only along allowed transitions."""
    return _offering_write(offering, data, creating=False)


@transaction.atomic
def offering_delete(offering: ProductOffering) -> None:
    """Delete an offering that no bundle uses; its prices are detached, not deleted."""
    bundles = list(offering.member_of.values_list("bundle__name", flat=True))
    if bundles:
        raise InUse(f"'{offering.name}' is part of bundle(s) {', '.join(bundles)}; remove it there first.")
    offering.delete()
    catalog_changed()


@transaction.atomic
def offering_set_lifecycle(offering: ProductOffering, status: str) -> None:
    """Admin action: launch, retire... along the allowed transitions."""
    lifecycle_transition(offering, status)
    offering.save(update_fields=["lifecycle_status", "last_update"])
    catalog_changed()


# --- specifications ---------------------------------------------------------------
@dataclass(frozen=True)
class CharacteristicInput:
    name: str
    description: str = ""
    value_type: str = "string"
    configurable: bool = True
    min_cardinality: int = 0
    max_cardinality: int = 1
    regex: str = ""
    values: tuple[dict, ...] = ()


def check_characteristics(characteristics: list[CharacteristicInput]) -> None:
    """Unique names, min ≤ max cardinality, at most one default value each."""
    names = [c.name for c in characteristics]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidConfiguration(f"Characteristic names must be unique: {', '.join(duplicates)}.")
    for item in characteristics:
        if item.min_cardinality > item.max_cardinality:
            raise InvalidConfiguration(f"Characteristic '{item.name}': minCardinality exceeds maxCardinality.")
        if sum(1 for v in item.values if v.get("is_default")) > 1:
            raise InvalidConfiguration(f"Characteristic '{item.name}' has more than one default value.")


def _set_characteristics(spec: ProductSpecification, characteristics: list[CharacteristicInput]) -> None:
    check_characteristics(characteristics)
    spec.characteristics.all().delete()
    for item in characteristics:
        characteristic = CharacteristicSpec.objects.create(
            specification=spec,
            name=item.name,
            description=item.description,
            value_type=item.value_type,
            configurable=item.configurable,
            min_cardinality=item.min_cardinality,
            max_cardinality=item.max_cardinality,
            regex=item.regex,
        )
        CharacteristicValue.objects.bulk_create(
            CharacteristicValue(characteristic=characteristic, **v) for v in item.values
        )


def _specification_write(spec: ProductSpecification, data: dict, creating: bool) -> ProductSpecification:
    _apply_common(spec, data, creating, ("brand", "product_number", "is_bundle", "kind"))
    spec.save()
    if "characteristics" in data:
        _set_characteristics(spec, data["characteristics"])
    catalog_changed()
    return spec


@transaction.atomic
def specification_create(data: dict) -> ProductSpecification:
    """Create a product specification with its characteristics and allowed values."""
    return _specification_write(ProductSpecification(), data, creating=True)


@transaction.atomic
def specification_update(spec: ProductSpecification, data: dict) -> ProductSpecification:
    """Change a specification; a given characteristic list replaces the old one."""
    return _specification_write(spec, data, creating=False)


@transaction.atomic
def specification_delete(spec: ProductSpecification) -> None:
    """Delete a specification no offering uses."""
    used_by = list(spec.offerings.values_list("name", flat=True)[:5])
    if used_by:
        raise InUse(f"Offerings still use '{spec.name}': {', '.join(used_by)}.")
    spec.delete()
    catalog_changed()


# --- prices -----------------------------------------------------------------------
@dataclass(frozen=True)
class TierInput:
    lower: Decimal
    upper: Decimal | None
    unit_amount: Decimal


PRICE_FIELDS = (
    "price_type",
    "amount",
    "currency",
    "percentage",
    "applies_to",
    "recurring_period",
    "recurring_period_length",
    "unit_of_measure",
    "tiering",
    "included_units",
    "tax_category",
    "tax_rate",
    "char_name",
    "char_value",
    "charged_on",
    "metric_id",
    "sla_metric_id",
    "sla_threshold",
    "sla_credit_percentage",
)
# The order item actions a price can be charged on (a delete charges nothing).
CHARGEABLE_ACTIONS = ("add", "modify")


def check_price(price: ProductOfferingPrice, tiers: list[TierInput] | None) -> None:
    """A price's rules (and its defaults: a recurring period, graduated tiering when tiered)."""
    kind = price.price_type
    if kind == ProductOfferingPrice.PriceType.DISCOUNT:
        if (price.percentage is None) == (price.amount is None):
            raise InvalidConfiguration("A discount needs exactly one of percentage or price.")
    elif price.amount is not None and price.amount < 0:
        raise InvalidConfiguration("A price cannot be negative; use a discount.")
    if kind == ProductOfferingPrice.PriceType.RECURRING and not price.recurring_period:
        price.recurring_period = "month"
    if kind != ProductOfferingPrice.PriceType.RECURRING:
        price.recurring_period = ""
    actions = [a.strip() for a in price.charged_on.split(",") if a.strip()]
    unknown = sorted(set(actions) - set(CHARGEABLE_ACTIONS))
    if unknown:
        raise InvalidConfiguration(f"A price is charged on add or modify, not {', '.join(unknown)}.")
    price.charged_on = ",".join(a for a in CHARGEABLE_ACTIONS if a in actions)
    _check_usage_terms(price)
    if tiers is not None:
        if tiers and kind != ProductOfferingPrice.PriceType.USAGE:
            raise InvalidConfiguration("Only usage prices can have tiers.")
        ordered = sorted(tiers, key=lambda t: t.lower)
        for current, following in itertools.pairwise(ordered):
            if current.upper is None or current.upper != following.lower:
                raise InvalidConfiguration("Tiers must follow each other without gaps or overlaps.")
        if ordered and ordered[0].lower != 0:
            raise InvalidConfiguration("The first tier must start at 0 units.")
        if any(t.upper is not None and t.upper <= t.lower for t in ordered):
            raise InvalidConfiguration("A tier's upper limit must be above its lower limit.")
        if ordered and not price.tiering:
            price.tiering = ProductOfferingPrice.Tiering.GRADUATED


def _check_usage_terms(price: ProductOfferingPrice) -> None:
    """A usage price charges for a metric whose periods add up (a sum or a count), in its unit; a
    service-level credit names its measured level, the threshold and the percent credited, or nothing."""
    usage = price.price_type == ProductOfferingPrice.PriceType.USAGE
    sla = (price.sla_metric_id, price.sla_threshold, price.sla_credit_percentage)
    if not usage and (price.metric_id or any(v is not None for v in sla)):
        raise InvalidConfiguration("Only usage prices charge for a usage metric or carry a service-level credit.")
    if price.metric_id:
        metric = UsageMetric.objects.filter(code=price.metric_id).first()
        if metric is None:
            raise InvalidConfiguration(f"There is no usage metric {price.metric_id!r}.")
        if metric.aggregation not in (UsageMetric.Aggregation.SUM, UsageMetric.Aggregation.COUNT):
            raise InvalidConfiguration(f"{metric.name} is a {metric.aggregation}: only sums and counts are priced.")
        if price.unit_of_measure and price.unit_of_measure != metric.unit:
            raise InvalidConfiguration(f"{metric.name} is counted in {metric.unit}, not {price.unit_of_measure}.")
        price.unit_of_measure = metric.unit
    if any(v is not None for v in sla) and (None in sla or not price.metric_id):
        raise InvalidConfiguration(
            "A service-level credit needs the priced metric, the measured level, its threshold and the percent"
            " credited."
        )


def _price_write(price: ProductOfferingPrice, data: dict, creating: bool) -> ProductOfferingPrice:
    _apply_common(price, data, creating, PRICE_FIELDS)
    tiers: list[TierInput] | None = data.get("tiers")
    check_price(price, tiers)
    price.save()
    if tiers is not None:
        price.tiers.all().delete()
        PriceTier.objects.bulk_create(
            PriceTier(price=price, lower=t.lower, upper=t.upper, unit_amount=t.unit_amount) for t in tiers
        )
    catalog_changed()
    return price


@transaction.atomic
def price_create(data: dict) -> ProductOfferingPrice:
    """Create a product offering price (one-time, recurring, usage with tiers, or discount)."""
    return _price_write(ProductOfferingPrice(), data, creating=True)


@transaction.atomic
def price_update(price: ProductOfferingPrice, data: dict) -> ProductOfferingPrice:
    """Change a price; given tiers replace the old ones."""
    return _price_write(price, data, creating=False)


@transaction.atomic
def price_delete(price: ProductOfferingPrice) -> None:
    """Delete a price; the offering that used it no longer charges it."""
    price.delete()
    catalog_changed()


# --- categories -------------------------------------------------------------------
def _category_write(category: Category, data: dict, creating: bool) -> Category:
    _apply_common(category, data, creating)
    if "parent_id" in data:
        parent_id = data["parent_id"]
        parent = _resolve(Category, [parent_id], "parent_category")[0] if parent_id else None
        check_parent(category, parent)
        category.parent = parent
    if data.get("is_root") and category.parent_id:
        raise InvalidConfiguration("A root category (isRoot true) cannot have a parentId.")
    category.save()
    catalog_changed()
    return category


def check_parent(category: Category, parent: Category | None) -> None:
    ancestor = parent
    while ancestor is not None:
        if ancestor.pk == category.pk:
            raise InvalidConfiguration("A category cannot be its own ancestor.")
        ancestor = ancestor.parent


@transaction.atomic
def category_create(data: dict) -> Category:
    """Create a category, at the root or under a parent."""
    return _category_write(Category(), data, creating=True)


@transaction.atomic
def category_update(category: Category, data: dict) -> Category:
    """Change a category; moving it may not create a cycle."""
    return _category_write(category, data, creating=False)


@transaction.atomic
def category_delete(category: Category) -> None:
    """Delete a category without sub-categories; offerings simply leave it."""
    children = list(category.children.values_list("name", flat=True)[:5])
    if children:
        raise InUse(f"'{category.name}' still has sub-categories: {', '.join(children)}.")
    category.delete()
    catalog_changed()


# --- imports from partner and back-office catalogs ----------------------------------------
def _imported_specification(system: str, record: SpecificationRecord) -> ProductSpecification:
    spec, created = ProductSpecification.objects.get_or_create(
        source_system=system,
        external_id=record.external_id,
        defaults={
            "name": record.name,
            "kind": record.kind,
            "brand": record.brand,
            "lifecycle_status": Lifecycle.ACTIVE,
        },
    )
    if not created and (spec.name, spec.kind) != (record.name, record.kind):
        spec.name, spec.kind = record.name, record.kind
        spec.save(update_fields=["name", "kind", "last_update"])
    return spec


def _base_prices(offering: ProductOffering) -> tuple[Decimal | None, Decimal | None]:
    """(monthly, one-time) amounts of the prices a source keeps (those not tied to a characteristic)."""
    amounts = dict(offering.prices.filter(char_name="").values_list("price_type", "amount"))
    return amounts.get("recurring"), amounts.get("oneTime")


@transaction.atomic
def offerings_import(system: str, records: Sequence[OfferingRecord]) -> Counts:
    """Upsert offerings a back-office or partner catalog publishes (``catalog.records.OfferingRecord``).

    A new one arrives in design, unsold, for a catalog manager to place in channels and
    launch; the source deactivating one retires it. Its specification (created on first
    sight, keyed by the source's id), its base monthly and one-time prices follow the
    source; what Overlay adds on top (characteristics, prices by characteristic, usage
    tiers, channels, bundles, a specification of Overlay's own in place of the source's) is
    left alone. A record older than the version imported before
    (``OfferingRecord.version``) is stale and changes nothing.
    """
    counts = Counts()
    existing = {
        o.external_id: o
        for o in ProductOffering.objects.filter(
            source_system=system, external_id__in=[r.external_id for r in records]
        ).select_related("specification")
    }
    for record in _newest(records):
        offering = existing.get(record.external_id)
        if offering is not None and _stale(record.version, offering.source_version):
            counts.unchanged += 1
            continue
        spec = _imported_specification(system, record.specification) if record.specification else None
        if offering is None:
            offering = ProductOffering.objects.create(
                name=record.name,
                description=record.description,
                source_system=system,
                external_id=record.external_id,
                source_version=record.version,
                specification=spec,
                lifecycle_status=Lifecycle.IN_DESIGN if record.active else Lifecycle.RETIRED,
            )
            counts.created += 1
        else:
            status = offering.lifecycle_status
            if not record.active and status in (Lifecycle.ACTIVE, Lifecycle.LAUNCHED):
                status = Lifecycle.RETIRED
            if not _follows_source(offering, system):
                spec = None  # a catalog manager gave it a specification of Overlay's own: it stays
            if (offering.name, offering.lifecycle_status, offering.specification_id) == (
                record.name,
                status,
                spec.pk if spec else offering.specification_id,
            ) and _base_prices(offering) == (record.recurring_price, record.one_time_price):
                if offering.source_version != record.version:  # the same, seen at a later version
                    ProductOffering.objects.filter(pk=offering.pk).update(source_version=record.version)
                counts.unchanged += 1
                continue
            offering.name, offering.lifecycle_status = record.name, status
            offering.specification = spec or offering.specification
            offering.source_version = record.version
            offering.save(update_fields=["name", "lifecycle_status", "specification", "source_version", "last_update"])
            counts.updated += 1
        _import_base_prices(offering, record)
    if counts.created or counts.updated:
        catalog_changed()
    return counts


def _import_base_prices(offering: ProductOffering, record: OfferingRecord) -> None:
    """The monthly and one-time prices the source keeps (those tied to no characteristic)."""
    for price_type, amount, label, period in (
        ("recurring", record.recurring_price, f"{record.name} monthly fee", "month"),
        ("oneTime", record.one_time_price, f"{record.name} {record.one_time_name or 'one-time fee'}", ""),
    ):
        if amount is not None:
            ProductOfferingPrice.objects.update_or_create(
                offering=offering,
                price_type=price_type,
                char_name="",
                defaults={
                    "name": label,
                    "amount": amount,
                    "currency": record.currency,
                    "recurring_period": period,
                    "lifecycle_status": Lifecycle.ACTIVE,
                },
            )


def _follows_source(offering: ProductOffering, system: str) -> bool:
    """Whether the offering's specification is the source's to set (none yet, or one imported from it)."""
    return offering.specification is None or offering.specification.source_system == system


def _stale(version: int | None, stored: int | None) -> bool:
    """Whether a record of ``version`` is older than the one imported (never when either has none)."""
    return version is not None and stored is not None and version < stored


def _newest(records: Sequence[OfferingRecord]) -> list[OfferingRecord]:
    """One record per offering: the newest (by version; the last one if they tie or have none)."""
    found: dict[str, OfferingRecord] = {}
    for record in records:
        if (before := found.get(record.external_id)) is None or not _stale(record.version, before.version):
            found[record.external_id] = record
    return list(found.values())
