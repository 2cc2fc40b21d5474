"""The order console: orders with their task graph and timeline (events and deliveries: ``events.admin``).

Agents look; supervisors (``orchestration.supervise_productorder``) may also retry, cancel and
complete by hand. Every action goes through ``orchestration.services`` and lands on the timeline.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from orchestration import services
from orchestration.models import FulfilmentTask, ProductOrder, ProductOrderItem
from orchestration.selectors import task_graph
from overlay.errors import DomainError

SUPERVISE = "orchestration.supervise_productorder"


class ProductOrderItemInline(admin.TabularInline):
    model = ProductOrderItem
    extra = 0
    fields = ("item_id", "action", "offering_name", "quantity", "characteristics", "state", "held_product")
    readonly_fields = fields
    can_delete = False


@admin.register(ProductOrder)
class ProductOrderAdmin(admin.ModelAdmin):
    list_display = ("id", "customer", "category", "state", "channel", "created_by", "order_date")
    list_filter = ("state", "category", "channel", "undoing")
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
        "undoing",
        "description",
        "external_id",
        "order_total_price",
        "order_date",
        "completion_date",
        "cancellation_reason",
        "last_update",
    )
    exclude = ("note", "priority")
    inlines = (ProductOrderItemInline,)
    change_form_template = "admin/orchestration/productorder/change_form.html"

    def has_add_permission(self, request):
        return False  # orders come from checkout (or the API), never typed in

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # orders change through fulfilment and the supervisor actions below

    def get_urls(self):
        supervise = self.admin_site.admin_view(self.supervise_view)
        return [
            path("<str:order_id>/supervise/<str:action>/", supervise, name="orchestration_productorder_supervise"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = get_object_or_404(ProductOrder, pk=object_id)
        extra = {
            "graph": task_graph(order),
            "timeline": list(order.timeline.order_by("at", "id")),
            "may_supervise": request.user.has_perm(SUPERVISE),
            "actions_urls": {
                a: reverse("admin:orchestration_productorder_supervise", args=[order.pk, a])
                for a in ("retry", "cancel", "complete")
            },
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    @staticmethod
    @require_POST
    def supervise_view(request, order_id: str, action: str):
        if not request.user.has_perm(SUPERVISE):
            raise PermissionDenied("Only supervisors may retry, cancel or complete orders.")
        actor = f"supervisor:{request.user.get_username()}"
        reason = request.POST.get("reason", "").strip()
        try:
            if action == "retry":
                count = services.order_retry(order_id, actor=actor)
                messages.success(request, f"{count} tasks sent again.")
            elif action == "cancel":
                services.order_cancel(order_id, reason=reason or "cancelled by a supervisor", actor=actor)
                messages.success(request, "The order is being cancelled; what was done is being undone.")
            elif action == "complete":
                services.order_force_complete(order_id, actor=actor, reason=reason)
                messages.success(request, "The order was completed by hand.")
            else:
                raise PermissionDenied("Unknown action.")
        except DomainError as error:
            messages.error(request, str(error))
        return redirect("admin:orchestration_productorder_change", order_id)


@admin.register(FulfilmentTask)
class FulfilmentTaskAdmin(admin.ModelAdmin):
    """Tasks change through fulfilment and the supervisors' actions on their order."""

    list_display = ("reference", "system", "task", "state", "attempts", "next_attempt_at", "last_error")
    list_filter = ("state", "system")
    search_fields = ("=reference", "=order__id")
    readonly_fields = [f.name for f in FulfilmentTask._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
