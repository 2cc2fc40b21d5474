"""Driving an order's fulfilment tasks to the end, or undoing them cleanly.

The database is the truth: a Celery job only says "look at task 42". Every job locks the rows
it changes, checks they still need the work, and lets go of the lock before it calls a
back-office system, so a redelivered or duplicated job finds the task already moved and does
nothing, and a retried call carries the task's reference, so the system never does it twice.
A task is taken with a lease: if its worker dies, the lease runs out and the next job (or the
sweeper) takes it over.

Failures: trouble (5xx, time-outs, circuit open) is retried with capped exponential back-off and
jitter: an outage is waited out. The task fails for good once its system has been unavailable to it
for ``FULFILMENT_UNAVAILABLE_SECONDS`` (since its first attempt: ``submitted_at``, until the system
takes it) and ``FULFILMENT_MAX_ATTEMPTS`` attempts reached the system; one refused by an open circuit
did not, so it is not counted, and waits for the circuit. A refusal, or a time-out in the system,
fails the task at once. Then, by the step's ``on_failure``, either the item is dropped (its finished
tasks undone; the order can end ``partial``) or the whole order is undone: unstarted tasks are
cancelled and finished ones compensated one by one in reverse order of completion, and the order
ends ``failed`` (or ``cancelled`` when it was asked to).
"""

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from adapters.contracts import CircuitOpen, FulfilmentRejected, FulfilmentStatus, SourceUnavailable
from adapters.services import fulfilment_target
from catalog.models import FulfilmentStep
from customers import services as customer_services
from orchestration import delivery, events, states, timeline
from orchestration.models import (
    CancelProductOrder,
    FulfilmentTask,
    OrderEvent,
    ProductOrder,
    ProductOrderItem,
)
from overlay.bulk import is_postgres, update_rows
from overlay.jobs import backoff, enqueue, later, send

logger = logging.getLogger(__name__)

T = FulfilmentTask.State
S = ProductOrder.State
ITEM = ProductOrderItem.State
UNSTARTED = (T.BLOCKED, T.READY, T.RETRYING)
UNFINISHED = (T.BLOCKED, T.READY, T.RUNNING, T.IN_SYSTEM, T.RETRYING)
DEAD = (T.FAILED, T.CANCELLED, T.COMPENSATING, T.COMPENSATED, T.UNDO_FAILED)


# The Celery jobs that drive fulfilment (``orchestration.tasks``), sent by name (``overlay.jobs``).
START_ORDER = "orchestration.tasks.start_order_task"
RUN_TASK = "orchestration.tasks.run_task"
POLL_TASK = "orchestration.tasks.poll_task"
UNDO_ORDER = "orchestration.tasks.undo_order_task"


def _lock_order(order_id: str) -> ProductOrder:
    return ProductOrder.objects.select_for_update().get(pk=order_id)


def _lock(task_id: int, order_id: str | None = None) -> tuple[ProductOrder | None, FulfilmentTask | None]:
    """Lock a task and its order, always the order first (so two jobs never wait on each other in a circle)."""
    if order_id is None:
        order_id = FulfilmentTask.objects.filter(pk=task_id).values_list("order_id", flat=True).first()
    if order_id is None:
        return None, None
    order = _lock_order(order_id)
    return order, FulfilmentTask.objects.select_for_update().get(pk=task_id)


# --- start ---------------------------------------------------------------------------------------
def order_start(order_id: str) -> None:
    """An acknowledged order starts: inProgress, and its ready tasks are sent off."""
    with transaction.atomic():
        order = _lock_order(order_id)
        if order.state != S.ACKNOWLEDGED:
            return
        timeline.transition(order, S.IN_PROGRESS, reason="fulfilment started")
        advance(order, start=True)


