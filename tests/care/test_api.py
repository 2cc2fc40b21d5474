"""TMF621 troubleTicket: the shared contract, who reaches which tickets, what a ticket is opened with,
and every refusal (a TMF error, nothing written)."""

import json

import pytest

from care.models import TicketNote, TroubleTicket
from events.models import OutboxEvent
from tests.factories.care import TroubleTicketFactory
from tests.factories.customers import CustomerFactory, HeldProductFactory
from tests.tmf import MERGE_PATCH, TMFResourceContract, assert_tmf_error, rows_in_database

TICKETS = "/tmf-api/troubleTicket/v4/troubleTicket"


def open_body(product, **extra) -> dict:
    return {
        "description": "No dial tone and no internet since 8:00.",
        "severity": "major",
        "ticketType": "no-service",
        "relatedEntity": [{"id": product.pk, "role": "affectedProduct", "@referredType": "Product"}],
        **extra,
    }


class TestTroubleTicket(TMFResourceContract):
    path = TICKETS
    resource_type = "TroubleTicket"
    model = TroubleTicket
    list_queries = 4  # count, page (customer, product, category joined), notes, status changes
    detail_queries = 3
    selected_attributes = ("name", "status")
    name_attribute = ("name", "name")
    invalid_bodies = [
        {},
        {"description": "x", "severity": "major", "ticketType": "no-service"},  # no product
        {"description": "x", "severity": "bogus", "ticketType": "no-service", "relatedEntity": [{"id": "p"}]},
        {"description": "", "severity": "major", "ticketType": "no-service", "relatedEntity": [{"id": "p"}]},
    ]
    invalid_patch = {"name": "", "description": "x"}

    @pytest.fixture
    def reader(self, make_client):
        return make_client("callcentre", ("tickets:read",))

    @pytest.fixture
    def writer(self, make_client):
        return make_client("callcentre", ("tickets:read", "tickets:write"))

    def make(self, count, channels):
        return [TroubleTicketFactory() for _ in range(count)]

    def filter_case(self, rows):
        TroubleTicket.objects.filter(pk=rows[1].pk).update(status=TroubleTicket.Status.RESOLVED)
        return "status=resolved", {rows[1].pk}

    def create_body(self, channels):
        return open_body(HeldProductFactory(system="fixed"))


@pytest.fixture
def holder(db):
    customer = CustomerFactory()
    return customer, HeldProductFactory(
        customer=customer, system="fixed", characteristics={"Installation address": "Damrak 1, 1012LG Amsterdam"}
    )


