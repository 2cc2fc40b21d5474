"""A ticket started in the app handed to an agent with a code: once, before it expires, rate-limited."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from care.models import TicketHandoff, TroubleTicket
from events.models import OutboxEvent
from overlay.handoff_codes import ALPHABET, code_hash
from tests.factories.care import TroubleTicketFactory
from tests.tmf import assert_tmf_error, rows_in_database

HANDOFFS = "/api/v1/ticket-handoffs"


def claim(client, code):
    return client.post(f"{HANDOFFS}/{code}/claim")


@pytest.fixture
def ticket(db):
    return TroubleTicketFactory(channel="mobile")


@pytest.fixture
def agent(staff_client):
    return staff_client("agent")


def test_the_app_hands_a_ticket_to_an_agent(customer_client, agent, ticket):
    app = customer_client(ticket.customer, "mobile")
    response = app.post(HANDOFFS, {"troubleTicket": {"id": ticket.pk}, "note": "Tried a reboot"}, format="json")
    assert response.status_code == 201, response.content
    code = response.json()["code"]
    assert re.fullmatch(f"[{ALPHABET}]{{8}}", code)
    handoff = TicketHandoff.objects.get(ticket=ticket)
    assert handoff.code_hash == code_hash(code) and code not in str(handoff.__dict__)  # only the hash is kept
    claimed = claim(agent, f"{code[:4].lower()}-{code[4:]}")  # as read out on the phone
    assert claimed.status_code == 200, claimed.content
    body = claimed.json()
    assert body["fromChannel"] == "mobile" and body["note"] == "Tried a reboot"
    assert body["troubleTicket"]["id"] == ticket.pk
    assert "Handed off from mobile, taken over in callcentre: Tried a reboot" in [
        n["text"] for n in body["troubleTicket"]["note"]
    ]
    assert OutboxEvent.objects.filter(resource_id=ticket.pk, event_type="TroubleTicketAttributeValueChangeEvent")
    assert ticket.customer.interactions.filter(summary__contains="claimed in callcentre").exists()
    assert_tmf_error(claim(agent, code), 404)  # single use


def test_expired_foreign_and_wrong_codes_get_one_answer(customer_client, make_client, agent, ticket):
    app = customer_client(ticket.customer, "mobile")
    code = app.post(HANDOFFS, {"troubleTicket": {"id": ticket.pk}}, format="json").json()["code"]
    other = customer_client(TroubleTicketFactory().customer)
    reader = make_client("web", ("tickets:read",))
    before = rows_in_database()
    wrong = assert_tmf_error(claim(agent, "ABCDEFGH"), 404)
    foreign = assert_tmf_error(claim(other, code), 404)  # another customer cannot take it
    assert wrong["message"] == foreign["message"]
    assert_tmf_error(claim(reader, code), 403)  # cannot work on tickets
    TicketHandoff.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_tmf_error(claim(agent, code), 404)
    assert rows_in_database() == before


def test_claims_are_rate_limited_per_code(agent, staff_client, settings, ticket, customer_client):
    code = customer_client(ticket.customer).post(HANDOFFS, {"troubleTicket": {"id": ticket.pk}}, format="json")
    code = code.json()["code"]
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    statuses = [claim(agent, wrong).status_code for _ in range(6)]
    assert statuses[:5] == [404] * 5 and statuses[5] == 429


def test_only_an_open_ticket_the_caller_sees_is_handed_off(customer_client, ticket):
    client = customer_client(ticket.customer)
    theirs = TroubleTicketFactory()
    before = rows_in_database()
    assert_tmf_error(client.post(HANDOFFS, {"troubleTicket": {"id": theirs.pk}}, format="json"), 404)
    assert_tmf_error(client.post(HANDOFFS, {"troubleTicket": {}}, format="json"), 400)
    TroubleTicket.objects.filter(pk=ticket.pk).update(status=TroubleTicket.Status.CLOSED)
    assert_tmf_error(client.post(HANDOFFS, {"troubleTicket": {"id": ticket.pk}}, format="json"), 409)
    assert rows_in_database() == before


def test_a_cart_code_is_no_ticket_code_and_a_ticket_code_no_cart_code(
    customer_client, carts_app, agent, ticket, shop, alice
):
    """Tried: the codes share their alphabet, length and hashing; each kind is claimed only where it was made,
    and a claim at the wrong door uses neither up."""
    from tests.factories.carts import line, new_cart

    web = carts_app("web")
    cart_id = new_cart(web, alice, [line(shop.phone)]).json()["id"]
    cart_code = web.post("/api/v1/handoffs", {"shoppingCart": {"id": cart_id}}, format="json").json()["code"]
    app = customer_client(ticket.customer, "mobile")
    ticket_code = app.post(HANDOFFS, {"troubleTicket": {"id": ticket.pk}}, format="json").json()["code"]
    before = rows_in_database()
    assert_tmf_error(claim(agent, cart_code), 404)
    assert_tmf_error(agent.post(f"/api/v1/handoffs/{ticket_code}/claim", format="json"), 404)
    assert rows_in_database() == before
    assert claim(agent, ticket_code).status_code == 200
    assert carts_app("mobile").post(f"/api/v1/handoffs/{cart_code}/claim", format="json").status_code == 200
