"""TMF630 filters of TMF635 usage and TMF677 consumption queries."""

import django_filters
from django.db.models import Q

from overlay.api.filters import TMFFilterSet, split_values
from usage.models import QueryUsageConsumption, UsageRecord

# TMF635's UsageStatusType values Overlay gives: rated against a price, or only received.
STATUS_CONDITIONS = {"rated": Q(price__isnull=False), "received": Q(price__isnull=True)}


class UsageStatusFilter(django_filters.Filter):
    """``status=rated,received`` (OR) and ``status.ne=``; other TMF statuses match no record."""

    field_class = django_filters.fields.forms.CharField

    def __init__(self, *, negate: bool):
        super().__init__(field_name="price", lookup_expr="isnull")
        self.negate = negate

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        condition = Q(pk__in=[])
        for status in split_values(value):
            condition |= STATUS_CONDITIONS.get(status, Q(pk__in=[]))
        return qs.exclude(condition) if self.negate else qs.filter(condition)


def record_ids(value: str) -> list[int]:
    """The record ids among the values: anything else names no record (ids are digits, within a bigint)."""
    return [int(v) for v in split_values(value) if v.isascii() and v.isdigit() and len(v) <= 18]


class UsageIdFilter(django_filters.Filter):
    field_class = django_filters.fields.forms.CharField

    def __init__(self, *, negate: bool):
        super().__init__(field_name="id", lookup_expr="in")
        self.negate = negate

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        condition = Q(pk__in=record_ids(value))
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
        filters["id"] = UsageIdFilter(negate=False)
        filters["id.eq"] = UsageIdFilter(negate=False)
        filters["id.ne"] = UsageIdFilter(negate=True)
        filters["status"] = UsageStatusFilter(negate=False)
        filters["status.eq"] = UsageStatusFilter(negate=False)
        filters["status.ne"] = UsageStatusFilter(negate=True)
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
