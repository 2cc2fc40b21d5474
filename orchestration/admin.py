from django.contrib import admin

from orchestration.models import EventSubscription


@admin.register(EventSubscription)
class EventSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("api", "callback", "query", "owner", "created_at")
    list_filter = ("api",)
    search_fields = ("callback", "owner")
