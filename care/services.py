"""Domain actions on trouble tickets: open, change, note, delete, and what the back-office system reports.

Each action owns its transaction, records the customer's interaction, publishes its TMF621 events in
the same transaction (``care.events``) and sends its jobs after the commit (``overlay.jobs``).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from adapters.contracts import TicketState
from care import events
from care.enrichment import related_entities
from care.models import TicketNote, TicketStatusChange, TroubleTicket
from care.selectors import ticketable_products
from care.states import FINAL, OPEN, caller_may_move
from customers.services import interaction_record
from knowledge import services as knowledge
from knowledge.models import TicketCategory
from overlay.errors import Conflict, UnprocessableEntity
from overlay.jobs import enqueue
from overlay.principal import Principal

ROUTE_TICKET = "care.tasks.route_ticket_task"
# A category answered by another system than the product's own: a bill is the billing system's business.
CATEGORY_SYSTEMS = {"billing-question": "crm"}
MAX_NOTES_PER_CHANGE = 20
MAX_TEXT = 4000  # a description or a note, as TMF621's input takes them


@dataclass(frozen=True)
class TicketInput:
    """A ticket as a channel or an agent opens it (domain words; the API maps TMF621 onto these)."""

    held_product_id: str
    category_code: str
    description: str
    severity: str
    name: str = ""
    priority: str = TroubleTicket.Priority.MEDIUM
    customer_id: str | None = None  # relatedParty, when the caller names one
    requested_resolution_date: datetime | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _category(code: str) -> TicketCategory:
    category = TicketCategory.objects.filter(code=code).first()
    if category is None:
        raise UnprocessableEntity(f"there is no ticket category '{code}'.", field="category")
    return category


def _checked_words(severity: str | None, priority: str | None, description: str | None, notes: tuple[str, ...]) -> None:
    """What every caller (the API, the console's forms) may give a ticket: known severities and priorities,
    texts with something in them and not over ``MAX_TEXT``."""
    if severity is not None and severity not in TroubleTicket.Severity.values:
        raise UnprocessableEntity(f"severity is one of {', '.join(TroubleTicket.Severity.values)}.", field="severity")
    if priority is not None and priority not in TroubleTicket.Priority.values:
        raise UnprocessableEntity(f"priority is one of {', '.join(TroubleTicket.Priority.values)}.", field="priority")
    texts = [("description", description)] if description is not None else []
    for name, text in [*texts, *(("note", note) for note in notes)]:
        if not text.strip() or len(text) > MAX_TEXT or "\x00" in text:
            raise UnprocessableEntity(f"a {name} has some text, at most {MAX_TEXT} characters.", field=name)


def _status_change(ticket: TroubleTicket, status: str, reason: str, at: datetime) -> None:
    ticket.status = status
    ticket.status_change_reason = reason[:300]
    ticket.status_changed_at = at
    TicketStatusChange.objects.create(ticket=ticket, status=status, reason=reason[:300], changed_at=at)


@transaction.atomic
def ticket_open(principal: Principal, data: TicketInput) -> TroubleTicket:
    """Open a ticket about a product the customer holds, with what Overlay knows attached, and route it.

    The product must be one the caller may open a ticket about (a customer: their own); a named
    relatedParty must be the product's holder. Routing to the product's system happens in a job.
    """
    product = ticketable_products(principal).filter(pk=data.held_product_id).select_related("customer").first()
    if product is None:
        raise UnprocessableEntity(
            f"there is no product '{data.held_product_id}' you may report.", field="affected_product"
        )
    if data.customer_id is not None and data.customer_id != product.customer_id:
        raise UnprocessableEntity("the product is not held by this customer.", field="customer")
    _checked_words(data.severity, data.priority, data.description, data.notes)
    category = _category(data.category_code)
    now = timezone.now()
    ticket = TroubleTicket(
        customer_id=product.customer_id,
        held_product=product,
        category=category,
        name=(data.name or f"{category.name}: {product.name}")[:200],
        description=data.description,
        severity=data.severity,
        priority=data.priority,
        channel=principal.channel,
        created_by=principal.actor,
        requested_resolution_date=data.requested_resolution_date,
        system=CATEGORY_SYSTEMS.get(category.code, product.system),
        enrichment=related_entities(product, now),
        status=TroubleTicket.Status.ACKNOWLEDGED,
        status_changed_at=now,
        next_attempt_at=now,  # the poll sends it again if the routing job's message is lost
    )
    ticket.save()
    _status_change(ticket, TroubleTicket.Status.ACKNOWLEDGED, f"Opened in {principal.channel}", now)
    TicketNote.objects.bulk_create(TicketNote(ticket=ticket, author=principal.actor, text=t) for t in data.notes)
    interaction_record(
        customer_id=ticket.customer_id,
        channel=principal.channel,
        actor=principal.actor,
        kind="trouble-ticket",
        summary=f"Reported '{category.name}' on {product.name} (ticket {ticket.pk}).",
    )
    # The customer's "that answered my question" on this category, just before, was no deflection after all.
    knowledge.ticket_opened(ticket.customer_id, category.code, now)
    events.ticket_created(ticket)
    enqueue(ROUTE_TICKET, ticket.pk)
    return ticket


@dataclass(frozen=True)
class TicketChanges:
    """What a caller may change on a ticket; absent (None) stays as it is."""

    name: str | None = None
    description: str | None = None
    severity: str | None = None
    priority: str | None = None
    requested_resolution_date: datetime | None = None
    status: str | None = None
    status_change_reason: str | None = None
    notes: tuple[str, ...] = ()


def ticket_update(ticket: TroubleTicket, principal: Principal, changes: TicketChanges) -> TroubleTicket:
    """Change a ticket (locked by the caller): its words, severity, priority, a status the caller may set
    (cancel, close, reopen: ``care.states``), or notes to add. A final ticket changes no more (409)."""
    if ticket.status in FINAL:
        raise Conflict(f"The ticket is {ticket.status}: it changes no more.")
    if len(changes.notes) > MAX_NOTES_PER_CHANGE:
        raise UnprocessableEntity(f"at most {MAX_NOTES_PER_CHANGE} notes at once.", field="notes")
    _checked_words(changes.severity, changes.priority, changes.description, changes.notes)
    if changes.status_change_reason is not None and "\x00" in changes.status_change_reason:
        raise UnprocessableEntity("a reason is text.", field="status_change_reason")
    now = timezone.now()
    changed = []
    for name in ("name", "description", "severity", "priority", "requested_resolution_date"):
        value = getattr(changes, name)
        if value is not None and value != getattr(ticket, name):
            setattr(ticket, name, value)
            changed.append(name)
    old_status = ticket.status
    if changes.status is not None and changes.status != ticket.status:
        if not caller_may_move(ticket.status, changes.status):
            raise Conflict(f"A ticket cannot go from {ticket.status} to {changes.status} this way.", field="status")
        reason = changes.status_change_reason or f"Set to {changes.status} by {principal.actor}"
        _status_change(ticket, changes.status, reason, now)
    for text in changes.notes:
        TicketNote.objects.create(ticket=ticket, author=principal.actor, text=text)
    if changes.notes:
        changed.append("note")
    ticket.save()
    if changed:
        events.ticket_attributes_changed(ticket, changed)
    if ticket.status != old_status:
        events.ticket_status_changed(ticket)
        interaction_record(
            customer_id=ticket.customer_id,
            channel=principal.channel,
            actor=principal.actor,
            kind="trouble-ticket",
            summary=f"Ticket {ticket.pk} {ticket.status}.",
        )
    return ticket


@transaction.atomic
def ticket_update_locked(ticket_id: str, principal: Principal, changes: TicketChanges) -> TroubleTicket:
    """``ticket_update`` on a ticket by id (the console's forms): locked here."""
    return ticket_update(TroubleTicket.objects.select_for_update().get(pk=ticket_id), principal, changes)


@transaction.atomic
def ticket_note_add(ticket_id: str, principal: Principal, text: str) -> TroubleTicket:
    """An agent (or the customer) adds a note to a ticket they may see (``ticket_update``'s rules)."""
    ticket = TroubleTicket.objects.select_for_update().get(pk=ticket_id)
    return ticket_update(ticket, principal, TicketChanges(notes=(text,)))


def ticket_delete(ticket: TroubleTicket, principal: Principal) -> None:
    """Erase a ticket opened by mistake (staff and applications; a customer cancels instead). One a system
    still works on is refused: cancel it first."""
    if principal.customer_id is not None:
        raise Conflict("A customer cancels a ticket (status cancelled) rather than deleting it.")
    if ticket.routing == TroubleTicket.Routing.ROUTED and ticket.status in OPEN:
        raise Conflict(f"{ticket.system} is working on this ticket: cancel it rather than deleting it.")
    events.ticket_deleted(ticket)
    ticket.delete()


def ticket_routed(ticket: TroubleTicket, state: TicketState, incidents: list[str]) -> None:
    """The system took the ticket (locked by the caller): its number there, the faults it has open."""
    ticket.routing = TroubleTicket.Routing.ROUTED
    ticket.external_id = state.external_id
    ticket.routing_error = ""
    for text in incidents:
        TicketNote.objects.create(ticket=ticket, author="Overlay", text=text)
    ticket.save()
    events.ticket_attributes_changed(ticket, ["externalId", *(["note"] if incidents else [])])
    ticket_state_apply(ticket, state)


def ticket_routing_failed(ticket: TroubleTicket, problem: str) -> None:
    """The system refused the ticket for good: it stays with Overlay's agents, who see why (``routing_error``, in
    the console). The note, which the customer reads too, says what happens, not the system's calls and errors."""
    ticket.routing = TroubleTicket.Routing.FAILED
    ticket.routing_error = problem[:300]
    text = f"Not handed to {ticket.system}: Overlay's agents take this ticket over."
    TicketNote.objects.create(ticket=ticket, author="Overlay", text=text)
    ticket.save()
    events.ticket_attributes_changed(ticket, ["note"])


def ticket_state_apply(ticket: TroubleTicket, state: TicketState) -> bool:
    """What the system reports (by poll or push) on a locked ticket; an older or repeated report changes
    nothing. Its status is taken as the system says; its new notes are added once. True when it changed."""
    if state.version <= ticket.external_version:
        return False
    ticket.external_version = state.version
    now = timezone.now()
    known = set(ticket.notes.exclude(external_id="").values_list("external_id", flat=True))
    fresh = [n for n in state.notes if n.external_id not in known]
    TicketNote.objects.bulk_create(
        TicketNote(ticket=ticket, author=n.author or ticket.system, text=n.text, external_id=n.external_id)
        for n in fresh
    )
    changed = ["note"] if fresh else []
    if state.expected_resolution and state.expected_resolution != ticket.expected_resolution_date:
        ticket.expected_resolution_date = state.expected_resolution
        changed.append("expectedResolutionDate")
    old_status = ticket.status
    if state.status != ticket.status and ticket.status not in FINAL:
        _status_change(ticket, state.status, state.reason or f"{ticket.system}: {state.status}", now)
        if state.status == TroubleTicket.Status.RESOLVED:
            ticket.resolution_date = now
    ticket.save()
    if changed:
        events.ticket_attributes_changed(ticket, changed)
    if ticket.status != old_status:
        events.ticket_status_changed(ticket)
        if ticket.status == TroubleTicket.Status.RESOLVED:
            events.ticket_resolved(ticket)
        interaction_record(
            customer_id=ticket.customer_id,
            channel="system",
            actor=ticket.system,
            kind="trouble-ticket",
            summary=f"Ticket {ticket.pk} {ticket.status} in {ticket.system}.",
        )
    return True
