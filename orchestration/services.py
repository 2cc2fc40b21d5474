"""Domain actions of orchestration: for now, hub listener registration."""

from urllib.parse import urlsplit

from django.db import transaction

from orchestration.models import EventSubscription
from overlay.errors import NotFound, UnprocessableEntity

MAX_SUBSCRIPTIONS_PER_OWNER = 50


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