# --- one attempt ---------------------------------------------------------------------------------
def task_run(task_id: int) -> None:
    """Send a task to its system (again, if an earlier attempt died or hit trouble)."""
    claimed = _claim(task_id, timezone.now())
    if claimed is None:
        return
    name, reference, system, attempt, order_id, payload = claimed
    try:
        status = fulfilment_target(system).submit(name, reference, payload)
    except FulfilmentRejected as error:
        return _attempt_failed(task_id, attempt, str(error), permanent=True, order_id=order_id)
    except CircuitOpen as error:
        return _attempt_failed(task_id, attempt, str(error), permanent=False, order_id=order_id, not_sent=error)
    except SourceUnavailable as error:
        return _attempt_failed(task_id, attempt, str(error), permanent=False, order_id=order_id)
    _record_status(task_id, status, attempt=attempt, order_id=order_id)


# Taking a task is one statement, outside any transaction: it runs only while its order is in progress and
# nobody else holds it (a ready task, a retry that is due, a running one whose lease ran out), and hands
# back what the system needs, with what the tasks it waited for produced (a number assigned, a shipment id).
# Only the task's row is locked, for that statement: whoever stops the order deals with running tasks by
# their lease. The back-office call that follows holds no lock and no transaction.
_CLAIM = f"""
UPDATE {FulfilmentTask._meta.db_table} AS t
   SET state = %(running)s, attempts = t.attempts + 1, lease_until = %(lease)s,
       submitted_at = COALESCE(t.submitted_at, %(now)s)
  FROM {ProductOrder._meta.db_table} AS o
 WHERE t.id = %(id)s AND o.id = t.order_id AND o.state = %(in_progress)s AND NOT o.undoing
   AND (t.state = %(ready)s
        OR (t.state = %(retrying)s AND (t.next_attempt_at IS NULL OR t.next_attempt_at <= %(now)s))
        OR (t.state = %(running)s AND (t.lease_until IS NULL OR t.lease_until <= %(now)s)))
RETURNING t.task, t.reference, t.system, t.attempts, t.order_id, t.payload, jsonb_array_length(t.depends_on) > 0,
          (SELECT jsonb_agg(d.outputs ORDER BY d.id) FROM {FulfilmentTask._meta.db_table} AS d
            WHERE d.id IN (SELECT jsonb_array_elements_text(t.depends_on)::bigint) AND d.state = %(done)s)
"""


def _json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def _claim(task_id: int, now) -> tuple[str, str, str, int, str, dict] | None:
    """Take the task for one attempt (see ``_CLAIM``): (task, reference, system, attempt, order id, payload)."""
    lease = now + timedelta(seconds=settings.FULFILMENT_LEASE_SECONDS)
    if not is_postgres():
        return _claim_portable(task_id, now, lease)
    params = {"id": task_id, "now": now, "lease": lease, "in_progress": S.IN_PROGRESS, "done": T.DONE}
    params |= {"ready": T.READY, "retrying": T.RETRYING, "running": T.RUNNING}
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, params)
        row = cursor.fetchone()
    if row is None:
        return None
    name, reference, system, attempt, order_id, payload, waits, before = row
    payload = _json(payload)
    if waits:
        inputs: dict = {}
        for outputs in _json(before) or []:
            inputs.update(outputs)
        payload = {**payload, "inputs": inputs}
    return name, reference, system, attempt, order_id, payload


