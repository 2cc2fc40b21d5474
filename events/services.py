"""Domain actions of events: publishing to the outbox, registering and removing listeners.

A listener's ``query`` may narrow what it gets to some event types
(``eventType=ProductOrderStateChangeEvent,ProductOrderCreateEvent``); other conditions are
ignored. A listener acts as the principal that registered it: it needs the read scope of the
API it listens to, and gets an event only when that principal may see the event's object
(``visible_to``, from the publishing app's selectors); bodies carry what any entitled reader
of the API sees (personal data masked). Callbacks go to public hosts only (``events.callbacks``).
Delivery (signed, retried, in order per resource) is ``events.dispatch``.
Each domain app builds its own events' bodies (``cart/events.py``, ``customers/events.py``,
``orchestration/events.py``) and publishes them here: nobody imports another app to publish.
"""

from collections import defaultdict
from collections.abc import Callable
from urllib.parse import parse_qs

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from events.callbacks import callback_problem
from events.models import EventDelivery, EventSubscription, OutboxEvent
from overlay import requestid
from overlay.errors import Forbidden, NotFound, UnprocessableEntity
from overlay.jobs import enqueue
from overlay.principal import Principal
from overlay.services import principals_by_key
from overlay.tmf import APIS

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


def entitled_listeners(api: str, listeners: list[EventSubscription]) -> dict[str, Principal]:
    """The principals of listeners that may still listen to ``api``, by their key."""
    principals = principals_by_key({s.owner for s in listeners})
    read_scope = APIS[api].read_scope
    return {key: principal for key, principal in principals.items() if principal.has_scope(read_scope)}


def _memo_of(connection):
    """The listeners read in the transaction running on ``connection``, by API; None when there is none yet.

    The memo belongs to the transaction that registered its end (``forget``) and has not ended yet: the
    callback leaves the connection's list at commit and at rollback."""
    memo = getattr(connection, "_event_listeners", None)
    if memo is None or not any(callback is memo[0] for _, callback, _ in connection.run_on_commit):
        return None
    return memo[1]


def _remember(connection, subscriptions: list[EventSubscription]) -> dict[str, list[EventSubscription]]:
    by_api = defaultdict(list)
    for subscription in subscriptions:
        by_api[subscription.api].append(subscription)
    if connection.in_atomic_block:

        def forget() -> None:
            forget_listeners()

        transaction.on_commit(forget)
        connection._event_listeners = (forget, by_api)
    return by_api


def listeners_in_transaction(api: str) -> list[EventSubscription]:
    """The listeners of ``api``. Inside a transaction, every API's are read at its first event and reused for
    the next (a checkout publishes the order's event and the cart's: one query, not two); any change to a
    listener made by this process forgets them (``forget_listeners``). A listener registered by another
    process while the transaction runs gets the events of the transactions that start after it, as if it had
    been registered a moment later."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        return list(EventSubscription.objects.filter(api=api))
    memo = _memo_of(connection)
    if memo is None:
        memo = _remember(connection, list(EventSubscription.objects.order_by("created_at")))
    return memo.get(api, [])


@receiver([post_save, post_delete], sender=EventSubscription)
def forget_listeners(**kwargs) -> None:
    connections[DEFAULT_DB_ALIAS]._event_listeners = None


def publish(
    *,
    api: str,
    event_type: str,
    resource_type: str,
    resource_id: str,
    event: dict,
    visible_to: Callable[[Principal], bool],
) -> OutboxEvent:
    """Write one event to the outbox, and a pending delivery for every listener that wants it and may see it.

    ``visible_to(principal)``: whether that principal may see the event's object (the app's selector).
    """
    row, subscriptions = _write_and_read_listeners(
        OutboxEvent(
            api=api,
            event_type=event_type,
            resource_type=resource_type,
            resource_id=resource_id,
            payload=event,
            request_id=requestid.current_id(),
            created_at=timezone.now(),
        )
    )
    listeners = [s for s in subscriptions if wanted(s.query, event_type)]
    if listeners:
        principals = entitled_listeners(api, listeners)
        listeners = [s for s in listeners if s.owner in principals and visible_to(principals[s.owner])]
    if listeners:
        EventDelivery.objects.bulk_create(
            EventDelivery(event=row, subscription=s, resource_key=f"{resource_type}:{resource_id}") for s in listeners
        )
        enqueue(DISPATCH)
    return row


def _write_and_read_listeners(row: OutboxEvent) -> tuple[OutboxEvent, list[EventSubscription]]:
    """The event written, and its API's listeners: from what this transaction already read, else read with the
    write in one statement on PostgreSQL (every API's, kept for the transaction's next events, as
    ``listeners_in_transaction``). An event is published in the transaction of every change that has one:
    one round trip for each, not two."""
    connection = connections[DEFAULT_DB_ALIAS]
    memo = _memo_of(connection) if connection.in_atomic_block else None
    if memo is not None or connection.vendor != "postgresql":
        row.save(force_insert=True)
        return row, listeners_in_transaction(row.api)
    quote = connection.ops.quote_name
    written = [f for f in OutboxEvent._meta.concrete_fields if f.name != "seq"]
    columns = ", ".join(quote(f.column) for f in written)
    listening = [f.column for f in EventSubscription._meta.concrete_fields]
    everyone = connection.in_atomic_block  # kept for the transaction: every API's listeners; else this API's
    sql = (
        f"WITH row AS (INSERT INTO {quote(OutboxEvent._meta.db_table)} ({columns})"
        f" VALUES ({', '.join(['%s'] * len(written))}) RETURNING seq)"
        f" SELECT row.seq, {', '.join(f's.{quote(c)}' for c in listening)}"
        f" FROM row LEFT JOIN {quote(EventSubscription._meta.db_table)} AS s ON {'TRUE' if everyone else 's.api = %s'}"
        f" ORDER BY s.created_at"
    )
    params = [f.get_db_prep_save(f.pre_save(row, True), connection) for f in written] + ([] if everyone else [row.api])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    row.seq = found[0][0]
    row._state.adding, row._state.db = False, connection.alias
    names = [f.attname for f in EventSubscription._meta.concrete_fields]
    subscriptions = [EventSubscription.from_db(connection.alias, names, r[1:]) for r in found if r[1] is not None]
    if not everyone:
        return row, subscriptions
    return row, _remember(connection, subscriptions).get(row.api, [])


@transaction.atomic
def subscription_register(*, api: str, callback: str, query: str, principal: Principal) -> EventSubscription:
    """Register a listener for the events of one TMF API: it needs the API's read scope, and its callback
    must be a public https URL (``events.callbacks``)."""
    if principal.customer_id is not None or not principal.has_scope(APIS[api].read_scope):
        raise Forbidden(f"Listening to {api} needs {APIS[api].read_scope}.")
    if problem := callback_problem(callback):
        raise UnprocessableEntity(problem, field="callback")
    if EventSubscription.objects.filter(owner=principal.key).count() >= MAX_SUBSCRIPTIONS_PER_OWNER:
        raise UnprocessableEntity(f"At most {MAX_SUBSCRIPTIONS_PER_OWNER} listeners per client.")
    return EventSubscription.objects.create(api=api, callback=callback, query=query, owner=principal.key)


@transaction.atomic
def subscription_unregister(*, api: str, subscription_id: str, owner: str) -> None:
    """Remove a listener; only the principal that registered it may (others are told it does not exist)."""
    deleted, _ = EventSubscription.objects.filter(api=api, pk=subscription_id, owner=owner).delete()
    if not deleted:
        raise NotFound(f"No listener with id '{subscription_id}'.")
