"""Orders, their fulfilment tasks and timeline, and cancellations."""

import uuid

from django.db import models

from catalog.models import FulfilmentStep


def new_id() -> str:
    return uuid.uuid4().hex


class ProductOrder(models.Model):
    """A TMF622 product order: what a customer bought, priced when they bought it."""

    class State(models.TextChoices):
        ACKNOWLEDGED = "acknowledged"
        REJECTED = "rejected"
        PENDING = "pending"
        HELD = "held"
        IN_PROGRESS = "inProgress"
        CANCELLED = "cancelled"
        COMPLETED = "completed"
        FAILED = "failed"
        PARTIAL = "partial"
        ASSESSING_CANCELLATION = "assessingCancellation"
        PENDING_CANCELLATION = "pendingCancellation"

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="orders")
    cart_id = models.CharField(max_length=64, blank=True, help_text="The shopping cart it was checked out from.")
    channel = models.CharField(max_length=20)
    created_by = models.CharField(max_length=150, help_text="Who placed it: an agent, an application, the customer.")
    state = models.CharField(max_length=25, choices=State.choices, default=State.ACKNOWLEDGED)
    state_reason = models.CharField(max_length=300, blank=True)
    description = models.CharField(max_length=300, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    priority = models.CharField(max_length=10, blank=True)
    note = models.JSONField(default=list, blank=True)
    order_total_price = models.JSONField(default=list, blank=True, help_text="The priced snapshot's totals.")
    order_date = models.DateTimeField(auto_now_add=True)
    completion_date = models.DateTimeField(null=True, blank=True)
    cancellation_date = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=300, blank=True)
    requested_completion_date = models.DateTimeField(null=True, blank=True)
    category = models.CharField(max_length=60, blank=True)
    undoing = models.BooleanField(
        default=False, help_text="Its finished tasks are being undone (it failed, or is being cancelled)."
    )
    last_update = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-order_date", "id")
        indexes = [models.Index(fields=["customer", "-order_date"], name="order_customer_idx")]
        permissions = [("supervise_productorder", "Can retry, cancel and complete orders by hand")]

    def __str__(self) -> str:
        return f"order {self.id} ({self.state})"


class ProductOrderItem(models.Model):
    class Action(models.TextChoices):
        ADD = "add"
        MODIFY = "modify"
        DELETE = "delete"
        NO_CHANGE = "noChange"

    class State(models.TextChoices):
        ACKNOWLEDGED = "acknowledged"
        COMPLETED = "completed"
        FAILED = "failed", "failed (dropped from its order)"
        CANCELLED = "cancelled"

    order = models.ForeignKey(ProductOrder, on_delete=models.CASCADE, related_name="items")
    item_id = models.CharField(max_length=20)
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.ADD)
    offering = models.ForeignKey(
        "catalog.ProductOffering", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    offering_name = models.CharField(max_length=200, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    characteristics = models.JSONField(default=dict, blank=True)
    members = models.JSONField(default=dict, blank=True)
    held_product = models.ForeignKey(
        "customers.HeldProduct",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The held product it changes or ends (modify, delete), or adds on to (add).",
    )
    product = models.ForeignKey(
        "customers.HeldProduct",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The product it put in place, changed or ended, once completed.",
    )
    item_price = models.JSONField(default=list, blank=True, help_text="The priced snapshot of this item.")
    state = models.CharField(max_length=25, choices=State.choices, default=State.ACKNOWLEDGED)

    class Meta:
        ordering = ("order", "id")
        constraints = [models.UniqueConstraint(fields=["order", "item_id"], name="order_item_unique_id")]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.item_id} {self.action} {self.offering_name}"


class FulfilmentTask(models.Model):
    """One step of an order item's fulfilment plan, for one unit (and bundle member), in one system.

    ``reference`` is its idempotency key in the system: every attempt of this task carries the
    same one, so a retry or a redelivered job never provisions twice.
    """

    class State(models.TextChoices):
        BLOCKED = "blocked", "waiting for earlier tasks"
        READY = "ready", "ready to run"
        RUNNING = "running", "being sent to the system"
        IN_SYSTEM = "inSystem", "the system is working on it"
        RETRYING = "retrying", "waiting to retry"
        DONE = "done"
        FAILED = "failed"
        CANCELLED = "cancelled", "not started (order stopped)"
        COMPENSATING = "compensating", "being undone"
        COMPENSATED = "compensated", "undone"
        UNDO_FAILED = "undoFailed", "could not be undone"

    order = models.ForeignKey(ProductOrder, on_delete=models.CASCADE, related_name="tasks")
    item = models.ForeignKey(ProductOrderItem, on_delete=models.CASCADE, related_name="tasks")
    key = models.SlugField(max_length=40)
    unit = models.PositiveSmallIntegerField(default=1, help_text="Which unit of the item (quantity, bundle member).")
    member_offering_id = models.CharField(max_length=64, blank=True)
    system = models.SlugField(max_length=50)
    task = models.CharField(max_length=60)
    undo_task = models.CharField(max_length=60, blank=True)
    creates_product = models.BooleanField(default=False)
    on_failure = models.CharField(
        max_length=12, choices=FulfilmentStep.OnFailure.choices, default=FulfilmentStep.OnFailure.FAIL_ORDER
    )
    timeout_seconds = models.PositiveIntegerField(default=3600)
    depends_on = models.JSONField(default=list, blank=True, help_text="Ids of tasks that must be done first.")
    payload = models.JSONField(default=dict, blank=True)
    reference = models.CharField(max_length=200, unique=True)
    state = models.CharField(max_length=15, choices=State.choices, default=State.BLOCKED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A running attempt owns it until then.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outputs = models.JSONField(default=dict, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("order", "id")
        indexes = [
            models.Index(fields=["order", "state"], name="task_order_state_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="task_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.system}/{self.task} #{self.unit} ({self.state})"


class OrderEvent(models.Model):
    """The order's timeline: state changes, task progress, supervisor actions."""

    order = models.ForeignKey(ProductOrder, on_delete=models.CASCADE, related_name="timeline")
    task = models.ForeignKey(FulfilmentTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20)
    actor = models.CharField(max_length=150, default="overlay")
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind}: {self.message}"


class CancelProductOrder(models.Model):
    """A TMF622 request to cancel an order; its state tracks the undoing of the order's fulfilment."""

    class State(models.TextChoices):
        ACKNOWLEDGED = "acknowledged"
        IN_PROGRESS = "inProgress"
        DONE = "done"
        TERMINATED_WITH_ERROR = "terminatedWithError"

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    order = models.ForeignKey(ProductOrder, on_delete=models.CASCADE, related_name="cancellations")
    cancellation_reason = models.CharField(max_length=300, blank=True)
    requested_cancellation_date = models.DateTimeField(null=True, blank=True)
    effective_cancellation_date = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACKNOWLEDGED)
    requested_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "id")

    def __str__(self) -> str:
        return f"cancel {self.order_id} ({self.state})"