def _claim_portable(task_id: int, now, lease) -> tuple[str, str, str, int, str, dict] | None:
    """``_claim`` for the embedded mode (SQLite has no jsonb): the same conditions, in a few statements under
    one transaction (SQLite lets one writer at a time in, so nobody takes the task in between)."""
    takeable = (
        Q(state=T.READY)
        | Q(state=T.RETRYING, next_attempt_at__isnull=True)
        | Q(state=T.RETRYING, next_attempt_at__lte=now)
        | Q(state=T.RUNNING, lease_until__isnull=True)
        | Q(state=T.RUNNING, lease_until__lte=now)
    )
    with transaction.atomic():
        taken = FulfilmentTask.objects.filter(
            takeable, pk=task_id, order__state=S.IN_PROGRESS, order__undoing=False
        ).update(
            state=T.RUNNING,
            attempts=F("attempts") + 1,
            lease_until=lease,
            submitted_at=Coalesce("submitted_at", Value(now)),
        )
        if not taken:
            return None
        task = FulfilmentTask.objects.get(pk=task_id)
        payload = task.payload
        if task.depends_on:
            inputs: dict = {}
            before = FulfilmentTask.objects.filter(pk__in=task.depends_on, state=T.DONE).order_by("id")
            for outputs in before.values_list("outputs", flat=True):
                inputs.update(outputs)
            payload = {**payload, "inputs": inputs}
    return task.task, task.reference, task.system, task.attempts, task.order_id, payload


def task_poll(task_id: int) -> None:
    """Ask the system how a long-running task is doing."""
    now = timezone.now()
    with transaction.atomic():
        _, task = _lock(task_id)
        if task is None or task.state != T.IN_SYSTEM or (task.next_attempt_at and task.next_attempt_at > now):
            return
        if task.submitted_at and now - task.submitted_at > timedelta(seconds=task.timeout_seconds):
            reason = f"{task.system} did not finish {task.task} within {task.timeout_seconds} s"
            _task_failed(task, reason, cancel_in_system=True)
            return
        task.next_attempt_at = now + timedelta(seconds=settings.FULFILMENT_POLL_SECONDS)
        task.save(update_fields=["next_attempt_at"])
        reference, system = task.reference, task.system
    try:
        status = fulfilment_target(system).status(reference)
    except (SourceUnavailable, FulfilmentRejected) as error:
        logger.warning("polling %s failed: %s", reference, error)
        later(POLL_TASK, task_id, delay=settings.FULFILMENT_POLL_SECONDS)
        return
    _record_status(task_id, status, attempt=None)


def _record_status(task_id: int, status: FulfilmentStatus, *, attempt: int | None, order_id: str | None = None) -> None:
    """What the system said, in one transaction: the task moves, what waited for it is released, its item
    delivered and the order finished when that was the last of it, all on the timeline and in events."""
    now = timezone.now()
    with transaction.atomic():
        order, task, tasks = _lock_with_tasks(task_id, order_id)
        if task is None:
            return
        expected = T.RUNNING if attempt is not None else T.IN_SYSTEM
        if task.state != expected or (attempt is not None and task.attempts != attempt):
            if task.state == T.COMPENSATING and status.state == FulfilmentStatus.COMPLETED:
                task.outputs, task.finished_at = dict(status.outputs), task.finished_at or now
                task.save(update_fields=["outputs", "finished_at"])  # done after all; the undo pass undoes it
            return  # another attempt, a supervisor or an undo took it over
        if status.state == FulfilmentStatus.COMPLETED:
            task.finished_at, task.outputs, task.lease_until = now, dict(status.outputs), None
            dropped = task.item_id in order.dropped_items
            task.state = T.COMPENSATING if order.undoing or dropped else T.DONE
            done = timeline.line(order.pk, f"{task.system}: {task.task} #{task.unit} done", task=task)
            if task.state == T.COMPENSATING:
                task.save(update_fields=["state", "finished_at", "outputs", "lease_until"])
                done.save()
                enqueue(UNDO_ORDER, order.pk)  # finished while its order was being undone
            else:
                advance(order, finished_item=task.item_id, tasks=tasks, finished=task, notes=[done])
        elif status.state == FulfilmentStatus.IN_PROGRESS:
            task.state, task.lease_until = T.IN_SYSTEM, None
            task.next_attempt_at = now + timedelta(seconds=settings.FULFILMENT_POLL_SECONDS)
            task.submitted_at = now  # the system has it: its time to finish counts from now, not from an outage
            task.save(update_fields=["state", "lease_until", "next_attempt_at", "submitted_at"])
            later(POLL_TASK, task.pk, delay=settings.FULFILMENT_POLL_SECONDS)
        else:
            _task_failed(task, f"{task.system} cancelled {task.task} on its side")


