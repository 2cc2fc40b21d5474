from django.contrib import admin

from orchestration.models import EventSubscription, ProductOrder, ProductOrderItem


@admin.register(EventSubscription)
class EventSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("api", "callback", "query", "owner", "created_at")
    list_filter = ("api",)
    search_fields = ("callback", "owner")


class ProductOrderItemInline(admin.TabularInline):
    model = ProductOrderItem
    extra = 0
    fields = ("item_id", "action", "offering_name", "quantity", "characteristics", "state")
    readonly_fields = fields
    can_delete = False


@admin.register(ProductOrder)
class ProductOrderAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "state", "channel", "created_by", "order_date")
    list_filter = ("state", "channel")
    search_fields = ("=id", "=external_id", "customer__family_name", "customer__email")
    list_select_related = ("customer",)
    readonly_fields = (
        "id",
        "customer",
        "cart_id",
        "channel",
        "created_by",
        "state",
        "state_reason",
        "description",
        "external_id",
        "order_total_price",
        "order_date",
        "completion_date",
        "last_update",
    )
    exclude = ("note", "priority")
    inlines = (ProductOrderItemInline,)

    def has_add_permission(self, request):
        return False  # orders come from checkout (or the API), never typed in

    def has_delete_permission(self, request, obj=None):
        return False
