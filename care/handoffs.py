"""Ticket hand-off: a customer who started a ticket in the app reads a code to an agent, who takes it over.

The same codes as carts' (``overlay.handoff_codes``): 8 characters, only their hash kept, single use,
short-lived, claims rate-limited per application and per code; a wrong, expired, used or foreign code
gets one answer. Claiming puts the hand-off on the ticket (a note, an event) and in the customer's history.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from care import events
from care.models import TicketHandoff, TicketNote, TroubleTicket
from care.selectors import tickets_visible
from care.states import FINAL
from cart.errors import HandoffInvalid
from customers.services import interaction_record
from overlay.errors import Conflict, NotFound
from overlay.handoff_codes import code_hash, mark_claimed, new_code, normalise_code, still_open, well_formed
from overlay.principal import Principal

INVALID = "This hand-off code is not valid: it may be mistyped, expired or already used. Ask for a new one."


@dataclass(frozen=True)
class CreatedTicketHandoff:
    handoff: TicketHandoff
    code: str


def ticket_handoff_create(ticket_id: str, principal: Principal, note: str = "") -> CreatedTicketHandoff:
    """Hand an open ticket the caller may see (and change) to another channel: a single-use code."""
    with transaction.atomic():
        ticket = tickets_visible(principal).select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound(f"No TroubleTicket with id '{ticket_id}'.")
        if ticket.status in FINAL:
            raise Conflict(f"The ticket is {ticket.status}: there is nothing to hand off.")
        code = new_code()
        handoff = TicketHandoff.objects.create(
            ticket=ticket,
            code_hash=code_hash(code),
            note=note[:500],
            from_channel=principal.channel,
            created_by=principal.actor,
            expires_at=timezone.now() + timedelta(seconds=settings.HANDOFF_SECONDS),
        )
        interaction_record(
            customer_id=ticket.customer_id,
            channel=principal.channel,
            actor=principal.actor,
            kind="trouble-ticket",
            summary=f"Ticket {ticket.pk} handed off from {principal.channel}.",
        )
    return CreatedTicketHandoff(handoff, code)


def _claimable_by(ticket: TroubleTicket, principal: Principal) -> bool:
    if principal.customer_id is not None:
        return ticket.customer_id == principal.customer_id
    return principal.has_scope("tickets:write")


def ticket_handoff_claim(raw_code: str, principal: Principal) -> TicketHandoff:
    """Take over a handed-off ticket: once, before it expires, if the claimer may work on it."""
    code = normalise_code(raw_code)
    if not well_formed(code):
        raise HandoffInvalid(INVALID)
    with transaction.atomic():
        handoff = (
            TicketHandoff.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .filter(code_hash=code_hash(code))
            .first()
        )
        now = timezone.now()
        if not still_open(handoff, now) or not _claimable_by(handoff.ticket, principal):
            raise HandoffInvalid(INVALID)
        mark_claimed(handoff, principal, now)
        handoff.save(update_fields=["claimed_at", "claimed_by", "claimed_channel"])
        ticket = handoff.ticket
        said = f": {handoff.note}" if handoff.note else ""
        TicketNote.objects.create(
            ticket=ticket,
            author=principal.actor,
            text=f"Handed off from {handoff.from_channel}, taken over in {principal.channel}{said}",
        )
        ticket.save(update_fields=["updated_at"])
        events.ticket_attributes_changed(ticket, ["note"])
        interaction_record(
            customer_id=ticket.customer_id,
            channel=principal.channel,
            actor=principal.actor,
            kind="trouble-ticket",
            summary=f"Ticket {ticket.pk}: hand-off from {handoff.from_channel} claimed in {principal.channel}.",
        )
    return handoff