def _lock_with_tasks(task_id: int, order_id: str | None):
    """Lock the order, then all its tasks (in that order, as ``_lock`` does): (order, the task, all tasks).

    The order carries ``dropped_items``: the ids of its items dropped after a failure.
    """
    if order_id is None:
        order_id = FulfilmentTask.objects.filter(pk=task_id).values_list("order_id", flat=True).first()
    if order_id is None:
        return None, None, []
    if is_postgres():
        dropped = ProductOrderItem.objects.filter(order=OuterRef("pk"), state=ITEM.FAILED).values("pk")
        order = ProductOrder.objects.select_for_update().annotate(dropped_items=ArraySubquery(dropped)).get(pk=order_id)
    else:  # embedded mode (SQLite): no arrays; a writer holds the whole database anyway
        order = ProductOrder.objects.get(pk=order_id)
        order.dropped_items = list(order.items.filter(state=ITEM.FAILED).values_list("pk", flat=True))
    tasks = list(FulfilmentTask.objects.select_for_update().filter(order_id=order_id).order_by("id"))
    return order, next((t for t in tasks if t.pk == task_id), None), tasks


def _attempt_failed(
    task_id: int,
    attempt: int,
    error: str,
    *,
    permanent: bool,
    order_id: str | None = None,
    not_sent: CircuitOpen | None = None,
) -> None:
    """Retry after a back-off, or fail the task (a refusal; an outage too long). ``not_sent``: the circuit
    was open; the attempt never reached the system, so it is given back, and waits for the circuit."""
    with transaction.atomic():
        _, task = _lock(task_id, order_id)
        if task.state != T.RUNNING or task.attempts != attempt:
            return
        if not_sent is None:
            task.last_error = error[:500]
        else:
            task.attempts -= 1
        if permanent:
            return _task_failed(task, error)
        waited = (timezone.now() - (task.submitted_at or timezone.now())).total_seconds()
        if waited >= settings.FULFILMENT_UNAVAILABLE_SECONDS and (
            task.attempts >= settings.FULFILMENT_MAX_ATTEMPTS or not_sent is not None
        ):
            return _task_failed(
                task,
                f"{task.system} unavailable for {waited:.0f} s, gave up after {task.attempts} attempts;"
                f" last: {task.last_error or error}",
            )
        base, cap = settings.FULFILMENT_RETRY_BASE_SECONDS, settings.FULFILMENT_RETRY_MAX_SECONDS
        delay = max(backoff(max(task.attempts, 1), base, cap), not_sent.retry_after if not_sent else 0)
        task.state, task.lease_until = T.RETRYING, None
        task.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        task.save(update_fields=["state", "attempts", "lease_until", "next_attempt_at", "last_error"])
        what = "not sent (circuit open)" if not_sent is not None else f"attempt {attempt} failed ({error})"
        timeline.note(task.order_id, f"{task.system}: {task.task} {what}; retry in {delay:.1f} s")
        later(RUN_TASK, task.pk, delay=delay)


