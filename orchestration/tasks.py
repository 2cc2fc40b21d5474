"""Celery jobs of orchestration. They take ids, and are safe to run twice (the database decides)."""

from celery import shared_task

from orchestration import fulfilment

# acks_late: a job is taken off the queue only when it finished, so a killed worker's job comes back.
JOB = {"acks_late": True, "reject_on_worker_lost": True, "soft_time_limit": 120, "time_limit": 150}


@shared_task(name=fulfilment.START_ORDER, **JOB)
def start_order_task(order_id: str) -> None:
    fulfilment.order_start(order_id)


@shared_task(name=fulfilment.RUN_TASK, **JOB)
def run_task(task_id: int) -> None:
    fulfilment.task_run(task_id)


@shared_task(name=fulfilment.POLL_TASK, **JOB)
def poll_task(task_id: int) -> None:
    fulfilment.task_poll(task_id)


@shared_task(name=fulfilment.UNDO_ORDER, **JOB)
def undo_order_task(order_id: str) -> None:
    fulfilment.order_undo(order_id)


@shared_task(acks_late=True)
def sweep_task() -> dict:
    return fulfilment.sweep()
