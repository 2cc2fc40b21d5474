"""TMF635 usage (read only: usage comes from the back office) and TMF677 consumption queries.

Both need ``usage:read``; a customer token sees its own customer's only (another's is a ``404``).
"""

from django.db.models import F
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view

from catalog.selectors import usage_metrics
from overlay.api.views import TMFResourceViewSet
from overlay.errors import NotFound
from overlay.tmf import CONSUMPTION, USAGE
from usage import selectors
from usage.api import outputs, representations
from usage.api.filters import QueryUsageConsumptionFilterSet, UsageFilterSet, record_ids
from usage.api.serializers import QueryUsageConsumptionInput
from usage.consumption import consumption_query_create, consumption_query_delete


class UsageViewSet(TMFResourceViewSet):
    """TMF635 usage: each record as imported and rated. Overlay takes usage only from the back-office
    systems, so creating, changing and deleting it here answer ``405``."""

    resource_type = "Usage"
    output_serializer_class = outputs.UsageOutput
    base_path = f"{USAGE.base}/usage"
    filterset_class = UsageFilterSet
    read_scope = USAGE.read_scope
    write_scope = None
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return selectors.records_visible(self.principal).order_by("-start", "-id")

    def with_related(self, queryset):
        return queryset.annotate(product_name=F("product__name"))

    def get_object(self, pk: str, for_update: bool = False):
        if not record_ids(pk):  # not an id any record could have
            raise NotFound(f"No Usage with id '{pk}'.")
        return super().get_object(record_ids(pk)[0], for_update)

    def prepare(self, rows):
        self._rated = {rated.record.pk: rated for rated in selectors.rated_records(rows)}
        self._metrics = usage_metrics() if rows else {}

    def represent(self, obj, ctx):
        return representations.usage(self._rated[obj.pk], self._metrics.get(obj.metric_id), ctx)


@extend_schema_view(create=extend_schema(request=QueryUsageConsumptionInput))
class QueryUsageConsumptionViewSet(TMFResourceViewSet):
    """TMF677 queryUsageConsumption: asking is a read (``usage:read``); each caller reads back and deletes
    only the queries it asked."""

    resource_type = "QueryUsageConsumption"
    output_serializer_class = outputs.QueryUsageConsumptionOutput
    base_path = f"{CONSUMPTION.base}/queryUsageConsumption"
    filterset_class = QueryUsageConsumptionFilterSet
    create_serializer_class = QueryUsageConsumptionInput
    read_scope = CONSUMPTION.read_scope
    write_scope = CONSUMPTION.read_scope
    http_method_names = ["get", "head", "options", "post", "delete"]

    def get_queryset(self):
        return selectors.consumption_queries_visible(self.principal)

    def represent(self, obj, ctx):
        return representations.query_usage_consumption(obj, ctx)

    def perform_create(self, ask):
        return consumption_query_create(self.principal, ask, now=timezone.now())

    def perform_destroy(self, obj):
        consumption_query_delete(obj)