# --- progress ------------------------------------------------------------------------------------
def _task_failed(task: FulfilmentTask, reason: str, *, cancel_in_system: bool = False) -> None:
    """A task failed for good (its order is locked): drop its item or undo the whole order.

    ``cancel_in_system``: the system is still working on it (it took too long), so it is cancelled there too.
    """
    task.state, task.last_error, task.lease_until = T.FAILED, reason[:500], None
    task.finished_at = timezone.now()
    if cancel_in_system:
        task.state, task.finished_at = T.COMPENSATING, None
    task.save(update_fields=["state", "last_error", "lease_until", "finished_at"])
    order = ProductOrder.objects.get(pk=task.order_id)
    timeline.note(order.pk, f"{task.system}: {task.task} #{task.unit} failed: {reason}", task=task)
    if task.on_failure == FulfilmentStep.OnFailure.DROP_ITEM and not order.undoing:
        item = ProductOrderItem.objects.get(pk=task.item_id)
        item.state = ITEM.FAILED
        item.save(update_fields=["state"])
        siblings = FulfilmentTask.objects.filter(item_id=task.item_id).exclude(pk=task.pk)
        _stop(siblings)
        timeline.note(order.pk, f"item {item.item_id} ({item.offering_name}) dropped: {reason}", kind="item")
        if siblings.filter(state=T.COMPENSATING).exists():
            enqueue(UNDO_ORDER, order.pk)
        else:
            advance(order)
        return
    undo_order(order, reason=f"{task.task} in {task.system} failed: {reason}")


def _stop(tasks) -> None:
    """Unstarted tasks are cancelled; finished and in-system ones are queued for undoing."""
    tasks.filter(state__in=UNSTARTED).update(state=T.CANCELLED, lease_until=None)
    tasks.filter(state__in=(T.DONE, T.IN_SYSTEM)).update(state=T.COMPENSATING)


def undo_order(order: ProductOrder, *, reason: str) -> None:
    """Stop the (locked) order and undo what it did; it ends failed, or cancelled if that was asked."""
    order.undoing = True
    order.state_reason = reason[:300]
    order.save(update_fields=["undoing", "state_reason", "last_update"])
    _stop(FulfilmentTask.objects.filter(order=order))
    timeline.note(order.pk, f"undoing the order: {reason}", kind="undo")
    enqueue(UNDO_ORDER, order.pk)


def advance(
    order: ProductOrder,
    *,
    finished_item: int | None = None,
    start: bool = False,
    tasks: list[FulfilmentTask] | None = None,
    finished: FulfilmentTask | None = None,
    notes: list | None = None,
) -> None:
    """Unblock what can start, complete items whose tasks are all done, finish the order when all is.

    ``finished_item``: only that item's task just finished, so only it may have become complete.
    ``tasks``: the order's tasks, already locked by the caller; ``finished``: the one among them that just
    finished, saved here in one statement with what it releases; ``notes``: timeline lines to write with ours.
    """
    notes = list(notes or [])
    changed = [finished] if finished else []
    fields = ["state", "next_attempt_at"] + (["finished_at", "outputs", "lease_until"] if finished else [])
    if order.undoing:
        _save(changed, fields, notes)
        return
    if tasks is None:
        tasks = list(FulfilmentTask.objects.filter(order=order).order_by("id"))
    by_id = {t.pk: t for t in tasks}
    ready = []
    for task in tasks:
        if task.state != T.BLOCKED:
            continue
        before = [by_id[i] for i in task.depends_on if i in by_id]
        if any(b.state in DEAD for b in before):
            _save(changed, fields, notes)
            _task_failed(task, "a task it needs did not happen")
            return
        if all(b.state == T.DONE for b in before):
            task.state, task.next_attempt_at = T.READY, timezone.now()
            ready.append(task)
    # Only what has just become ready is sent (at the start: everything ready); the rest is in a queue
    # already, and sending it again under a backlog would only lengthen the line. ``next_attempt_at``
    # of a ready task says when it was sent: the sweeper sends it again only long after that.
    if start:
        ready += [t for t in tasks if t.state == T.READY and t not in ready]
        for task in ready:
            task.next_attempt_at = timezone.now()
    _save(changed + ready, fields, [])
    for task in ready:
        enqueue(RUN_TASK, task.pk)
    finishing = not any(t.state in UNFINISHED or t.state == T.COMPENSATING for t in tasks)
    if finished_item is None or finishing:
        notes += delivery.items_complete(order, tasks)
    elif all(t.state == T.DONE for t in tasks if t.item_id == finished_item):
        notes += delivery.items_complete(order, tasks, item_ids={finished_item})
    if order.state == S.IN_PROGRESS and finishing:
        dropped = (
            bool(order.dropped_items)
            if hasattr(order, "dropped_items")
            else order.items.filter(state=ITEM.FAILED).exists()
        )
        timeline.transition(
            order,
            S.PARTIAL if dropped else S.COMPLETED,
            reason="some items could not be delivered" if dropped else "every item delivered",
            notes=notes,
        )
        customer_services.interaction_record(
            customer_id=order.customer_id,
            channel=order.channel,
            actor="overlay",
            kind="order",
            summary=f"order {order.pk} {order.state}",
        )
    else:
        _save([], [], notes)


