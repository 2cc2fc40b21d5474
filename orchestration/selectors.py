"""Read queries on orders, every one scoped to what the caller may see."""

from django.db.models import Count, Prefetch, Q, QuerySet

from orchestration import states
from orchestration.models import CancelProductOrder, FulfilmentTask, ProductOrder, ProductOrderItem
from overlay.principal import Principal


def orders_visible(principal: Principal | None) -> QuerySet[ProductOrder]:
    """A customer sees their own orders; agents and applications entitled to orders see all."""
    if principal is None:
        return ProductOrder.objects.none()
    if principal.customer_id is not None:
        return ProductOrder.objects.filter(customer_id=principal.customer_id)
    if principal.has_scope("orders:read"):
        return ProductOrder.objects.all()
    return ProductOrder.objects.none()


def order_items_prefetch() -> Prefetch:
    """An order's items as its representation reads them."""
    return Prefetch("items", queryset=ProductOrderItem.objects.select_related("held_product", "product").order_by("id"))


def orders_with_related(orders: QuerySet[ProductOrder]) -> QuerySet[ProductOrder]:
    return orders.prefetch_related(order_items_prefetch())


def orders_in_flight(principal: Principal | None, customer_id: str) -> list[ProductOrder]:
    """The customer's orders still being fulfilled that the caller may see (for the 360° view).

    Each carries its fulfilment progress, counted in the same query: ``tasks_total``,
    ``tasks_done`` and ``tasks_failed``.
    """
    done = Count("tasks", filter=Q(tasks__state=FulfilmentTask.State.DONE))
    failed = Count("tasks", filter=Q(tasks__state__in=(FulfilmentTask.State.FAILED, FulfilmentTask.State.UNDO_FAILED)))
    return list(
        orders_visible(principal)
        .filter(customer_id=customer_id)
        .exclude(state__in=states.FINAL)
        .order_by("-order_date")
        .only("id", "state", "order_date", "channel", "state_reason")
        .annotate(tasks_total=Count("tasks"), tasks_done=done, tasks_failed=failed)[:10]
    )


def cancellations_visible(principal: Principal | None) -> QuerySet[CancelProductOrder]:
    """Cancellation requests of the orders the caller may see."""
    return CancelProductOrder.objects.filter(order__in=orders_visible(principal).values("pk"))


def task_graph(order: ProductOrder) -> list[list[FulfilmentTask]]:
    """The order's tasks in waves: each wave waits only for tasks in the waves before it."""
    tasks = list(FulfilmentTask.objects.filter(order=order).select_related("item").order_by("id"))
    level: dict[int, int] = {}
    by_id = {t.pk: t for t in tasks}

    def depth(task: FulfilmentTask, seen: frozenset = frozenset()) -> int:
        if task.pk not in level:
            before = [by_id[i] for i in task.depends_on if i in by_id and i not in seen]
            level[task.pk] = 1 + max((depth(b, seen | {task.pk}) for b in before), default=-1)
        return level[task.pk]

    waves: dict[int, list[FulfilmentTask]] = {}
    for task in tasks:
        task.waits_for = [by_id[i] for i in task.depends_on if i in by_id]
        waves.setdefault(depth(task), []).append(task)
    return [waves[k] for k in sorted(waves)]


def order_items_touching(held_product_id: str, since, limit: int = 5) -> list[ProductOrderItem]:
    """The latest order items since ``since`` that changed, ended, added to or put in place a held product
    (what a trouble ticket about it is told: the recent orders and in-life changes on it)."""
    return list(
        ProductOrderItem.objects.filter(Q(held_product_id=held_product_id) | Q(product_id=held_product_id))
        .filter(order__order_date__gte=since)
        .select_related("order")
        .order_by("-order__order_date", "-id")[:limit]
    )
