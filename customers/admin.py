"""Customers in the admin: what Overlay knows of each person, read-only, personal data as the viewer may see it.

Nothing here changes a person: contact details change through the console's form or the API
(``customers.services.party_update``: the change is recorded as an interaction and published),
links through the suggestions' actions, products by orders. Personal data (e-mail, phone, birth
date, national id, street, identifying product characteristics) is masked unless the viewer
may see it in full (``overlay.personal_data``: supervisors do, agents do not).
"""

import json

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from customers import linking
from customers.models import BillingAccount, Customer, CustomerLink, HeldProduct, LinkSuggestion
from overlay.admin_site import ViewerAdmin, viewer
from overlay.errors import DomainError
from overlay.personal_data import PersonalData, shown_to


def _shown(customer_id: str) -> PersonalData:
    return shown_to(viewer(), customer_id)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LinkInline(ReadOnlyInline):
    """Each source record, how it was linked and the identifiers it gave: what an agent checks
    before confirming or splitting a suggestion."""

    model = CustomerLink
    fields = ("system", "external_id", "linked_by", "account_ref", "national_id_", "email_", "phone_", "updated_at")
    readonly_fields = fields

    @admin.display(description="national id")
    def national_id_(self, link):
        return _shown(link.customer_id).national_id(link.national_id)

    @admin.display(description="e-mail")
    def email_(self, link):
        return _shown(link.customer_id).email(link.email)

    @admin.display(description="phone")
    def phone_(self, link):
        return _shown(link.customer_id).phone(link.phone)


def _characteristics(product: HeldProduct) -> str:
    shown = _shown(product.customer_id).characteristics(product.characteristics)
    return json.dumps(shown, ensure_ascii=True, sort_keys=True)


class HeldProductInline(ReadOnlyInline):
    model = HeldProduct
    fields = ("system", "name", "status", "characteristics_", "start_date")
    readonly_fields = fields

    @admin.display(description="characteristics")
    def characteristics_(self, product):
        return _characteristics(product)


@admin.register(Customer)
class CustomerAdmin(ViewerAdmin):
    list_display = ("__str__", "email_", "phone_", "postcode", "segment", "status")
    list_filter = ("segment", "status", "kind")
    # Finding a customer by a personal value stays possible; what is shown is masked.
    search_fields = ("family_name", "given_name", "organization_name", "email", "phone", "=id")
    fields = (
        "id",
        "kind",
        "given_name",
        "family_name",
        "organization_name",
        "email_",
        "phone_",
        "birth_date_",
        "national_id_",
        "street_",
        "postcode",
        "city",
        "segment",
        "status",
        "console",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (LinkInline, HeldProductInline)

    def has_add_permission(self, request):
        return False  # parties come from the back office, or through the API's services

    def has_change_permission(self, request, obj=None):
        return False  # contact details change through the console's form (a service), never here

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="e-mail")
    def email_(self, customer):
        return _shown(customer.pk).email(customer.email)

    @admin.display(description="phone")
    def phone_(self, customer):
        return _shown(customer.pk).phone(customer.phone)

    @admin.display(description="birth date")
    def birth_date_(self, customer):
        return _shown(customer.pk).birth_date(customer.birth_date) or ""

    @admin.display(description="national id")
    def national_id_(self, customer):
        return _shown(customer.pk).national_id(customer.national_id)

    @admin.display(description="street")
    def street_(self, customer):
        return _shown(customer.pk).street(customer.street, customer.house_number)

    @admin.display(description="Console")
    def console(self, customer):
        url = reverse("admin:customer-console-customer", args=[customer.pk])
        return format_html('<a href="{}">Open the 360° view (and change contact details there)</a>', url)


@admin.register(BillingAccount)
class BillingAccountAdmin(ViewerAdmin):
    list_display = ("external_id", "customer", "system", "bill_cycle", "payment_method")
    search_fields = ("external_id",)
    list_select_related = ("customer",)
    readonly_fields = ("customer", "system", "external_id", "bill_cycle", "payment_method", "updated_at")
    exclude = ("source_hash",)

    def has_add_permission(self, request):
        return False  # accounts are the billing system's; they arrive by sync

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HeldProduct)
class HeldProductAdmin(ViewerAdmin):
    list_display = ("name", "customer", "system", "status", "start_date")
    list_filter = ("system", "status")
    search_fields = ("external_id", "name")
    list_select_related = ("customer",)
    fields = (
        "customer",
        "system",
        "external_id",
        "name",
        "product_code",
        "status",
        "characteristics_",
        "billing_account_ref",
        "start_date",
        "termination_date",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # products come from the stacks, from orders, or through the API's services

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="characteristics")
    def characteristics_(self, product):
        return _characteristics(product)


@admin.register(LinkSuggestion)
class LinkSuggestionAdmin(ViewerAdmin):
    """Records kept apart because they matched several customers: an agent confirms or splits."""

    list_display = ("customer", "candidate", "reason", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("customer", "candidate")
    readonly_fields = ("customer", "candidate", "reason", "status", "created_at", "decided_at")
    actions = ("confirm", "split")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
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
