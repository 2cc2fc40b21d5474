"""Read queries reused across the catalog's views, the pricing API and other apps."""

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value

from catalog.models import (
    SELLABLE_STATUSES,
    BundledOffering,
    Campaign,
    CatalogRevision,
    Category,
    Channel,
    CharacteristicSpec,
    CharacteristicValue,
    FulfilmentStep,
    Lifecycle,
    OfferingRule,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
    Recommendation,
    UsageMetric,
)
from catalog.pricing import (
    CampaignData,
    CharacteristicData,
    MemberData,
    OfferingData,
    PriceData,
    PricingData,
    TierData,
)
from catalog.rules import RuleData
from overlay.principal import Principal


def can_manage_catalog(principal: Principal | None) -> bool:
    return principal is not None and principal.has_scope("catalog:write")


def valid_at(at: datetime, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": at})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": at})
    )


def offerings_visible(principal: Principal | None, at: datetime) -> QuerySet[ProductOffering]:
    """Catalog managers see every offering; a channel sees launched, sellable, valid ones sold through it."""
    offerings = ProductOffering.objects.all()
    if can_manage_catalog(principal):
        return offerings
    # EXISTS (not a join) keeps one row per offering, so PostgreSQL can walk the (name, id)
    # index and stop at the page's last row instead of sorting every visible offering.
    sold_here = ProductOffering.channels.through.objects.filter(
        productoffering_id=OuterRef("pk"), channel__code=principal.channel if principal else None
    )
    return offerings.filter(valid_at(at), Exists(sold_here), lifecycle_status__in=SELLABLE_STATUSES, is_sellable=True)


def published(model, principal: Principal | None, at: datetime) -> QuerySet:
    """Specifications, prices and categories: managers see all; channels see active/launched, valid ones."""
    rows = model.objects.all()
    if can_manage_catalog(principal):
        return rows
    return rows.filter(valid_at(at), lifecycle_status__in=SELLABLE_STATUSES)


def specifications_with_related(specs: QuerySet[ProductSpecification]) -> QuerySet[ProductSpecification]:
    return specs.prefetch_related(
        Prefetch(
            "characteristics",
            queryset=CharacteristicSpec.objects.prefetch_related(
                Prefetch("values", queryset=CharacteristicValue.objects.order_by("id"))
            ),
        ),
        "offerings",
    )


def prices_with_related(prices: QuerySet[ProductOfferingPrice]) -> QuerySet[ProductOfferingPrice]:
    return prices.select_related("offering").prefetch_related("tiers")


def categories_with_related(categories: QuerySet[Category]) -> QuerySet[Category]:
    return categories.select_related("parent").prefetch_related(
        Prefetch("children", queryset=Category.objects.only("id", "name", "parent_id")),
        Prefetch("offerings", queryset=ProductOffering.objects.only("id", "name")),
    )


REVISION_CACHE_KEY = "catalog:revision"
# With a per-process cache (no CACHE_URL), another process's write is seen within this time.
REVISION_CACHE_SECONDS = 5


def stored_catalog_revision() -> int:
    return CatalogRevision.objects.values_list("revision", flat=True).first() or 0


def catalog_revision() -> int:
    """The catalog's current revision; PostgreSQL holds it, the cache remembers it briefly.

    A reader only adds the revision it read: a writer that committed meanwhile has set its newer one
    (``catalog.services.catalog_changed``), and an older value read before that commit must not replace it.
    """
    global _revision_seen
    revision = cache.get(REVISION_CACHE_KEY)
    if revision is None:
        revision = stored_catalog_revision()
        cache.add(REVISION_CACHE_KEY, revision, REVISION_CACHE_SECONDS)
    _revision_seen = revision
    return revision


_revision_seen: int | None = None  # the revision this process read last: most likely the current one


