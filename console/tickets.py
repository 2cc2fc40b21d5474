"""Trouble tickets in the 360° and the console: the customer's tickets with their state, and the agent's
ticket page (open one for a held product, add notes, change it, claim a hand-off code).

Every action goes through ``care``'s services, as the API's do, acting in the call-centre channel.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from care import handoffs, selectors, services
from care.api.representations import ticket_href, trouble_ticket
from care.models import TroubleTicket
from care.states import CALLER_TRANSITIONS, FINAL
from knowledge.models import TicketCategory
from overlay.api.principal import principal_of
from overlay.api.representation import timestamp
from overlay.api.views import RepresentationContext
from overlay.errors import DomainError
from overlay.principal import Principal

TICKETS_SCOPE = "tickets:read"


def tickets_part(principal: Principal, customer_id: str, ctx) -> dict:
    """The 360°'s ``troubleTicket``: the customer's latest tickets with their state (callers with tickets:read)."""
    if not principal.has_scope(TICKETS_SCOPE):
        return {}
    return {
        "troubleTicket": [
            {
                "id": t.pk,
                "href": ticket_href(ctx, t.pk),
                "name": t.name,
                "status": t.status,
                "ticketType": t.category.code,
                "severity": t.severity,
                "product": {"id": t.held_product_id, "name": t.held_product.name},
                "creationDate": timestamp(t.created_at),
                "lastUpdate": timestamp(t.updated_at),
            }
            for t in selectors.tickets_of(principal, customer_id)
        ]
    }


def ticket_categories() -> list[TicketCategory]:
    return list(TicketCategory.objects.order_by("name"))


def _principal(request, scope: str = TICKETS_SCOPE) -> Principal:
    principal = principal_of(request)
    if principal is None or not principal.has_scope(TICKETS_SCOPE) or not principal.has_scope(scope):
        raise PermissionDenied
    return principal


def _ticket(principal: Principal, ticket_id: str) -> TroubleTicket:
    ticket = selectors.tickets_with_related(selectors.tickets_visible(principal).filter(pk=ticket_id)).first()
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def console_ticket(request, ticket_id: str, admin_site):
    principal = _principal(request)
    ticket = _ticket(principal, ticket_id)
    context = {
        **admin_site.each_context(request),
        "title": ticket.name,
        "ticket": ticket,
        "body": trouble_ticket(ticket, RepresentationContext(request)),
        "open": ticket.status not in FINAL,
        "moves": sorted(CALLER_TRANSITIONS.get(ticket.status, ())),
        "severities": TroubleTicket.Severity.values,
        "can_write": principal.has_scope("tickets:write"),
    }
    return TemplateResponse(request, "console/ticket.html", context)


@require_POST
def console_ticket_open(request, customer_id: str, admin_site):
    """Open a ticket for a product the customer holds, as they describe the fault on the phone."""
    principal = _principal(request, "tickets:write")
    try:
        ticket = services.ticket_open(
            principal,
            services.TicketInput(
                held_product_id=request.POST.get("product", ""),
                category_code=request.POST.get("category", ""),
                description=request.POST.get("description", "").strip(),
                severity=request.POST.get("severity", TroubleTicket.Severity.MINOR),
                customer_id=customer_id,
            ),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("admin:customer-console-customer", customer_id)
    messages.success(request, f"Ticket opened; it goes to {ticket.system}.")
    return redirect("admin:care-console-ticket", ticket.pk)


@require_POST
def console_ticket_change(request, ticket_id: str, action: str, admin_site):
    """Add a note, or change the status or severity; errors in words, nothing half-done."""
    principal = _principal(request, "tickets:write")
    _ticket(principal, ticket_id)  # 404 for a ticket the agent may not see
    try:
        if action == "note":
            services.ticket_note_add(ticket_id, principal, request.POST.get("text", ""))
        elif action == "update":
            changes = services.TicketChanges(
                status=request.POST.get("status") or None,
                severity=request.POST.get("severity") or None,
                status_change_reason=request.POST.get("reason", "").strip() or None,
            )
            services.ticket_update_locked(ticket_id, principal, changes)
        else:
            raise Http404("Unknown action.")
        messages.success(request, "Saved; the customer's channels are told.")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("admin:care-console-ticket", ticket_id)


@require_POST
def console_ticket_claim(request, admin_site):
    """The "claim ticket hand-off" box: the code the customer reads out from the app."""
    principal = _principal(request, "tickets:write")
    try:
        handoff = handoffs.ticket_handoff_claim(request.POST.get("code", ""), principal)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("admin:customer-console")
    messages.success(request, f"Ticket hand-off from {handoff.from_channel} claimed.")
    return redirect("admin:care-console-ticket", handoff.ticket_id)
