"""Usage in the admin, read-only: records come from the back office and figures from rating.

Agents and supervisors look here when a customer asks about a charge: which records a period
holds, what it came to, which alerts were raised. Nothing changes in a form: spend caps are
set through the API (``usage.services``), metrics and prices in the catalog.
"""

from django.contrib import admin

from usage.models import Consumption, UsageAlert, UsageRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consumption)
class ConsumptionAdmin(ReadOnlyAdmin):
    list_display = ("product", "metric", "period_start", "quantity", "included", "amount", "credit", "currency")
    list_filter = ("metric", "period_start")
    search_fields = ("product__external_id", "=customer__id")
    list_select_related = ("product", "metric")
    raw_id_fields = ("product", "customer", "price")


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    def get_exclude(self, request, obj=None):
        # A record's attributes may name a calling number: only who sees personal data in full sees them.
        return () if request.user.has_perm("customers.view_pii") else ("attributes",)

    list_display = ("external_id", "system", "product", "metric", "quantity", "start", "period_start")
    list_filter = ("system", "metric")
    search_fields = ("=external_id", "product__external_id")
    list_select_related = ("product",)
    raw_id_fields = ("product", "customer", "price")
    show_full_result_count = False  # the largest table: no COUNT(*) on every page


@admin.register(UsageAlert)
class UsageAlertAdmin(ReadOnlyAdmin):
    list_display = ("product", "threshold", "metric", "period_start", "value", "limit", "raised_at")
    list_filter = ("threshold",)
    search_fields = ("product__external_id", "=customer__id")
    list_select_related = ("product",)
    raw_id_fields = ("product", "customer")