def catalog_revision_and_entry(key_of: Callable[[int], str]) -> tuple[int, str, object]:
    """The catalog's revision, the cache key ``key_of`` makes of it and what the cache holds under that key.

    One cache call (the revision and the entry read together) when the revision is the one this process read
    last, as it is between two catalog writes; after a write, a second call for the entry of the new one.
    The revision is read on every call all the same, so a write is seen as soon as with ``catalog_revision``.
    """
    guess = _revision_seen
    if guess is not None:
        key = key_of(guess)
        found = cache.get_many([REVISION_CACHE_KEY, key])
        if found.get(REVISION_CACHE_KEY) == guess:
            return guess, key, found.get(key)
    revision = catalog_revision()
    key = key_of(revision)
    return revision, key, cache.get(key)


# --- pricing data ---------------------------------------------------------------------
@dataclass(frozen=True)
class CatalogPriceData(PriceData):
    """A price as the catalog keeps it: what the pricing engine prices, and the order item actions it is
    charged on (``ProductOfferingPrice.charged_on``; empty: by its type), which order assessment applies."""

    charged_on: frozenset[str] = frozenset()


ADD_OR_MODIFY = frozenset({"add", "modify"})


def actions_charged(price: PriceData) -> frozenset[str]:
    """The order item actions a price is charged on: those it names, else by its type. A plan change
    (modify) is no new connection: one-time charges (activation, installation, a device) come with an add only.
    """
    named = getattr(price, "charged_on", None)
    if named:
        return named
    return frozenset({"add"}) if price.price_type == ProductOfferingPrice.PriceType.ONE_TIME else ADD_OR_MODIFY


def _price_data(price: ProductOfferingPrice) -> CatalogPriceData:
    return CatalogPriceData(
        id=price.id,
        name=price.name,
        price_type=price.price_type,
        amount=price.amount,
        currency=price.currency,
        percentage=price.percentage,
        applies_to=price.applies_to,
        period=price.recurring_period,
        unit_of_measure=price.unit_of_measure,
        tiering=price.tiering,
        included_units=price.included_units,
        tax_rate=price.tax_rate,
        char_name=price.char_name,
        char_value=price.char_value,
        tiers=tuple(TierData(t.lower, t.upper, t.unit_amount) for t in price.tiers.all()),
        charged_on=frozenset(action for action in price.charged_on.split(",") if action),
        metric=price.metric_id or "",
        sla_metric=price.sla_metric_id or "",
        sla_threshold=price.sla_threshold,
        sla_credit_percentage=price.sla_credit_percentage,
    )


def _characteristic_data(spec: CharacteristicSpec) -> CharacteristicData:
    values = list(spec.values.all())
    default = next((v.value for v in values if v.is_default and v.value), None)
    return CharacteristicData(
        name=spec.name,
        value_type=spec.value_type,
        configurable=spec.configurable,
        min_cardinality=spec.min_cardinality,
        regex=spec.regex,
        values=tuple(v.value for v in values if v.value),
        ranges=tuple((v.value_from, v.value_to) for v in values if not v.value and v.value_from and v.value_to),
        default=default,
    )


# Pricing data is read on every cart view: each process keeps it per catalog revision and
# minute (prices and campaigns open and close with the clock), so a write through the
# services is seen at once here and within REVISION_CACHE_SECONDS in other processes.
_PRICING_CACHE: dict = {"key": None, "offerings": {}, "campaigns": None}
_PRICING_LOCK = threading.Lock()
_PRICING_CACHE_MAX = 20_000


def _pricing_store(at: datetime) -> dict | None:
    if not settings.PRICING_DATA_CACHE:
        return None
    key = (catalog_revision(), at.replace(second=0, microsecond=0))
    with _PRICING_LOCK:
        if _PRICING_CACHE["key"] != key or len(_PRICING_CACHE["offerings"]) > _PRICING_CACHE_MAX:
            _PRICING_CACHE.update(key=key, offerings={}, campaigns=None)
        return _PRICING_CACHE