def test_a_customer_opens_a_ticket_on_their_own_product(customer_client, holder):
    customer, product = holder
    client = customer_client(customer, "mobile")
    response = client.post(TICKETS, open_body(product, note=[{"text": "Router lights are red."}]), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "acknowledged" and body["ticketType"] == "no-service"
    assert body["channel"]["id"] == "mobile"
    assert body["relatedParty"][0]["id"] == customer.pk
    entities = {e["role"]: e for e in body["relatedEntity"]}
    assert entities["affectedProduct"]["id"] == product.pk
    assert "Damrak 1" in entities["affectedProduct"]["name"]  # their own address, in full
    assert entities["backOfficeSystem"]["id"] == "fixed"
    assert [n["text"] for n in body["note"]] == ["Router lights are red."]
    assert [c["status"] for c in body["statusChange"]] == ["acknowledged"]
    ticket = TroubleTicket.objects.get(pk=body["id"])
    assert ticket.system == "fixed" and ticket.routing == TroubleTicket.Routing.PENDING
    created = OutboxEvent.objects.get(resource_id=ticket.pk)
    assert created.event_type == "TroubleTicketCreateEvent" and created.api == "troubleTicket"
    assert created.payload["troubleTicket"]["id"] == ticket.pk
    assert "Damrak" not in json.dumps(created.payload)  # events carry personal data masked
    assert customer.interactions.filter(kind="trouble-ticket").exists()


def test_a_billing_question_goes_to_the_billing_system(customer_client, holder):
    customer, product = holder
    response = customer_client(customer).post(TICKETS, open_body(product, ticketType="billing-question"), format="json")
    assert TroubleTicket.objects.get(pk=response.json()["id"]).system == "crm"


def test_a_customer_reaches_only_their_own_tickets(customer_client, holder):
    customer, product = holder
    mine = TroubleTicketFactory(held_product=product)
    theirs = TroubleTicketFactory()
    client = customer_client(customer)
    assert [t["id"] for t in client.get(TICKETS).json()] == [mine.pk]
    assert_tmf_error(client.get(f"{TICKETS}/{theirs.pk}"), 404)
    before = rows_in_database()
    assert_tmf_error(client.patch(f"{TICKETS}/{theirs.pk}", {"status": "cancelled"}, format="json"), 404)
    assert rows_in_database() == before


def test_personal_data_is_masked_for_callers_without_it(make_client, holder):
    _, product = holder
    ticket = TroubleTicketFactory(held_product=product)
    plain = make_client("callcentre", ("tickets:read",)).get(f"{TICKETS}/{ticket.pk}").json()
    full = make_client("callcentre", ("tickets:read", "customers:pii")).get(f"{TICKETS}/{ticket.pk}").json()
    assert "Damrak" not in json.dumps(plain)
    assert "Damrak 1" in json.dumps(full)


@pytest.mark.parametrize(
    "change, status",
    [
        ({"relatedEntity": [{"id": "unknown-product", "@referredType": "Product"}]}, 422),
        ({"ticketType": "no-such-category"}, 422),
        ({"relatedParty": [{"id": "someone-else", "@referredType": "Customer"}]}, 422),
        ({"id": "mine"}, 400),
        ({"status": "resolved"}, 400),
    ],
)
def test_bad_tickets_are_refused_and_write_nothing(customer_client, holder, change, status):
    customer, product = holder
    client = customer_client(customer)
    before = rows_in_database()
    response = client.post(TICKETS, {**open_body(product), **change}, format="json")
    assert_tmf_error(response, status)
    assert rows_in_database() == before


def test_a_product_of_another_customer_is_refused(customer_client, holder):
    customer, _ = holder
    other = HeldProductFactory()
    client = customer_client(customer)
    before = rows_in_database()
    body = assert_tmf_error(client.post(TICKETS, open_body(other), format="json"), 422)
    assert body["message"].startswith("relatedEntity")
    assert rows_in_database() == before


def test_bad_json_is_a_400(customer_client, holder):
    customer, _ = holder
    response = customer_client(customer).generic("POST", TICKETS, '{"description": ', content_type="application/json")
    assert_tmf_error(response, 400)


@pytest.mark.parametrize(
    "patch", [{"relatedEntity": []}, {"ticketType": "other"}, {"creationDate": "2026-01-01T00:00:00Z"}, {}]
)
def test_fixed_and_read_only_attributes_cannot_be_patched(customer_client, holder, patch):
    customer, product = holder
    ticket = TroubleTicketFactory(held_product=product)
    client = customer_client(customer)
    before = rows_in_database()
    response = client.generic("PATCH", f"{TICKETS}/{ticket.pk}", json.dumps(patch), content_type=MERGE_PATCH)
    assert_tmf_error(response, 400)
    assert rows_in_database() == before


def test_status_moves_follow_the_table(customer_client, holder):
    customer, product = holder
    ticket = TroubleTicketFactory(held_product=product)
    client = customer_client(customer)
    url = f"{TICKETS}/{ticket.pk}"
    before = rows_in_database()
    assert_tmf_error(client.patch(url, {"status": "closed"}, format="json"), 409)  # not resolved yet
    assert rows_in_database() == before
    cancelled = client.patch(url, {"status": "cancelled", "statusChangeReason": "Works again"}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["statusChangeReason"] == "Works again"
    types = list(OutboxEvent.objects.filter(resource_id=ticket.pk).values_list("event_type", flat=True))
    assert types == ["TroubleTicketStatusChangeEvent"]
    before = rows_in_database()
    assert_tmf_error(client.patch(url, {"description": "again"}, format="json"), 409)  # final: no more changes
    assert rows_in_database() == before


def test_a_note_is_added_by_patch(make_client, holder):
    _, product = holder
    ticket = TroubleTicketFactory(held_product=product)
    agent = make_client("callcentre", ("tickets:read", "tickets:write"))
    response = agent.patch(f"{TICKETS}/{ticket.pk}", {"note": [{"text": "Called the customer back."}]}, format="json")
    assert response.status_code == 200, response.content
    assert [n["text"] for n in response.json()["note"]] == ["Called the customer back."]
    event = OutboxEvent.objects.get(resource_id=ticket.pk)
    assert event.event_type == "TroubleTicketAttributeValueChangeEvent" and event.payload["fieldPath"] == "note"
    assert TicketNote.objects.get(ticket=ticket).author.startswith("client:")


def test_a_customer_cancels_rather_than_deletes(customer_client, holder):
    customer, product = holder
    ticket = TroubleTicketFactory(held_product=product)
    assert_tmf_error(customer_client(customer).delete(f"{TICKETS}/{ticket.pk}"), 409)
    assert TroubleTicket.objects.filter(pk=ticket.pk).exists()


def test_a_ticket_a_system_works_on_is_not_deleted(make_client, holder):
    _, product = holder
    ticket = TroubleTicketFactory(held_product=product, routing=TroubleTicket.Routing.ROUTED, external_id="FIX-1")
    writer = make_client("callcentre", ("tickets:read", "tickets:write"))
    assert_tmf_error(writer.delete(f"{TICKETS}/{ticket.pk}"), 409)
    assert TroubleTicket.objects.filter(pk=ticket.pk).exists()


def test_a_ticket_carries_the_products_recent_orders_and_in_life_changes(customer_client, holder):
    from datetime import timedelta

    from django.utils import timezone

    from orchestration.models import ProductOrder
    from tests.factories.orders import OrderItemFactory

    customer, product = holder
    change = OrderItemFactory(
        order__customer=customer, held_product=product, action="modify", offering_name="Fibre 1000"
    )
    old = OrderItemFactory(order__customer=customer, product=product, action="add")
    ProductOrder.objects.filter(pk=old.order_id).update(order_date=timezone.now() - timedelta(days=90))
    body = customer_client(customer).post(TICKETS, open_body(product), format="json").json()
    orders = [e for e in body["relatedEntity"] if e["role"] == "recentOrder"]
    assert [o["id"] for o in orders] == [change.order_id]  # the last 30 days only
    assert orders[0]["name"].startswith("modify Fibre 1000") and orders[0]["@referredType"] == "ProductOrder"
    assert orders[0]["href"].endswith(f"/productOrderingManagement/v4/productOrder/{change.order_id}")


def test_a_ticket_after_a_helpful_answer_means_the_answer_deflected_nothing(customer_client, holder):
    from knowledge.models import ArticleFeedback
    from tests.factories.knowledge import article

    customer, product = holder
    client = customer_client(customer, "mobile")
    answer = article("Fibre: no internet connection", categories=["no-service"])
    said = client.post(f"/api/v1/knowledge/article/{answer.pk}/feedback", {"helpful": True}, format="json")
    assert said.status_code == 201, said.content
    assert ArticleFeedback.objects.get(article=answer).deflected is True
    assert client.post(TICKETS, open_body(product), format="json").status_code == 201
    assert ArticleFeedback.objects.get(article=answer).deflected is False
