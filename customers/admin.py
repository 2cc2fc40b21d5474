"""Customers in the agents' console (the 360° page comes with the customers issue)."""

from django.contrib import admin, messages

from customers import linking
from customers.models import BillingAccount, Customer, CustomerLink, HeldProduct, LinkSuggestion
from overlay.errors import DomainError


class LinkInline(admin.TabularInline):
    """Each source record, how it was linked and the identifiers it gave: what an agent checks
    before confirming or splitting a suggestion."""

    model = CustomerLink
    extra = 0
    fields = ("system", "external_id", "linked_by", "account_ref", "national_id", "email", "phone", "updated_at")
    readonly_fields = fields
    can_delete = False


class HeldProductInline(admin.TabularInline):
    model = HeldProduct
    extra = 0
    fields = ("system", "name", "status", "characteristics", "start_date")
    readonly_fields = fields
    can_delete = False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "phone", "postcode", "segment", "status")
    list_filter = ("segment", "status", "kind")
    search_fields = ("family_name", "given_name", "organization_name", "email", "phone", "=id")
    inlines = (LinkInline, HeldProductInline)


@admin.register(BillingAccount)
class BillingAccountAdmin(admin.ModelAdmin):
    list_display = ("external_id", "customer", "system", "bill_cycle", "payment_method")
    search_fields = ("external_id",)
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)


@admin.register(HeldProduct)
class HeldProductAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "system", "status", "start_date")
    list_filter = ("system", "status")
    search_fields = ("external_id", "name")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)


@admin.register(LinkSuggestion)
class LinkSuggestionAdmin(admin.ModelAdmin):
    """Records kept apart because they matched several customers: an agent confirms or splits."""

    list_display = ("customer", "candidate", "reason", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("customer", "candidate")
    readonly_fields = ("customer", "candidate", "reason", "status", "created_at", "decided_at")
    actions = ("confirm", "split")

    def has_add_permission(self, request):
        return False

    def _decide(self, request, queryset, decide, verb):
        done = 0
        for suggestion in queryset:
            try:
                decide(suggestion)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{suggestion}: {error.message}", messages.WARNING)
        self.message_user(request, f"{done} suggestion(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Confirm: the same person (merge)", permissions=["change"])
    def confirm(self, request, queryset):
        self._decide(request, queryset, linking.link_suggestion_confirm, "confirmed")

    @admin.action(description="Split: different people", permissions=["change"])
    def split(self, request, queryset):
        self._decide(request, queryset, linking.link_suggestion_split, "split")