def _offering_data(ids: set[str], at: datetime, store: dict | None) -> dict[str, OfferingData]:
    """OfferingData (prices valid at ``at``, characteristics, bundle members) for these ids."""
    known = store["offerings"] if store is not None else {}
    found = {i: known[i] for i in ids if i in known}
    missing = ids - set(found)
    if not missing:
        return found
    members_of = defaultdict(list)
    for member in BundledOffering.objects.filter(bundle_id__in=missing).order_by("id"):
        members_of[member.bundle_id].append(
            MemberData(member.member_id, member.lower_limit, member.upper_limit, member.default_count)
        )
    # Bundle members come in the same round (priced even where they are not sold on their own).
    missing |= {m.offering_id for members in members_of.values() for m in members} - set(known)
    rows = (
        ProductOffering.objects.filter(pk__in=missing)
        .select_related("specification")
        .prefetch_related(
            Prefetch(
                "prices",
                queryset=ProductOfferingPrice.objects.filter(valid_at(at))
                .exclude(lifecycle_status__in=("Retired", "Obsolete", "Rejected"))
                .prefetch_related("tiers")
                .order_by("name", "id"),
            ),
            Prefetch(
                "specification__characteristics",
                queryset=CharacteristicSpec.objects.prefetch_related(
                    Prefetch("values", queryset=CharacteristicValue.objects.order_by("id"))
                ),
            ),
        )
    )
    loaded = {
        row.id: OfferingData(
            id=row.id,
            name=row.name,
            is_bundle=row.is_bundle,
            prices=tuple(_price_data(p) for p in row.prices.all()),
            characteristics=tuple(
                _characteristic_data(c) for c in (row.specification.characteristics.all() if row.specification else ())
            ),
            members=tuple(members_of.get(row.id, ())),
        )
        for row in rows
    }
    if store is not None:
        with _PRICING_LOCK:
            store["offerings"].update(loaded)
    return {**found, **loaded}


def pricing_data(
    offering_ids: Iterable[str],
    offerings: QuerySet[ProductOffering],
    at: datetime,
    *,
    visible_ids: set[str] | None = None,
) -> PricingData:
    """What the pricing engine needs for these offerings (and their bundle members), in constant queries.

    ``offerings`` is the caller's visible set: an offering outside it is unknown to the engine.
    ``visible_ids``: which of ``offering_ids`` are in it, when the caller has asked already (no query then).
    """
    store = _pricing_store(at)
    if visible_ids is None:
        requested = set(offerings.filter(pk__in=set(offering_ids)).values_list("pk", flat=True))
    else:
        requested = set(offering_ids) & visible_ids
    data = _offering_data(requested, at, store)
    member_ids = {m.offering_id for o in data.values() for m in o.members} - set(data)
    if member_ids:  # cached bundles whose members are not (the cache was refilled in between)
        data.update(_offering_data(member_ids, at, store))
    if store is None:
        campaigns = campaigns_active(at)
    else:
        campaigns = store["campaigns"]
        if campaigns is None:
            campaigns = store["campaigns"] = campaigns_active(at)
    return PricingData(offerings=data, campaigns=campaigns)


def campaigns_active(at: datetime) -> tuple[CampaignData, ...]:
    """The campaigns running at ``at``, with what each targets (4 queries, whatever their number)."""
    campaigns = list(
        Campaign.objects.filter(is_active=True, valid_from__lte=at)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))
        .prefetch_related("channels", "segments")
    )
    targets: dict[tuple[int, str], set[str]] = defaultdict(set)
    if campaigns:
        ids = [c.id for c in campaigns]
        # Offerings and prices in one query: both are ids, told apart by their kind.
        offerings = (
            Campaign.offerings.through.objects.filter(campaign_id__in=ids)
            .annotate(kind=Value("offering"))
            .values_list("campaign_id", "kind", "productoffering_id")
        )
        prices = (
            Campaign.prices.through.objects.filter(campaign_id__in=ids)
            .annotate(kind=Value("price"))
            .values_list("campaign_id", "kind", "productofferingprice_id")
        )
        for campaign_id, kind, target in offerings.union(prices, all=True):
            targets[(campaign_id, kind)].add(target)
    return tuple(
        CampaignData(
            id=c.id,
            name=c.name,
            kind=c.kind,
            value=c.value,
            applies_to=c.applies_to,
            channels=frozenset(ch.code for ch in c.channels.all()),
            segments=frozenset(s.code for s in c.segments.all()),
            offerings=frozenset(targets[(c.id, "offering")]),
            prices=frozenset(targets[(c.id, "price")]),
            channel_bound=c.channel_bound,
        )
        for c in campaigns
    )


