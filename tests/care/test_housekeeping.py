"""Ticket hand-offs are removed by housekeeping once expired long enough; their tickets stay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from care.models import TicketHandoff, TroubleTicket
from care.ops import expired_ticket_handoffs
from overlay.tasks import housekeeping_task
from tests.factories.care import TroubleTicketFactory

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def test_ticket_hand_offs_go_once_expired_long_enough_claimed_or_not(settings):
    settings.HANDOFF_RETENTION_SECONDS = 7 * 24 * 3600
    now, ticket = timezone.now(), TroubleTicketFactory()

    def handoff(code, expired_days_ago, claimed=False):
        return TicketHandoff.objects.create(
            ticket=ticket,
            code_hash=code,
            note="Rebooted twice",
            from_channel="mobile",
            created_by="x",
            expires_at=now - expired_days_ago * DAY,
            claimed_at=now - 40 * DAY if claimed else None,
        )

    handoff("old", 8), handoff("old-claimed", 8, claimed=True), handoff("recent", 6), handoff("live", -1)
    assert expired_ticket_handoffs(now) == 2
    assert set(TicketHandoff.objects.values_list("code_hash", flat=True)) == {"recent", "live"}
    assert TroubleTicket.objects.filter(pk=ticket.pk).exists()
    assert housekeeping_task.delay().get()["expiredTicketHandoffs"] == 0
