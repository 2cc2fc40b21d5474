from django.contrib import admin, messages

from overlay import services
from overlay.models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Clients are created with ``manage.py create_api_client`` (the token is shown once there)."""

    list_display = ("name", "channel", "scopes", "token_prefix", "is_active", "created_at")
    list_filter = ("channel", "is_active")
    search_fields = ("name", "token_prefix")
    readonly_fields = ("name", "channel", "scopes", "token_prefix", "created_at", "is_active")
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: listeners and idempotency records name it

    # Revoking kills the application and every customer token it issued: a change, not a look.
    @admin.action(description="Revoke selected clients' tokens", permissions=["change"])
    def revoke(self, request, queryset):
        for client in queryset:
            services.api_client_revoke(client)
        self.message_user(request, f"{queryset.count()} client(s) revoked.", messages.SUCCESS)