def recommendations_for(held_product_names: Iterable[str], principal: Principal | None, at: datetime) -> list:
    """Next offers for someone holding these products: the catalog's upsell and cross-sell rules.

    Held products are matched to offerings by name (the adapters name them as the catalog does);
    only offerings the caller's channel sells are recommended, best rank first.
    """
    names = set(held_product_names)
    if not names:
        return []
    sellable = offerings_visible(principal, at).values("pk")
    return list(
        Recommendation.objects.filter(source__name__in=names, target__in=sellable)
        .exclude(target__name__in=names)
        .select_related("source", "target")
        .order_by("rank", "target__name")[:5]
    )


# Catalog data the clock does not change (rules, serviceability needs, fulfilment steps): each process keeps
# what it read per catalog revision, as it keeps pricing data (``PRICING_DATA_CACHE``), so that a checkout
# does not read it again. A write through the services or the admin bumps the revision: stale at once.
_BY_REVISION: dict = {"revision": None, "entries": 0}
_BY_REVISION_MAX = 50_000
_NOTHING = object()  # kept for an id that has none, so that it is not asked again


def _per_revision(kind: str, ids: set, load: Callable[[set], dict]) -> dict:
    """``load(ids)`` (by id; an id without any left out), for the ids this process has not read at this
    revision. The revision is read before the rows: rows newer than it are harmless, the write bumps it."""
    if not settings.PRICING_DATA_CACHE:
        return load(ids)
    revision = catalog_revision()
    with _PRICING_LOCK:
        if _BY_REVISION["revision"] != revision or _BY_REVISION["entries"] > _BY_REVISION_MAX:
            _BY_REVISION.clear()
            _BY_REVISION.update(revision=revision, entries=0)
        store = _BY_REVISION.setdefault(kind, {})
        known = {i: store[i] for i in ids if i in store}
    missing = ids - known.keys()
    if missing:
        loaded = load(missing)
        with _PRICING_LOCK:
            if _BY_REVISION["revision"] == revision:
                store.update({i: loaded.get(i, _NOTHING) for i in missing})
                _BY_REVISION["entries"] += len(missing)
        known.update(loaded)
    return {i: value for i, value in known.items() if value is not _NOTHING}


def forget_catalog_data() -> None:
    """Drop what this process kept per revision (tests: every test's database starts at the same revision)."""
    with _PRICING_LOCK:
        _BY_REVISION.clear()
        _BY_REVISION.update(revision=None, entries=0)
        _PRICING_CACHE.update(key=None, offerings={}, campaigns=None)


def offerings_sold(
    visible: QuerySet[ProductOffering], offering_ids: Iterable[str]
) -> dict[str, tuple[str, int | None]]:
    """Offering id -> (name, download speed) of those of these offerings in ``visible`` (``offerings_visible``:
    what the caller's channel sells now). One query."""
    return {
        pk: (name, mbps)
        for pk, name, mbps in visible.filter(pk__in=set(offering_ids)).values_list("pk", "name", "download_mbps")
    }


def offering_rules(offering_ids: Iterable[str]) -> dict[str, list[RuleData]]:
    """The rules on these offerings, for the rule engine (one query, none when kept for this revision)."""
    return _per_revision("rules", set(offering_ids), _offering_rules)


def _offering_rules(offering_ids: set[str]) -> dict[str, list[RuleData]]:
    rules: dict[str, list[RuleData]] = defaultdict(list)
    for rule in OfferingRule.objects.filter(offering_id__in=offering_ids).select_related("other"):
        rules[rule.offering_id].append(
            RuleData(
                offering_id=rule.offering_id,
                kind=rule.kind,
                value=rule.value,
                other_id=rule.other_id,
                other_name=rule.other.name if rule.other else "",
                message=rule.message,
            )
        )
    return dict(rules)