def _save(tasks: list[FulfilmentTask], fields: list[str], notes: list) -> None:
    """Tasks changed and timeline lines, in one statement each."""
    if tasks:
        update_rows(FulfilmentTask, tasks, fields)
    if notes:
        OrderEvent.objects.bulk_create(notes)


# --- undoing -------------------------------------------------------------------------------------
def order_undo_step(order_id: str) -> bool:
    """Undo the latest finished task still to undo; True when there may be more to do now."""
    with transaction.atomic():
        order = _lock_order(order_id)
        tasks = FulfilmentTask.objects.filter(order=order)
        if not order.undoing:
            tasks = tasks.filter(item__state=ITEM.FAILED)  # only a dropped item is being undone
        now = timezone.now()
        running = tasks.filter(state=T.RUNNING, lease_until__gt=now).first()
        if running is not None:
            later(UNDO_ORDER, order.pk, delay=(running.lease_until - now).total_seconds() + 0.5)
            return False
        # A task whose worker died mid-call may have been done: undo it too (undoing is idempotent).
        tasks.filter(state=T.RUNNING).update(state=T.COMPENSATING, finished_at=now)
        task = tasks.filter(state=T.COMPENSATING).order_by("-finished_at", "-id").first()
        if task is None:
            _finish_undo(order)
            return False
        if not task.undo_task and task.finished_at is not None:
            task.state = T.UNDO_FAILED
            task.last_error = f"{task.task} cannot be undone (its plan has no undo step)"
            task.save(update_fields=["state", "last_error"])
            timeline.note(order.pk, f"{task.system}: {task.last_error}", task=task, kind="undo")
            return True
        undo, reference, system = task.undo_task or "cancel", task.reference, task.system
    try:
        fulfilment_target(system).compensate(undo, reference)
    except FulfilmentRejected as error:
        return _undo_result(task.pk, f"{system} refused to {undo}: {error}")
    except SourceUnavailable as error:
        with transaction.atomic():
            _, row = _lock(task.pk)
            row.attempts += 1
            row.last_error = f"undo: {error}"[:500]
            delay = backoff(row.attempts, settings.FULFILMENT_RETRY_BASE_SECONDS, settings.FULFILMENT_RETRY_MAX_SECONDS)
            delay = max(delay, getattr(error, "retry_after", 0))  # an open circuit: no use calling before it closes
            row.next_attempt_at = timezone.now() + timedelta(seconds=delay)
            row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            later(UNDO_ORDER, order_id, delay=delay)
        return False
    return _undo_result(task.pk, "")


def _undo_result(task_id: int, problem: str) -> bool:
    with transaction.atomic():
        _, task = _lock(task_id)
        if task.state != T.COMPENSATING:
            return True
        task.state = T.UNDO_FAILED if problem else T.COMPENSATED
        task.last_error = problem[:500] if problem else task.last_error
        task.save(update_fields=["state", "last_error"])
        message = problem or f"{task.system}: {task.undo_task or 'cancel'} #{task.unit} done (undid {task.task})"
        timeline.note(task.order_id, message, task=task, kind="undo")
        if not problem and task.creates_product and task.outputs.get("id"):
            # The product it put in place is gone again.
            customer_services.held_product_ended(task.system, task.outputs["id"])
    return True


