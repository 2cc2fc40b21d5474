"""Delivering outbox events to listeners: signed, retried with back-off, in order per listener and resource.

A delivery is sent only when no earlier delivery of the same resource to the same listener
is still pending, so a listener sees each order's events in the order they happened, even
when it was down for a while. Several dispatchers may run at once: each takes the heads it
sends with ``SELECT ... FOR UPDATE SKIP LOCKED``.
"""

import json
import time
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from events.callbacks import callback_problem
from events.models import DeliveryAttempt, EventDelivery, OutboxEvent
from events.services import DISPATCH, entitled_listeners
from overlay import requestid
from overlay.api.representation import timestamp
from overlay.jobs import backoff, later, send
from overlay.signing import signature_of

SIGNATURE_HEADER = "X-Overlay-Signature"


def envelope(event: OutboxEvent) -> dict:
    """The TMF688 shape of an outbox event."""
    return {
        "eventId": event.event_id,
        "eventTime": timestamp(event.created_at),
        "eventType": event.event_type,
        "correlationId": event.resource_id,
        "domain": event.api,
        "title": f"{event.event_type} for {event.resource_type} {event.resource_id}",
        "event": event.payload,
        "@type": event.event_type,
    }


def _heads(now):
    earlier = EventDelivery.objects.filter(
        subscription_id=OuterRef("subscription_id"),
        resource_key=OuterRef("resource_key"),
        state=EventDelivery.State.PENDING,
        event_id__lt=OuterRef("event_id"),
    )
    return (
        EventDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state=EventDelivery.State.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .exclude(Exists(earlier))
        .select_related("event", "subscription")
        .order_by("event_id", "id")
    )


def _refused(delivery: EventDelivery) -> str:
    """Why this delivery may not be sent now: its listener lost the right to listen, or its callback
    resolves to an internal address (checked at registration; hosts can change what they resolve to)."""
    subscription = delivery.subscription
    if not entitled_listeners(subscription.api, [subscription]):
        return "the listener's credentials no longer grant these events"
    return callback_problem(subscription.callback)


def deliver_next() -> bool:
    """Send one due delivery; False when there is nothing to send now."""
    with transaction.atomic():
        delivery = _heads(timezone.now()).first()
        if delivery is None:
            return False
        if refused := _refused(delivery):
            DeliveryAttempt.objects.create(delivery=delivery, error=refused[:300])
            delivery.state, delivery.last_error = EventDelivery.State.GAVE_UP, refused[:300]
            delivery.save(update_fields=["state", "last_error"])
            return True
        body = json.dumps(envelope(delivery.event), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_of(delivery.subscription.secret, body),
            "X-Overlay-Event-Id": delivery.event.event_id,
        }
        if delivery.event.request_id:  # a listener's logs can name the request that caused the event
            headers[requestid.HEADER] = delivery.event.request_id
        started = time.monotonic()
        status, error = None, ""
        try:
            response = httpx.post(
                delivery.subscription.callback,
                content=body,
                headers=headers,
                timeout=settings.EVENT_TIMEOUT_SECONDS,
                follow_redirects=False,  # a redirect could point anywhere: it is a failed delivery
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as problem:
            error = f"{type(problem).__name__}: {problem}"[:300]
        DeliveryAttempt.objects.create(
            delivery=delivery,
            status_code=status,
            error=error,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        delivery.attempts += 1
        delivery.last_error = error
        if not error:
            delivery.state, delivery.delivered_at = EventDelivery.State.DELIVERED, timezone.now()
        elif delivery.attempts >= settings.EVENT_MAX_ATTEMPTS:
            delivery.state = EventDelivery.State.GAVE_UP
        else:
            delay = backoff(delivery.attempts, settings.EVENT_RETRY_BASE_SECONDS, settings.EVENT_RETRY_MAX_SECONDS)
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
            later(DISPATCH, delay=delay)
        delivery.save(update_fields=["attempts", "last_error", "state", "delivered_at", "next_attempt_at"])
    return True


def dispatch(limit: int = 500) -> int:
    """Send what is due, up to ``limit`` deliveries; returns how many were tried."""
    tried = 0
    while tried < limit and deliver_next():
        tried += 1
    return tried


def sweep() -> bool:
    """Send what is due if anything waits (Celery beat, or the embedded sweeper): True when it did."""
    if EventDelivery.objects.filter(state=EventDelivery.State.PENDING).exists():
        send(DISPATCH)
        return True
    return False


def redeliver(deliveries) -> int:
    """Give deliveries that gave up (or wait for a retry) another go now: an admin action."""
    return deliveries.exclude(state=EventDelivery.State.DELIVERED).update(
        state=EventDelivery.State.PENDING, next_attempt_at=None
    )
