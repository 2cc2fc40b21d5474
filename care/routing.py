"""Routing tickets to the back-office systems and following them there (by poll and by push).

A ticket goes to the system of the product it is about (``TroubleTicket.system``: a fibre line's to
the fixed stack, a SIM's to the mobile stack, a device's to logistics; a billing question to the
CRM). Calls go through the system's adapter (``adapters.contracts.TicketDesk``) with the HTTP
client's retries and circuit breaker, never inside a database transaction; trouble worth retrying
is retried with back-off, a refusal ends routing (the ticket stays with Overlay's agents, who see
why). What the system reports comes back by the beat job's poll over open tickets and by the
system's signed push; both apply it through ``services.ticket_state_apply``, which ignores
anything not newer than what it has, so the two paths and their repeats agree.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from adapters.contracts import CircuitOpen, MappingError, Refused, SourceUnavailable, TicketDesk, TicketState
from adapters.models import BackOfficeSystem
from adapters.registry import adapter_for
from care import services
from care.models import TroubleTicket
from care.selectors import open_tickets_routed
from care.states import FINAL
from overlay.jobs import backoff, later

logger = logging.getLogger(__name__)

POLL_BATCH = 200


class NoTicketDesk(Exception):
    """The system is not connected, or takes no tickets: routing cannot succeed by retrying."""


def _desk(system_code: str):
    system = BackOfficeSystem.objects.filter(code=system_code, enabled=True).first()
    if system is None:
        raise NoTicketDesk(f"the back-office system '{system_code}' is not connected")
    adapter = adapter_for(system)
    if not isinstance(adapter, TicketDesk):
        adapter.close()
        raise NoTicketDesk(f"{system.name} takes no trouble tickets")
    return adapter


def _payload(ticket: TroubleTicket) -> dict:
    product = ticket.held_product
    return {
        "summary": ticket.name,
        "description": ticket.description,
        "severity": ticket.severity,
        "category": ticket.category.code,
        "product": {"id": product.external_id, "name": product.name, "code": product.product_code},
    }


def ticket_route(ticket_id: str) -> str:
    """Hand a ticket to its system (once: the system treats a repeated submit as the same ticket)."""
    ticket = (
        TroubleTicket.objects.select_related("held_product", "category")
        .filter(pk=ticket_id, routing=TroubleTicket.Routing.PENDING)
        .exclude(status__in=FINAL)
        .first()
    )
    if ticket is None:
        return "nothing to do"
    try:
        desk = _desk(ticket.system)
    except NoTicketDesk as error:
        return _failed(ticket_id, str(error))
    try:
        state = desk.ticket_submit(ticket.pk, _payload(ticket))
        incidents = _incident_notes(desk, ticket.system)
    except (Refused, MappingError) as error:
        return _failed(ticket_id, str(error))
    except SourceUnavailable as error:
        return _retry(ticket_id, error)
    finally:
        desk.close()
    with transaction.atomic():
        ticket = TroubleTicket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None or ticket.routing != TroubleTicket.Routing.PENDING:
            return "routed already"
        services.ticket_routed(ticket, state, incidents)
    return "routed"


def _incident_notes(desk, system_code: str) -> list[str]:
    """The system's open incidents, as notes for the agents (none when it cannot say just now)."""
    try:
        incidents = desk.incidents()
    except (SourceUnavailable, MappingError) as error:
        logger.warning("incidents of %s unknown: %s", system_code, error)
        return []
    return [f"Open incident in {system_code}: {i.external_id} {i.title}".strip() for i in incidents]


def _failed(ticket_id: str, problem: str) -> str:
    with transaction.atomic():
        ticket = TroubleTicket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is not None and ticket.routing == TroubleTicket.Routing.PENDING:
            services.ticket_routing_failed(ticket, problem)
    return "failed"


def _retry(ticket_id: str, error: SourceUnavailable) -> str:
    with transaction.atomic():
        ticket = TroubleTicket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None or ticket.routing != TroubleTicket.Routing.PENDING:
            return "routed already"
        if not isinstance(error, CircuitOpen):  # a call not made is no attempt
            ticket.routing_attempts += 1
        if ticket.routing_attempts >= settings.TICKET_ROUTE_MAX_ATTEMPTS:
            services.ticket_routing_failed(ticket, f"{ticket.system} unavailable: {error}")
            return "failed"
        delay = (
            error.retry_after
            if isinstance(error, CircuitOpen)
            else backoff(ticket.routing_attempts, settings.TICKET_ROUTE_RETRY_BASE_SECONDS, 300)
        )
        ticket.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        ticket.routing_error = str(error)[:300]
        ticket.save(update_fields=["routing_attempts", "next_attempt_at", "routing_error", "updated_at"])
        later(services.ROUTE_TICKET, ticket_id, delay=delay)
    return "retrying"


def ticket_report_apply(system_code: str, state: TicketState) -> bool:
    """What a system reports on one of its tickets (poll or push): applied if newer. True when it changed."""
    with transaction.atomic():
        ticket = (
            TroubleTicket.objects.select_for_update()
            .filter(pk=state.reference, system=system_code, routing=TroubleTicket.Routing.ROUTED)
            .first()
        )
        if ticket is None:
            return False
        return services.ticket_state_apply(ticket, state)


def tickets_poll() -> dict:
    """The beat job: ask each system where its open tickets stand; route again those whose retry is overdue
    (its message lost: still waiting ``FULFILMENT_REQUEUE_SECONDS`` after it was due)."""
    overdue = timezone.now() - timedelta(seconds=settings.FULFILMENT_REQUEUE_SECONDS)
    due = TroubleTicket.objects.filter(routing=TroubleTicket.Routing.PENDING, next_attempt_at__lte=overdue).values_list(
        "pk", flat=True
    )[:POLL_BATCH]
    for ticket_id in due:
        ticket_route(ticket_id)
    by_system = defaultdict(list)
    for ticket_id, system in open_tickets_routed().order_by("updated_at").values_list("pk", "system")[:POLL_BATCH]:
        by_system[system].append(ticket_id)
    changed = 0
    for system, ticket_ids in by_system.items():
        try:
            desk = _desk(system)
        except NoTicketDesk:
            continue
        try:
            for ticket_id in ticket_ids:
                changed += ticket_report_apply(system, desk.ticket_status(ticket_id))
        except (SourceUnavailable, MappingError) as error:  # this system waits for the next round
            logger.warning("polling tickets of %s: %s", system, error)
        finally:
            desk.close()
    return {"rerouted": len(due), "changed": changed}


def pushed_tickets_apply(system_code: str, records: list[dict]) -> int:
    """Apply a system's pushed tickets (verified by the caller); records it cannot read are skipped."""
    try:
        desk = _desk(system_code)
    except NoTicketDesk:
        return 0
    changed = 0
    try:
        for raw in records:
            try:
                state = desk.map_ticket(raw)
            except (MappingError, KeyError, TypeError, ValueError) as error:
                logger.warning("pushed ticket of %s not readable: %s", system_code, error)
                continue
            changed += ticket_report_apply(system_code, state)
    finally:
        desk.close()
    return changed
