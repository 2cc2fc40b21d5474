"""TMF621 events of trouble tickets, as listeners of troubleTicket receive them, published in the
changing service's transaction (``events.services.publish``); delivered in order per ticket.

Bodies are the API's representation with hrefs on the public base URL and personal data masked
(``EventHrefs`` has no principal); a listener gets a ticket's events only if its principal may see it.
"""

from care.api.representations import trouble_ticket
from care.models import TroubleTicket
from care.selectors import tickets_visible, tickets_with_related
from events.services import EventHrefs, publish
from overlay.tmf import TROUBLE_TICKET

CREATE = "TroubleTicketCreateEvent"
STATUS_CHANGE = "TroubleTicketStatusChangeEvent"
ATTRIBUTE_CHANGE = "TroubleTicketAttributeValueChangeEvent"
RESOLVED = "TroubleTicketResolvedEvent"
DELETE = "TroubleTicketDeleteEvent"


def _publish(ticket: TroubleTicket, event_type: str, **extra) -> None:
    loaded = tickets_with_related(TroubleTicket.objects.filter(pk=ticket.pk)).get()
    ticket_id = ticket.pk
    publish(
        api=TROUBLE_TICKET.name,
        event_type=event_type,
        resource_type="TroubleTicket",
        resource_id=ticket_id,
        event={"troubleTicket": trouble_ticket(loaded, EventHrefs()), **extra},
        visible_to=lambda principal: tickets_visible(principal).filter(pk=ticket_id).exists(),
    )


def ticket_created(ticket: TroubleTicket) -> None:
    _publish(ticket, CREATE)


def ticket_status_changed(ticket: TroubleTicket) -> None:
    _publish(ticket, STATUS_CHANGE)


def ticket_resolved(ticket: TroubleTicket) -> None:
    _publish(ticket, RESOLVED)


def ticket_attributes_changed(ticket: TroubleTicket, attributes: list[str]) -> None:
    """``attributes``: what changed, as TMF621 names it (``fieldPath`` of the event)."""
    names = {"requested_resolution_date": "requestedResolutionDate"}
    _publish(ticket, ATTRIBUTE_CHANGE, fieldPath=",".join(names.get(a, a) for a in attributes))


def ticket_deleted(ticket: TroubleTicket) -> None:
    _publish(ticket, DELETE)
