"""Order orchestration and events. For now: listeners registered on each TMF API's /hub."""

import uuid

from django.db import models


def new_id() -> str:
    return uuid.uuid4().hex


class EventSubscription(models.Model):
    """A TMF listener: events of ``api`` matching ``query`` go to ``callback``."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    api = models.CharField(max_length=60, help_text="The TMF API it listens to, e.g. productCatalogManagement.")
    callback = models.URLField(max_length=500)
    query = models.CharField(max_length=500, blank=True)
    owner = models.CharField(max_length=80, help_text="The principal that registered it.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at",)
        indexes = [models.Index(fields=["api"], name="subscription_api_idx")]

    def __str__(self) -> str:
        return f"{self.api} → {self.callback}"


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
    last_update = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-order_date", "id")
        indexes = [models.Index(fields=["customer", "-order_date"], name="order_customer_idx")]

    def __str__(self) -> str:
        return f"order {self.id} ({self.state})"


class ProductOrderItem(models.Model):
    class Action(models.TextChoices):
        ADD = "add"
        MODIFY = "modify"
        DELETE = "delete"
        NO_CHANGE = "noChange"

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
        "customers.HeldProduct", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item_price = models.JSONField(default=list, blank=True, help_text="The priced snapshot of this item.")
    state = models.CharField(max_length=25, default="acknowledged")

    class Meta:
        ordering = ("order", "id")
        constraints = [models.UniqueConstraint(fields=["order", "item_id"], name="order_item_unique_id")]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.item_id} {self.action} {self.offering_name}"