@dataclass(frozen=True)
class ServiceabilityNeed:
    """What an address must have for an offering to be delivered there, as ``system`` reports it."""

    system: str
    technologies: tuple[str, ...] = ()  # any one of these (empty: any the system reports)
    down_mbps: int | None = None  # at least this download speed over them


def _need(system: str, technologies: str, down_mbps: int | None) -> ServiceabilityNeed:
    names = tuple(t.strip().upper() for t in technologies.split(",") if t.strip())
    return ServiceabilityNeed(system, names, down_mbps or None)


def serviceability_needs(offering_ids: Iterable[str]) -> dict[str, tuple[ServiceabilityNeed, ...]]:
    """Offering id -> what the address must have: its specification's system and technologies, its own
    speed; a bundle also needs what each member needs (two queries, none when kept for this revision)."""
    return _per_revision("needs", set(offering_ids), _serviceability_needs)


def _serviceability_needs(ids: set[str]) -> dict[str, tuple[ServiceabilityNeed, ...]]:
    needs: dict[str, list[ServiceabilityNeed]] = defaultdict(list)
    for offering_id, *need in (
        ProductOffering.objects.filter(pk__in=ids)
        .exclude(specification__serviceability_system="")
        .exclude(specification__isnull=True)
        .values_list(
            "pk", "specification__serviceability_system", "specification__serviceability_technologies", "download_mbps"
        )
    ):
        needs[offering_id].append(_need(*need))
    for bundle_id, *need in (
        BundledOffering.objects.filter(bundle_id__in=ids)
        .exclude(member__specification__serviceability_system="")
        .exclude(member__specification__isnull=True)
        .order_by("id")
        .values_list(
            "bundle_id",
            "member__specification__serviceability_system",
            "member__specification__serviceability_technologies",
            "member__download_mbps",
        )
    ):
        if _need(*need) not in needs[bundle_id]:
            needs[bundle_id].append(_need(*need))
    return {offering_id: tuple(found) for offering_id, found in needs.items()}


def fulfilment_steps(specification_ids: Iterable[str]) -> dict[str, tuple[FulfilmentStep, ...]]:
    """Specification id -> its fulfilment steps in order (one query, none when kept for this revision).
    The steps are shared by every order planned at the revision: read them, never change them."""
    return _per_revision("steps", set(specification_ids) - {None}, _fulfilment_steps)


def _fulfilment_steps(specification_ids: set[str]) -> dict[str, tuple[FulfilmentStep, ...]]:
    steps: dict[str, list[FulfilmentStep]] = defaultdict(list)
    for step in FulfilmentStep.objects.filter(specification_id__in=specification_ids).order_by("position", "id"):
        steps[step.specification_id].append(step)
    return {spec_id: tuple(found) for spec_id, found in steps.items()}


def offerings_by_tariff_code(system: str, codes: Iterable[str]) -> dict[str, str]:
    """Product code -> the offering a back-office system's product carrying it is (one query).

    A stack names its products by the tariff codes of the billing system's tariff table (``MOB-M``),
    which the catalog imported as offerings keyed by the same id: the offering imported with that id,
    from the product's own system first, else from whichever system imported it.
    """
    found: dict[str, str] = {}
    rows = (
        ProductOffering.objects.filter(external_id__in=set(codes) - {""})
        .exclude(source_system="")
        .order_by("source_system", "id")
        .values_list("external_id", "source_system", "id")
    )
    for code, source, offering_id in rows:
        if code not in found or source == system:
            found[code] = offering_id
    return found


def channel_code(reference: str) -> str | None:
    """The code of the channel a reference names, by its code or its id (None: no such channel)."""
    return Channel.objects.filter(Q(code=reference) | Q(pk=reference)).values_list("code", flat=True).first()


@dataclass(frozen=True)
class CategoryOfferings:
    category_id: str
    name: str
    offering_ids: tuple[str, ...]  # in it or in a category below it, by name


