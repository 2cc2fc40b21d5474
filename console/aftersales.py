"""The 360°'s after-sales part, and an agent starting a return, an exchange or a repair from the console.

``afterSales``: the customer's returns, exchanges and repairs with their state and money (for callers
holding orders:read). ``afterSalesDevice``: the devices one can be started for now, and the devices
to exchange for (for callers holding orders:write too). Serial numbers are personal data: masked
for who may not see them in full. Constant queries: the orders with their items and products (two);
the devices, their plans and the running after-sales orders (three); the exchange offerings (one).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog.models import FulfilmentStep
from catalog.selectors import offerings_visible
from customers.selectors import customers_visible
from orchestration.aftersales import (
    EXCHANGE,
    ITEM_ACTION,
    aftersales_candidates,
    aftersales_place,
    aftersales_visible,
)
from orchestration.lines import ItemInput
from orchestration.placement import OrderDetails, OrderRequest
from overlay.api.principal import principal_of
from overlay.api.representation import compact, money, timestamp
from overlay.api.views import RepresentationContext
from overlay.errors import DomainError
from overlay.personal_data import shown_to
from overlay.principal import Principal
from overlay.tmf import INVENTORY, ORDERING

READ_SCOPE, WRITE_SCOPE = "orders:read", "orders:write"
SERIAL = "serialNumber"


def _money(terms: dict) -> dict | None:
    for kind in ("refund", "charge"):
        if terms.get(kind):
            return {"kind": kind, "amount": money(terms[kind], terms.get("currency") or "EUR")}
    return None


def _order(order, shown, ctx: RepresentationContext) -> dict:
    return compact(
        {
            "id": order.pk,
            "href": ctx.href(f"{ORDERING.base}/productOrder/{order.pk}"),
            "category": order.category,
            "state": order.state,
            "stateReason": order.state_reason or None,
            "orderDate": timestamp(order.order_date),
            "completionDate": timestamp(order.completion_date),
            "product": [
                compact(
                    {
                        "id": item.held_product_id,
                        "href": ctx.href(f"{INVENTORY.base}/product/{item.held_product_id}"),
                        "name": item.offering_name or (item.held_product.name if item.held_product else None),
                        SERIAL: shown.characteristic(SERIAL, item.characteristics.get(SERIAL, "")) or None,
                        "reason": item.characteristics.get("reason"),
                        "loaner": item.characteristics.get("loaner") == "true" or None,
                        "money": _money(item.characteristics),
                    }
                )
                for item in order.items.all()
            ],
        }
    )


def _devices(principal: Principal, customer_id: str, shown, ctx: RepresentationContext) -> dict:
    exchangeable = FulfilmentStep.objects.filter(actions__contains=EXCHANGE).values("specification_id")
    targets = offerings_visible(principal, timezone.now()).filter(specification_id__in=exchangeable)
    return {
        "afterSalesDevice": [
            compact(
                {
                    "id": c.product.pk,
                    "href": ctx.href(f"{INVENTORY.base}/product/{c.product.pk}"),
                    "name": c.product.name,
                    SERIAL: shown.characteristic(SERIAL, str(c.product.characteristics.get(SERIAL, ""))) or None,
                    "productOffering": {"id": c.product.offering_id},
                    "allowed": list(c.kinds),
                    "returnableUntil": timestamp(c.cooling_off_ends) if "return" in c.kinds else None,
                }
            )
            for c in aftersales_candidates(customer_id)
        ],
        "afterSalesOffering": [{"id": o.pk, "name": o.name} for o in targets.order_by("name").only("id", "name")],
    }


def aftersales_part(principal: Principal, customer_id: str, ctx: RepresentationContext) -> dict:
    """``{"afterSales": [...]}`` (and the devices, for who may start one) for a caller holding orders:read."""
    if not principal.has_scope(READ_SCOPE):
        return {}
    shown = shown_to(principal, customer_id)
    part = {"afterSales": [_order(o, shown, ctx) for o in aftersales_visible(principal, customer_id)]}
    if principal.has_scope(WRITE_SCOPE):
        part.update(_devices(principal, customer_id, shown, ctx))
    return part


class AfterSalesForm(forms.Form):
    """What the customer asks for on the phone: which device, which kind, why; a loaner with a repair."""

    product = forms.CharField(max_length=64)
    kind = forms.ChoiceField(choices=[(k, k) for k in ITEM_ACTION])
    reason = forms.ChoiceField(
        choices=[("changedMind", "changed their mind"), ("faulty", "faulty"), ("damaged", "damaged")]
    )
    loaner = forms.BooleanField(required=False)
    offering = forms.CharField(max_length=64, required=False, help_text="Exchange for (empty: the same device).")

    def request_for(self, customer_id: str) -> OrderRequest:
        data = self.cleaned_data
        terms = {"reason": data["reason"], **({"loaner": "true"} if data["loaner"] else {})}
        line = ItemInput(
            offering_id=data["offering"] or None,
            action=ITEM_ACTION[data["kind"]],
            characteristics=terms,
            held_product_id=data["product"],
        )
        return OrderRequest(
            customer_id=customer_id, items=[line], item_ids=["1"], details=OrderDetails(category=data["kind"])
        )


@require_POST
def console_aftersales(request, customer_id: str, admin_site):
    """An agent starts a return, an exchange or a repair of a customer's device: the same service as TMF622,
    recorded in the customer's history; refusals (outside cooling-off, not repairable...) are shown."""
    principal = principal_of(request)
    if principal is None or not (principal.has_scope("customers:read") and principal.has_scope(WRITE_SCOPE)):
        raise PermissionDenied
    if not customers_visible(principal).filter(pk=customer_id).exists():
        raise Http404("No such customer.")
    form = AfterSalesForm(request.POST)
    if not form.is_valid():
        for field, problems in form.errors.items():
            messages.error(request, f"{field}: {' '.join(problems)}")
        return redirect("admin:customer-console-customer", customer_id)
    try:
        placed = aftersales_place(principal, form.request_for(customer_id))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{placed.order.description.capitalize()} started: order {placed.order.pk}.")
    return redirect("admin:customer-console-customer", customer_id)