def _finish_undo(order: ProductOrder) -> None:
    if not order.undoing:
        advance(order)  # a dropped item was undone; the rest goes on
        return
    stuck = list(FulfilmentTask.objects.filter(order=order, state=T.UNDO_FAILED).values_list("task", flat=True))
    reason = order.state_reason + (f"; not undone: {', '.join(stuck)}" if stuck else "")
    order.undoing = False
    order.save(update_fields=["undoing", "last_update"])
    undone = FulfilmentTask.objects.filter(order=order).exclude(state=T.DONE).values_list("item_id", flat=True)
    order.items.filter(pk__in=undone).update(
        state=ITEM.CANCELLED if order.state == S.PENDING_CANCELLATION else ITEM.FAILED
    )
    if order.state == S.PENDING_CANCELLATION:
        timeline.transition(order, S.CANCELLED, reason=reason)
        for cancellation in CancelProductOrder.objects.filter(order=order, state=CancelProductOrder.State.IN_PROGRESS):
            cancellation.state = CancelProductOrder.State.DONE
            cancellation.effective_cancellation_date = timezone.now()
            cancellation.save(update_fields=["state", "effective_cancellation_date"])
            events.cancellation_event(cancellation, "CancelProductOrderStateChangeEvent")
    elif order.state not in states.FINAL:
        timeline.transition(order, S.FAILED, reason=reason)


def order_undo(order_id: str) -> None:
    """Undo an order's finished tasks, latest first, one after the other."""
    while order_undo_step(order_id):
        pass


# --- the sweeper ---------------------------------------------------------------------------------
def sweep(now=None) -> dict:
    """Pick up work whose job was lost (a crash before a message was sent, a dead worker's lease).

    Runs every ``SWEEP_SECONDS`` from Celery beat. With a broker, only work overdue by
    ``FULFILMENT_REQUEUE_SECONDS`` is sent again (and a dead worker's task once its lease ran
    out); in embedded mode (no broker) delayed work is not queued at all, so the sweeper is what
    carries it out: retries, polls and undoing.
    """
    now = now or timezone.now()
    # Work whose message should be in a queue already is only sent again after a long while:
    # under a backlog, messages legitimately wait, and duplicates would only lengthen the line.
    lost = now - timedelta(seconds=settings.FULFILMENT_REQUEUE_SECONDS)
    counts = {"orders": 0, "tasks": 0, "polls": 0, "undo": 0}
    acknowledged = ProductOrder.objects.filter(state=S.ACKNOWLEDGED, order_date__lte=lost).values_list("pk", flat=True)
    for order_id in acknowledged[:200]:
        send(START_ORDER, order_id)
        counts["orders"] += 1
    due = (
        FulfilmentTask.objects.filter(order__state=S.IN_PROGRESS, order__undoing=False)
        .filter(
            Q(state__in=(T.READY, T.RETRYING), next_attempt_at__lte=lost)
            | Q(state=T.RUNNING, lease_until__lte=now)  # its worker died: the lease says so
        )
        .values_list("pk", flat=True)[:500]
    )
    for task_id in due:
        send(RUN_TASK, task_id)
        counts["tasks"] += 1
    polls = FulfilmentTask.objects.filter(state=T.IN_SYSTEM, next_attempt_at__lte=lost).values_list("pk", flat=True)
    for task_id in polls[:500]:
        send(POLL_TASK, task_id)
        counts["polls"] += 1
    undoing = (
        FulfilmentTask.objects.filter(state=T.COMPENSATING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=lost))
        .values_list("order_id", flat=True)
        .distinct()
    )
    stuck_undoing = ProductOrder.objects.filter(undoing=True, last_update__lte=lost).values_list("pk", flat=True)
    for order_id in set(undoing[:200]) | set(stuck_undoing[:200]):
        send(UNDO_ORDER, order_id)
        counts["undo"] += 1
    return counts
