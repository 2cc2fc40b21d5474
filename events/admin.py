"""Listeners, the outbox and deliveries in the console: who listens, what was sent, what failed.

Events are written by the services and never typed in; a delivery that gave up can be sent again.
"""

from django.contrib import admin, messages

from events import dispatch
from events.models import DeliveryAttempt, EventDelivery, EventSubscription, OutboxEvent


@admin.register(EventSubscription)
class EventSubscriptionAdmin(admin.ModelAdmin):
    """Listeners register through the API (scope and callback checked: ``events.services``); here they are
    looked at, or removed."""

    list_display = ("api", "callback", "query", "owner", "created_at")
    list_filter = ("api",)
    search_fields = ("callback", "owner")
    readonly_fields = ("api", "callback", "query", "owner", "created_at")
    exclude = ("secret",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    fields = ("at", "status_code", "error", "duration_ms")
    readonly_fields = fields
    can_delete = False


@admin.register(EventDelivery)
class EventDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "subscription", "state", "attempts", "next_attempt_at", "delivered_at", "last_error")
    list_filter = ("state", "subscription__api")
    search_fields = ("=event__resource_id", "subscription__callback")
    list_select_related = ("event", "subscription")
    readonly_fields = [f.name for f in EventDelivery._meta.fields]
    inlines = (DeliveryAttemptInline,)
    actions = ("redeliver",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # what was sent, and why not, stays on record

    @admin.action(description="Deliver again now", permissions=["change"])
    def redeliver(self, request, queryset):
        count = dispatch.redeliver(queryset)
        messages.success(request, f"{count} deliveries will be tried again.")


class EventDeliveryInline(admin.TabularInline):
    model = EventDelivery
    extra = 0
    fields = ("subscription", "state", "attempts", "next_attempt_at", "delivered_at", "last_error")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "event_type", "resource_type", "resource_id", "created_at")
    list_filter = ("api", "event_type")
    search_fields = ("=resource_id", "=event_id")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    inlines = (EventDeliveryInline,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
