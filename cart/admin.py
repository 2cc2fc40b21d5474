"""Carts in the admin: a read-only list that leads to the console's cart page, where agents edit."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from cart.models import CartEvent, Handoff, ShoppingCart


class CartEventInline(admin.TabularInline):
    model = CartEvent
    extra = 0
    fields = ("at", "channel", "actor", "kind", "summary")
    readonly_fields = fields
    can_delete = False


@admin.register(ShoppingCart)
class ShoppingCartAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "status", "channel", "updated_at", "expires_at", "console")
    list_filter = ("status", "channel")
    search_fields = ("=id", "customer__family_name", "customer__email", "=order_id")
    list_select_related = ("customer",)
    readonly_fields = (
        "id",
        "customer",
        "status",
        "channel",
        "version",
        "order_id",
        "merged_into",
        "created_at",
        "updated_at",
        "expires_at",
        "checked_out_at",
        "console",
    )
    exclude = ("secret_hash", "contact_medium")
    inlines = (CartEventInline,)

    @admin.display(description="Console")
    def console(self, cart):
        return format_html('<a href="{}">Open in the console</a>', reverse("admin:cart-console-cart", args=[cart.pk]))

    def has_add_permission(self, request):
        return False  # carts start from the customer's 360° page, through the services

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # a cart is thrown away through the services (the API, the console): recorded, published


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ("cart", "from_channel", "created_by", "created_at", "expires_at", "claimed_at", "claimed_channel")
    list_filter = ("from_channel", "claimed_channel")
    readonly_fields = [f.name for f in Handoff._meta.fields if f.name != "code_hash"]
    exclude = ("code_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