def offerings_by_category(
    offerings: QuerySet[ProductOffering], category_ids: Iterable[str], principal: Principal | None, at: datetime
) -> dict[str, CategoryOfferings]:
    """Each category asked for that the caller may see, with those of ``offerings`` placed in it or below
    it (two queries)."""
    names, children = {}, defaultdict(list)
    for pk, parent_id, name in published(Category, principal, at).values_list("pk", "parent_id", "name"):
        names[pk] = name
        children[parent_id].append(pk)
    below: dict[str, set[str]] = {}
    for asked in set(category_ids) & set(names):
        below[asked], stack = set(), [asked]
        while stack:
            current = stack.pop()
            if current not in below[asked]:  # a loop in the tree ends here
                below[asked].add(current)
                stack.extend(children[current])
    if not below:
        return {}
    rows = list(
        ProductOffering.categories.through.objects.filter(
            category_id__in=set().union(*below.values()), productoffering__in=offerings
        )
        .order_by("productoffering__name", "productoffering_id")
        .values_list("category_id", "productoffering_id")
    )
    return {
        asked: CategoryOfferings(asked, names[asked], tuple(dict.fromkeys(o for c, o in rows if c in categories)))
        for asked, categories in below.items()
    }


def category_mates(offerings: QuerySet[ProductOffering], offering_ids: Iterable[str]) -> dict[str, set[str]]:
    """Offering id -> those of ``offerings`` that share a category with it (two queries)."""
    placed = ProductOffering.categories.through.objects
    homes = list(
        placed.filter(productoffering_id__in=set(offering_ids)).values_list("productoffering_id", "category_id")
    )
    members = defaultdict(set)
    for category_id, offering_id in placed.filter(
        category_id__in={c for _, c in homes}, productoffering__in=offerings
    ).values_list("category_id", "productoffering_id"):
        members[category_id].add(offering_id)
    mates = {offering_id: set() for offering_id in offering_ids}
    for offering_id, category_id in homes:
        mates[offering_id] |= members[category_id] - {offering_id}
    return mates


# --- usage ------------------------------------------------------------------------------
@dataclass(frozen=True)
class UsageMetricData:
    code: str
    name: str
    unit: str
    kind: str
    aggregation: str


def usage_metrics() -> dict[str, UsageMetricData]:
    """Every usage metric by its code (one query)."""
    return {m.code: UsageMetricData(m.code, m.name, m.unit, m.kind, m.aggregation) for m in UsageMetric.objects.all()}


@dataclass(frozen=True)
class UsagePriceRef:
    price_id: str
    valid_from: datetime | None
    valid_to: datetime | None

    def applies_at(self, moment: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= moment) and (
            self.valid_to is None or moment < self.valid_to
        )


def usage_price_refs(offering_ids: Iterable[str]) -> dict[tuple[str, str], tuple[UsagePriceRef, ...]]:
    """(offering id, metric code) -> its usage prices for that metric, the latest valid first (one query).
    A record is rated against the first whose validity holds its start: a changed price applies from its
    validity on, and usage before it stays at the price it had."""
    found: dict[tuple[str, str], list[UsagePriceRef]] = defaultdict(list)
    rows = (
        ProductOfferingPrice.objects.filter(
            offering_id__in=set(offering_ids) - {None}, price_type=ProductOfferingPrice.PriceType.USAGE
        )
        .exclude(metric__isnull=True)
        .exclude(lifecycle_status=Lifecycle.RETIRED)
        .values_list("offering_id", "metric_id", "id", "valid_from", "valid_to")
    )
    for offering_id, metric, price_id, valid_from, valid_to in rows:
        found[offering_id, metric].append(UsagePriceRef(price_id, valid_from, valid_to))
    return {
        key: tuple(sorted(refs, key=lambda r: (r.valid_from is not None, r.valid_from or 0), reverse=True))
        for key, refs in found.items()
    }


def usage_price_at(refs: Sequence[UsagePriceRef], moment: datetime) -> str | None:
    return next((r.price_id for r in refs if r.applies_at(moment)), None)


def prices_data(price_ids: Iterable[str]) -> dict[str, CatalogPriceData]:
    """Prices by id as the pricing engine takes them (two queries)."""
    prices = ProductOfferingPrice.objects.filter(pk__in=set(price_ids) - {None}).prefetch_related("tiers")
    return {price.pk: _price_data(price) for price in prices}
