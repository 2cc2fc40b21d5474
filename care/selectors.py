"""Read queries on trouble tickets, each scoped to what the caller may see."""

from django.db.models import Prefetch, QuerySet

from care.models import TicketNote, TicketStatusChange, TroubleTicket
from care.states import OPEN
from customers.models import HeldProduct
from overlay.principal import Principal


def tickets_visible(principal: Principal | None) -> QuerySet[TroubleTicket]:
    """A customer sees their own tickets; agents and applications holding tickets:read see all."""
    if principal is None:
        return TroubleTicket.objects.none()
    if principal.customer_id is not None:
        return TroubleTicket.objects.filter(customer_id=principal.customer_id)
    if principal.has_scope("tickets:read"):
        return TroubleTicket.objects.all()
    return TroubleTicket.objects.none()


def tickets_with_related(tickets: QuerySet[TroubleTicket]) -> QuerySet[TroubleTicket]:
    """Everything a TMF621 representation reads, in three queries for any number of tickets."""
    return tickets.select_related("customer", "held_product", "category").prefetch_related(
        Prefetch("notes", queryset=TicketNote.objects.order_by("id")),
        Prefetch("status_changes", queryset=TicketStatusChange.objects.order_by("id")),
    )


def ticketable_products(principal: Principal | None) -> QuerySet[HeldProduct]:
    """The held products this caller may open a ticket about: a customer their own, a ticket writer any."""
    if principal is None:
        return HeldProduct.objects.none()
    if principal.customer_id is not None:
        return HeldProduct.objects.filter(customer_id=principal.customer_id)
    if principal.has_scope("tickets:write"):
        return HeldProduct.objects.all()
    return HeldProduct.objects.none()


def tickets_of(principal: Principal | None, customer_id: str, limit: int = 20) -> list[TroubleTicket]:
    """A customer's latest tickets the caller may see, open ones first (the 360° view)."""
    rows = list(
        tickets_visible(principal)
        .filter(customer_id=customer_id)
        .select_related("held_product", "category")
        .order_by("-created_at")[:limit]
    )
    return sorted(rows, key=lambda t: t.status not in OPEN)


def open_tickets_routed() -> QuerySet[TroubleTicket]:
    """Tickets a back-office system works on and that may still change there (polled by the beat job)."""
    return TroubleTicket.objects.filter(routing=TroubleTicket.Routing.ROUTED, status__in=OPEN).exclude(external_id="")
