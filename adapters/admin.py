"""Operators' view of back-office systems, sync runs and quarantined records."""

import json

from django.contrib import admin, messages

from adapters.models import BackOfficeSystem, QuarantinedRecord, SyncCursor, SyncRun
from adapters.sync import quarantine_retry, streams_in_order
from adapters.tasks import sync_stream_task


@admin.register(BackOfficeSystem)
class BackOfficeSystemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "adapter", "base_url", "sync_every_seconds", "enabled")
    list_filter = ("enabled",)
    search_fields = ("code", "name")
    actions = ("sync_now",)

    @admin.action(description="Pull changes now", permissions=["change"])
    def sync_now(self, request, queryset):
        for system in queryset:
            for stream in streams_in_order(system):
                sync_stream_task.delay(system.pk, stream)
        self.message_user(request, "Sync started; see Sync runs.", messages.SUCCESS)


@admin.register(SyncCursor)
class SyncCursorAdmin(admin.ModelAdmin):
    list_display = ("system", "stream", "cursor", "updated_at")
    list_filter = ("system",)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "system",
        "stream",
        "kind",
        "status",
        "fetched",
        "created",
        "updated",
        "unchanged",
        "quarantined",
    )
    list_filter = ("status", "kind", "system")
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(admin.ModelAdmin):
    list_display = ("created_at", "system", "stream", "external_id", "error", "resolved_at")
    list_filter = ("system", "stream", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("external_id", "error")
    readonly_fields = ("system", "stream", "external_id", "payload_", "error", "run", "created_at", "resolved_at")
    exclude = ("payload",)
    actions = ("retry",)

    @admin.display(description="payload")
    def payload_(self, record):
        # As JSON with every non-ASCII character escaped: a sloppy record (a lone surrogate) still shows.
        return json.dumps(record.payload, ensure_ascii=True, sort_keys=True, indent=1)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retry selected records (after fixing the mapping)", permissions=["change"])
    def retry(self, request, queryset):
        fixed = sum(quarantine_retry(record) for record in queryset.filter(resolved_at__isnull=True))
        self.message_user(request, f"{fixed} record(s) imported; the others stay quarantined.", messages.INFO)
