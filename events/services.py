"""Domain actions of events: publishing to the outbox, registering and removing listeners.

A listener's ``query`` may narrow what it gets to some event types
(``eventType=ProductOrderStateChangeEvent,ProductOrderCreateEvent``); other conditions are
ignored. Delivery (signed, retried, in order per resource) is ``events.dispatch``.
Each domain app builds its own events' bodies (``cart/events.py``, ``customers/events.py``,
``orchestration/events.py``) and publishes them here: nobody imports another app to publish.
"""

from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db import transaction

from events.models import EventDelivery, EventSubscription, OutboxEvent
from overlay.errors import NotFound, UnprocessableEntity
from overlay.jobs import enqueue

DISPATCH = "events.tasks.dispatch_events_task"
MAX_SUBSCRIPTIONS_PER_OWNER = 50


class EventHrefs:
    """Hrefs in events point at the public base URL (there is no request to take the host from).

    An event is rendered once for every listener: no principal, so personal data shows masked.
    """

    principal = None

    def __init__(self):
        base = settings.PUBLIC_BASE_URL.rstrip("/")
        self.href = lambda path: base + path


def wanted(query: str, event_type: str) -> bool:
    types = []
    for key, values in parse_qs(query or "").items():
        if key == "eventType":
            types += [name.strip() for value in values for name in value.split(",")]
    return not types or event_type in types


def publish(*, api: str, event_type: str, resource_type: str, resource_id: str, event: dict) -> OutboxEvent:
    """Write one event to the outbox, and a pending delivery for every listener that wants it."""
    row = OutboxEvent.objects.create(
        api=api, event_type=event_type, resource_type=resource_type, resource_id=resource_id, payload=event
    )
    listeners = [s for s in EventSubscription.objects.filter(api=api) if wanted(s.query, event_type)]
    if listeners:
        EventDelivery.objects.bulk_create(
            EventDelivery(event=row, subscription=s, resource_key=f"{resource_type}:{resource_id}") for s in listeners
        )
        enqueue(DISPATCH)
    return row


@transaction.atomic
def subscription_register(*, api: str, callback: str, query: str, owner: str) -> EventSubscription:
    """Register a listener for the events of one TMF API."""
    parts = urlsplit(callback)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UnprocessableEntity("callback must be an absolute http(s) URL.")
    if EventSubscription.objects.filter(owner=owner).count() >= MAX_SUBSCRIPTIONS_PER_OWNER:
        raise UnprocessableEntity(f"At most {MAX_SUBSCRIPTIONS_PER_OWNER} listeners per client.")
    return EventSubscription.objects.create(api=api, callback=callback, query=query, owner=owner)


@transaction.atomic
def subscription_unregister(*, api: str, subscription_id: str, owner: str) -> None:
    """Remove a listener; only the principal that registered it may (others are told it does not exist)."""
    deleted, _ = EventSubscription.objects.filter(api=api, pk=subscription_id, owner=owner).delete()
    if not deleted:
        raise NotFound(f"No listener with id '{subscription_id}'.")
