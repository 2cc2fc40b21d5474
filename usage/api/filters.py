"""TMF630 filters of TMF635 usage and TMF677 consumption queries."""

from collections.abc import Callable

import django_filters
from django.db.models import Q

from overlay.api.filters import TMFFilterSet, split_values
from usage.models import QueryUsageConsumption, UsageRecord

NOTHING = Q(pk__in=[])
# TMF635's UsageStatusType values Overlay gives: rated against a price, or only received.
STATUS_CONDITIONS = {"rated": Q(price__isnull=False), "received": Q(price__isnull=True)}


def record_ids(value: str) -> list[int]:
    """The record ids among the values: anything else names no record (ids are digits, within a bigint)."""
    return [int(v) for v in split_values(value) if v.isascii() and v.isdigit() and len(v) <= 18]


def status_condition(value: str) -> Q:
    """``rated,received`` (OR); other TMF statuses match no record."""
    condition = NOTHING
    for status in split_values(value):
        condition |= STATUS_CONDITIONS.get(status, NOTHING)
    return condition


class ConditionFilter(django_filters.Filter):
    """An attribute whose values make a condition of their own (``attr=`` and ``attr.ne=``), never an error."""

    field_class = django_filters.fields.forms.CharField

    def __init__(self, condition_of: Callable[[str], Q], *, negate: bool):
        super().__init__()
        self.condition_of = condition_of
        self.negate = negate

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        condition = self.condition_of(value)
        return qs.exclude(condition) if self.negate else qs.filter(condition)


class UsageFilterSet(TMFFilterSet):
    # ``id`` and ``status`` are listed for the schema; their filters are the ones below.
    tmf_attributes = {
        "id": ("id", "text"),
        "status": ("price", "text"),
        "usageType": ("metric_id", "text"),
        "usageDate": ("start", "datetime"),
        "relatedParty.id": ("customer_id", "text"),
        "ratedProductUsage.productRef.id": ("product_id", "text"),
    }

    class Meta:
        model = UsageRecord
        fields = []

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        conditions = {"id": lambda value: Q(pk__in=record_ids(value)), "status": status_condition}
        for name, condition_of in conditions.items():
            filters[name] = filters[f"{name}.eq"] = ConditionFilter(condition_of, negate=False)
            filters[f"{name}.ne"] = ConditionFilter(condition_of, negate=True)
        return filters


class QueryUsageConsumptionFilterSet(TMFFilterSet):
    tmf_attributes = {
        "id": ("id", "text"),
        "relatedParty.id": ("customer_id", "text"),
        "queryUsageConsumptionDate": ("created_at", "datetime"),
    }

    class Meta:
        model = QueryUsageConsumption
        fields = []
