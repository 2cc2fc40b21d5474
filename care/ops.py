"""Housekeeping of ticket hand-offs (``overlay.registry``)."""

from datetime import datetime

from django.conf import settings

from care.models import TicketHandoff
from overlay import registry
from overlay.housekeeping import cutoff, delete_in_batches


@registry.housekeeping("expiredTicketHandoffs")
def expired_ticket_handoffs(now: datetime) -> int:
    """Ticket hand-offs (claimed or not) whose code expired more than ``HANDOFF_RETENTION_SECONDS`` ago, as
    carts' hand-offs: the note a customer left with the code is not kept longer than it serves. The ticket
    stays, with its notes and history."""
    return delete_in_batches(
        TicketHandoff.objects.filter(expires_at__lt=cutoff(now, settings.HANDOFF_RETENTION_SECONDS))
    )
