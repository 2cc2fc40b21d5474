"""Trouble tickets in the admin: a read-only list leading to the console's ticket page, where agents work
(notes, status, hand-offs go through ``care.services``, as the API's do). Nothing personal is shown here:
the affected line's number or address is on the console page, masked as the viewer may see it."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from care.models import TroubleTicket


@admin.register(TroubleTicket)
class TroubleTicketAdmin(admin.ModelAdmin):
    list_display = ("name", "console_link", "status", "severity", "system", "routing", "channel", "created_at")
    list_filter = ("status", "system", "routing", "severity")
    search_fields = ("=id", "=customer__id", "=external_id")
    list_select_related = ("category",)
    fields = (
        "console_link",
        "name",
        "description",
        "category",
        "severity",
        "priority",
        "status",
        "status_change_reason",
        "system",
        "external_id",
        "routing",
        "routing_error",
        "channel",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="Ticket")
    def console_link(self, obj):
        return format_html('<a href="{}">Open in the console</a>', reverse("admin:care-console-ticket", args=[obj.pk]))

    def has_add_permission(self, request):
        return False  # agents open tickets from the customer's 360° page, for a product the customer holds

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
