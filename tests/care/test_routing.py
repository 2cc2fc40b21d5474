"""Tickets routed to the simulated systems over HTTP, followed there by poll and by push."""

import json
import time
from urllib.request import Request, urlopen

import pytest

from adapters.contracts import TicketState
from care import routing, services
from care.models import TroubleTicket
from events.models import OutboxEvent
from overlay.principal import CustomerUser, Principal
from overlay.signing import timestamped_signature
from tests.factories.care import categories
from tests.factories.customers import HeldProductFactory
from tests.tmf import assert_tmf_error, rows_in_database


def as_customer(customer, channel="mobile") -> Principal:
    user = CustomerUser(client_id=1, name="app", channel=channel, scopes=frozenset(), customer_id=customer.pk)
    return Principal(key=user.pk, channel=channel, user=user)


def open_ticket(product, category="no-service") -> TroubleTicket:
    categories()  # a transactional test starts from empty tables
    return services.ticket_open(
        as_customer(product.customer),
        services.TicketInput(
            held_product_id=product.pk, category_code=category, description="No internet.", severity="major"
        ),
    )


def events_of(ticket) -> list[str]:
    return list(OutboxEvent.objects.filter(resource_id=ticket.pk).order_by("seq").values_list("event_type", flat=True))


def desk(simulator) -> list[dict]:
    return json.loads(urlopen(f"{simulator.url}/_control/tickets", timeout=5).read())["tickets"]


@pytest.mark.django_db
def test_a_fibre_fault_goes_to_the_fixed_system_with_its_open_incidents(systems, simulator):
    ticket = open_ticket(HeldProductFactory(system="fixed", external_id="LINE-7"))
    assert routing.ticket_route(ticket.pk) == "routed"
    ticket.refresh_from_db()
    assert ticket.routing == TroubleTicket.Routing.ROUTED and ticket.external_id == "FIX-000001"
    assert ticket.status == TroubleTicket.Status.ACKNOWLEDGED and ticket.external_version == 1
    assert any("INC-FIX-1" in note.text for note in ticket.notes.all())
    (sent,) = desk(simulator)
    assert sent["system"] == "fixed" and sent["product"]["id"] == "LINE-7" and sent["category"] == "no-service"
    assert routing.ticket_route(ticket.pk) == "nothing to do"  # routed once
    assert desk(simulator)[0]["submits"] == 1
    assert events_of(ticket) == ["TroubleTicketCreateEvent", "TroubleTicketAttributeValueChangeEvent"]


@pytest.mark.django_db
def test_the_poll_brings_the_systems_progress_once(systems, simulator):
    ticket = open_ticket(HeldProductFactory(system="mobile"))
    routing.ticket_route(ticket.pk)
    simulator.control("tickets", {"reference": ticket.pk, "state": "WIP", "note": "Checking the cell."})
    simulator.control("tickets", {"reference": ticket.pk, "state": "RSLV", "note": "Cell restarted."})
    assert routing.tickets_poll()["changed"] == 1
    ticket.refresh_from_db()
    assert ticket.status == TroubleTicket.Status.RESOLVED and ticket.resolution_date is not None
    assert ticket.status_change_reason == "Cell restarted."
    texts = [n.text for n in ticket.notes.all()]
    assert texts[-2:] == ["Checking the cell.", "Cell restarted."]
    assert routing.tickets_poll()["changed"] == 0  # nothing new: nothing happens
    assert events_of(ticket)[-3:] == [
        "TroubleTicketAttributeValueChangeEvent",
        "TroubleTicketStatusChangeEvent",
        "TroubleTicketResolvedEvent",
    ]


@pytest.mark.django_db
def test_an_older_report_changes_nothing(systems, simulator):
    ticket = open_ticket(HeldProductFactory(system="fixed"))
    routing.ticket_route(ticket.pk)
    simulator.control("tickets", {"reference": ticket.pk, "state": "RSLV", "note": "Fixed."})
    routing.tickets_poll()
    before = rows_in_database()
    stale = TicketState(reference=ticket.pk, external_id="FIX-000001", status="inProgress", version=1)
    assert routing.ticket_report_apply("fixed", stale) is False
    assert rows_in_database() == before
    ticket.refresh_from_db()
    assert ticket.status == TroubleTicket.Status.RESOLVED


