"""After the sale, with real parts: a customer reports a fault on their fibre line in the app (after reading a
suggested article that did not help), hands the ticket
to an agent who adds a note in the console, the fixed system resolves it and pushes that back; a listener gets
the ticket's events in order and the 360° shows it resolved. Overlay over HTTP (live server), a Redis broker, a
Celery worker process, the simulator on loopback."""

import secrets

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from adapters.sync import sync_stream
from care.models import TroubleTicket
from customers.models import HeldProduct
from events.services import subscription_register
from knowledge.models import Article
from overlay.services import api_client_create, customer_token_issue, roles_ensure
from tests.e2e.test_fulfilment_e2e import wait_for
from tests.factories.care import categories
from tests.factories.knowledge import article
from tests.factories.users import application

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TICKETS = "/tmf-api/troubleTicket/v4/troubleTicket"


@pytest.fixture
def estate(systems):
    """The simulated systems without scheduled pulls; the fixed stack's lines imported (who holds which line)."""
    for system in systems.values():
        system.sync_every_seconds = 0
        system.save(update_fields=["sync_every_seconds"])
    sync_stream(systems["fixed"], "lines")
    return systems


def agent_session(base_url: str) -> httpx.Client:
    """An agent signed in to the console (the admin's session cookie), sending its CSRF token as a form would."""
    roles_ensure()
    user = get_user_model().objects.create_user(username="e2e-agent", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="agent"))
    signed_in = Client()
    signed_in.force_login(user)
    csrf = secrets.token_hex(16)
    return httpx.Client(
        base_url=base_url,
        headers={"X-CSRFToken": csrf},
        cookies={"sessionid": signed_in.cookies["sessionid"].value, "csrftoken": csrf},
        timeout=20,
    )


def test_a_fibre_fault_from_the_app_to_the_agent_to_the_fixed_system(
    live_server, celery_worker, estate, simulator, listener
):
    categories()
    article("Fibre: no internet connection", "Check the modem's lights, then restart it.", categories=["no-service"])
    line = HeldProduct.objects.filter(system="fixed", status="active").order_by("external_id").first()
    customer = line.customer
    subscription_register(
        api="troubleTicket", callback=listener.url, query="", principal=application(["tickets:read"], "callcentre")
    )
    simulator.control(
        "webhook", {"url": f"{live_server.url}/api/v1/backoffice/{{system}}/events", "secret": "push-secret"}
    )
    shop = api_client_create(name="e2e-app", channel="mobile", scopes=["customers:token"]).client
    token = customer_token_issue(client_id=shop.pk, channel="mobile", customer_id=customer.pk).token
    app = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=20)

    # Before a ticket, the app suggests answers: the customer, typing with a typo, finds the fibre article
    # (the words' stage), reads it, and says it did not answer their question.
    suggested = app.get("/api/v1/knowledge/article", params={"q": "no internt fibre", "category": "no-service"})
    assert suggested.status_code == 200, suggested.text
    assert [a["title"] for a in suggested.json()["result"]][:1] == ["Fibre: no internet connection"]
    answer_id = suggested.json()["result"][0]["id"]
    assert app.get(f"/api/v1/knowledge/article/{answer_id}").status_code == 200
    said = app.post(
        f"/api/v1/knowledge/article/{answer_id}/feedback", json={"helpful": False, "category": "no-service"}
    )
    assert said.status_code == 201, said.text

    opened = app.post(
        TICKETS,
        json={
            "name": "Fibre down",
            "description": "No internet since this morning; the router's light is red.",
            "severity": "major",
            "ticketType": "no-service",
            "relatedEntity": [{"id": line.pk, "role": "affectedProduct", "@referredType": "Product"}],
        },
    )
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["id"]
    # It did not help and they opened a ticket anyway: no deflection counted for that article.
    answer = Article.objects.get(pk=answer_id)
    assert (answer.views, *answer.feedback.values_list("helpful", "deflected").get()) == (1, False, False)
    routed = wait_for(
        lambda: TroubleTicket.objects.filter(pk=ticket_id, routing="routed").first(), celery_worker, what="routing"
    )
    assert routed.system == "fixed" and routed.external_id.startswith("FIX-")

    # The customer would rather talk to someone: a code, read out on the phone, and the agent takes it over.
    code = app.post("/api/v1/ticket-handoffs", json={"troubleTicket": {"id": ticket_id}, "note": "Rebooted twice"})
    assert code.status_code == 201, code.text
    agent = agent_session(live_server.url)
    claimed = agent.post("/admin/console/tickets/claim/", data={"code": code.json()["code"]})
    assert claimed.status_code == 302 and claimed.headers["Location"].endswith(f"/console/tickets/{ticket_id}/")
    noted = agent.post(f"/admin/console/tickets/{ticket_id}/note/", data={"text": "Line test: no light on the ONT."})
    assert noted.status_code == 302
    page = agent.get(f"/admin/console/tickets/{ticket_id}/")
    assert "Line test: no light on the ONT." in page.text and "Handed off from mobile" in page.text

    # The fixed stack's engineers work on it and resolve it; each change is pushed to Overlay.
    simulator.control("tickets", {"reference": ticket_id, "state": "WIP", "note": "Engineer dispatched."})
    simulator.control("tickets", {"reference": ticket_id, "state": "RSLV", "note": "Fibre splice repaired."})
    wait_for(lambda: listener.bodies("TroubleTicketResolvedEvent"), celery_worker, what="the resolved event")

    events = listener.bodies()
    assert [e["event"]["troubleTicket"]["id"] for e in events] == [ticket_id] * len(events)
    types = [e["eventType"] for e in events]
    assert types[0] == "TroubleTicketCreateEvent" and types[-1] == "TroubleTicketResolvedEvent"
    statuses = [e["event"]["troubleTicket"]["status"] for e in events if e["eventType"].endswith("StatusChangeEvent")]
    assert statuses == ["inProgress", "resolved"]
    notes = events[-1]["event"]["troubleTicket"]["note"]
    texts = [n["text"] for n in notes]
    assert texts.index("Line test: no light on the ONT.") < texts.index("Fibre splice repaired.")
    assert any("INC-FIX-1" in text for text in texts)  # the fixed stack's open incident, attached when routed

    desk = api_client_create(name="e2e-desk", channel="callcentre", scopes=["customers:read", "tickets:read"]).token
    view = httpx.get(
        f"{live_server.url}/api/v1/customers/{customer.pk}/360", headers={"Authorization": f"Bearer {desk}"}
    ).json()
    assert [(t["id"], t["status"]) for t in view["troubleTicket"]] == [(ticket_id, "resolved")]
    assert app.get(f"{TICKETS}/{ticket_id}").json()["status"] == "resolved"
