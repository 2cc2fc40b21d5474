"""Who hears about tickets: listeners on troubleTicket need tickets:read, get only the types they ask for,
and a ticket's events are queued in the order they happened."""

import pytest

from care import services
from events.models import EventDelivery
from events.services import subscription_register
from overlay.errors import Forbidden
from tests.factories.care import TroubleTicketFactory
from tests.factories.users import application

pytestmark = pytest.mark.django_db


def listen(scopes, query=""):
    return subscription_register(
        api="troubleTicket", callback="https://93.184.215.14/events", query=query, principal=application(scopes)
    )


def test_listening_needs_tickets_read():
    with pytest.raises(Forbidden):
        listen(["customers:read", "orders:read"])


def test_a_listener_gets_what_it_asks_for_in_order():
    everything = listen(["tickets:read"])
    resolved_only = listen(["tickets:read"], query="eventType=TroubleTicketResolvedEvent")
    ticket = TroubleTicketFactory()
    agent = application(["tickets:read", "tickets:write"], "callcentre")
    services.ticket_update_locked(ticket.pk, agent, services.TicketChanges(notes=("Called back",)))
    services.ticket_update_locked(ticket.pk, agent, services.TicketChanges(status="cancelled"))
    got = EventDelivery.objects.filter(subscription=everything).order_by("event__seq")
    assert [d.event.event_type for d in got] == [
        "TroubleTicketAttributeValueChangeEvent",
        "TroubleTicketStatusChangeEvent",
    ]
    assert {d.resource_key for d in got} == {f"TroubleTicket:{ticket.pk}"}
    assert not EventDelivery.objects.filter(subscription=resolved_only).exists()


def test_a_listener_whose_application_lost_the_scope_gets_nothing():
    listener = listen(["tickets:read"])
    from overlay.models import ApiClient

    ApiClient.objects.filter(pk=int(listener.owner.split(":")[1])).update(scopes=["customers:read"])
    ticket = TroubleTicketFactory()
    services.ticket_update_locked(
        ticket.pk, application(["tickets:read", "tickets:write"]), services.TicketChanges(severity="critical")
    )
    assert not EventDelivery.objects.filter(subscription=listener).exists()