@pytest.mark.django_db
def test_a_system_in_trouble_is_retried_then_routed(systems, simulator):
    ticket = open_ticket(HeldProductFactory(system="fixed"))
    simulator.control("faults", {"system": "fixed", "fail_next": 4})  # the client's own retries take 4
    assert routing.ticket_route(ticket.pk) == "retrying"
    ticket.refresh_from_db()
    assert ticket.routing == TroubleTicket.Routing.PENDING and ticket.routing_attempts == 1
    assert ticket.next_attempt_at is not None
    time.sleep(0.05)  # the retry's back-off in tests is milliseconds
    assert routing.tickets_poll()["rerouted"] == 1
    ticket.refresh_from_db()
    assert ticket.routing == TroubleTicket.Routing.ROUTED


@pytest.mark.django_db
def test_a_system_that_is_not_connected_leaves_the_ticket_with_the_agents(systems):
    ticket = open_ticket(HeldProductFactory(system="legacy-dsl"))
    assert routing.ticket_route(ticket.pk) == "failed"
    ticket.refresh_from_db()
    assert ticket.routing == TroubleTicket.Routing.FAILED and "not connected" in ticket.routing_error
    assert "Not handed to legacy-dsl" in ticket.notes.last().text


def signed(body: dict, secret: str = "push-secret") -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, timestamped_signature(secret, raw, int(time.time()))


@pytest.mark.django_db
def test_an_unsigned_or_malformed_push_is_refused(anonymous, systems):
    before = rows_in_database()
    url = "/api/v1/backoffice/fixed/tickets"
    raw, _ = signed({"tickets": []})
    assert_tmf_error(anonymous.generic("POST", url, raw, content_type="application/json"), 401)
    raw, header = signed({"tickets": "nope"})
    response = anonymous.generic("POST", url, raw, content_type="application/json", HTTP_X_SIGNATURE=header)
    assert_tmf_error(response, 422)
    raw, header = signed({"tickets": []}, secret="wrong")
    response = anonymous.generic("POST", url, raw, content_type="application/json", HTTP_X_SIGNATURE=header)
    assert_tmf_error(response, 401)
    assert rows_in_database() == before


@pytest.mark.django_db(transaction=True)
def test_the_system_pushes_its_progress_over_http(live_server, systems, simulator):
    ticket = open_ticket(HeldProductFactory(system="fixed"))
    routing.ticket_route(ticket.pk)
    simulator.control(
        "webhook", {"url": f"{live_server.url}/api/v1/backoffice/{{system}}/events", "secret": "push-secret"}
    )
    simulator.control("tickets", {"reference": ticket.pk, "state": "RSLV", "note": "Splice repaired."})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and TroubleTicket.objects.get(pk=ticket.pk).status != "resolved":
        time.sleep(0.05)
    ticket.refresh_from_db()
    assert ticket.status == TroubleTicket.Status.RESOLVED
    assert ticket.notes.filter(text="Splice repaired.", external_id__startswith="FIX-").count() == 1
    # A replay of the same news (the poll after the push) changes nothing.
    assert routing.tickets_poll()["changed"] == 0


def test_the_simulator_refuses_a_ticket_without_reference(simulator):
    request = Request(
        f"{simulator.url}/fixed/tickets",
        data=b"{}",
        headers={"X-Api-Key": "test-simulator-key", "Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(OSError) as refused:
        urlopen(request, timeout=5)
    assert refused.value.code == 400


@pytest.mark.django_db
def test_a_ticket_the_system_could_not_take_tells_the_customer_no_internals(
    systems, simulator, settings, customer_client
):
    """Before: the note on a ticket left with the agents carried the adapter's error (the system's internal paths,
    the HTTP client's exception) to the customer's channels and to the ticket's listeners."""
    settings.TICKET_ROUTE_MAX_ATTEMPTS = 1
    ticket = open_ticket(HeldProductFactory(system="fixed"))
    simulator.control("faults", {"system": "fixed", "fail_next": 4})  # the client's own retries take 4
    assert routing.ticket_route(ticket.pk) == "failed"
    ticket.refresh_from_db()
    assert "/fixed/" in ticket.routing_error  # the agents' console still says what went wrong
    body = customer_client(ticket.customer).get(f"/tmf-api/troubleTicket/v4/troubleTicket/{ticket.pk}").json()
    assert [n["text"] for n in body["note"]] == ["Not handed to fixed: Overlay's agents take this ticket over."]
    event = OutboxEvent.objects.filter(resource_id=ticket.pk).order_by("seq").last()
    assert ticket.routing_error not in json.dumps(event.payload)
