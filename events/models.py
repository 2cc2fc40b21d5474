"""The event outbox, its deliveries to listeners and their attempts, and the listeners (hub subscriptions).

The tables kept the names they had when these models lived in ``orchestration``.
"""

import secrets
import uuid

from django.db import models


def new_id() -> str:
    return uuid.uuid4().hex


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class EventSubscription(models.Model):
    """A TMF listener: events of ``api`` matching ``query`` go to ``callback``."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    api = models.CharField(max_length=60, help_text="The TMF API it listens to, e.g. productCatalogManagement.")
    callback = models.URLField(max_length=500)
    query = models.CharField(max_length=500, blank=True)
    owner = models.CharField(max_length=80, help_text="The principal that registered it.")
    secret = models.CharField(
        max_length=64,
        default=new_secret,
        editable=False,
        help_text="Signs every delivery (HMAC-SHA256); returned once, at registration.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "orchestration_eventsubscription"
        ordering = ("created_at",)
        indexes = [models.Index(fields=["api"], name="subscription_api_idx")]

    def __str__(self) -> str:
        return f"{self.api} → {self.callback}"


class OutboxEvent(models.Model):
    """A TMF688 event, written in the same transaction as the change it tells of; ``seq`` orders them."""

    seq = models.BigAutoField(primary_key=True)
    event_id = models.CharField(max_length=64, unique=True, default=new_id, editable=False)
    api = models.CharField(max_length=60)
    event_type = models.CharField(max_length=80)
    resource_type = models.CharField(max_length=60)
    resource_id = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    request_id = models.CharField(
        max_length=128, blank=True, help_text="The request (or job) that caused it: sent with every delivery."
    )

    class Meta:
        db_table = "orchestration_outboxevent"
        ordering = ("seq",)
        indexes = [models.Index(fields=["resource_type", "resource_id", "seq"], name="outbox_resource_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type} {self.resource_id}"


class EventDelivery(models.Model):
    """One event to one listener; delivered in ``seq`` order per listener and resource."""

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        GAVE_UP = "gaveUp", "gave up"

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(EventSubscription, on_delete=models.CASCADE, related_name="deliveries")
    resource_key = models.CharField(max_length=130, help_text="resource type and id: deliveries of one go in order.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "orchestration_eventdelivery"
        ordering = ("event_id", "id")
        verbose_name_plural = "event deliveries"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["subscription", "resource_key", "state"], name="delivery_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription.callback} ({self.state})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(EventDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "orchestration_deliveryattempt"
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.status_code or self.error}"
