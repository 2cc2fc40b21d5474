"""Trouble tickets (TMF621): a fault a customer reports about a product they hold, routed to the
back-office system that runs it, followed there, and handed between channels like a cart."""

import uuid

from django.db import models


def new_id() -> str:
    return uuid.uuid4().hex


class TroubleTicket(models.Model):
    class Status(models.TextChoices):
        """TMF621 v4 TroubleTicketStatusType."""

        ACKNOWLEDGED = "acknowledged"
        REJECTED = "rejected"
        PENDING = "pending"
        HELD = "held"
        IN_PROGRESS = "inProgress"
        CANCELLED = "cancelled"
        CLOSED = "closed"
        RESOLVED = "resolved"

    class Severity(models.TextChoices):
        CRITICAL = "critical"
        MAJOR = "major"
        MINOR = "minor"

    class Priority(models.TextChoices):
        HIGH = "high"
        MEDIUM = "medium"
        LOW = "low"

    class Routing(models.TextChoices):
        """Where the hand-over to the product's back-office system stands."""

        PENDING = "pending"
        ROUTED = "routed"
        FAILED = "failed"

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="trouble_tickets")
    held_product = models.ForeignKey("customers.HeldProduct", on_delete=models.PROTECT, related_name="trouble_tickets")
    category = models.ForeignKey("knowledge.TicketCategory", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    description = models.TextField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACKNOWLEDGED)
    status_change_reason = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField()
    channel = models.CharField(max_length=30)
    created_by = models.CharField(max_length=150)
    requested_resolution_date = models.DateTimeField(null=True, blank=True)
    expected_resolution_date = models.DateTimeField(null=True, blank=True)
    resolution_date = models.DateTimeField(null=True, blank=True)
    # What Overlay knew when it was opened: related entities (the product's system, recent orders).
    enrichment = models.JSONField(default=list, blank=True)
    # The back-office side: the system it is routed to, its id and revision there.
    system = models.CharField(max_length=50)
    routing = models.CharField(max_length=10, choices=Routing.choices, default=Routing.PENDING)
    routing_attempts = models.PositiveIntegerField(default=0)
    routing_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="When routing is tried again.")
    external_id = models.CharField(max_length=100, blank=True)
    external_version = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "id")
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_idx"),
            models.Index(fields=["system", "external_id"], name="ticket_external_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class TicketNote(models.Model):
    """A note on a ticket: by the customer, an agent, Overlay's enrichment or the back-office system."""

    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="notes")
    author = models.CharField(max_length=150)
    text = models.TextField()
    external_id = models.CharField(max_length=100, blank=True, help_text="The note's id in the system.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("ticket", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "external_id"], condition=~models.Q(external_id=""), name="ticketnote_unique_external"
            )
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class TicketStatusChange(models.Model):
    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=20, choices=TroubleTicket.Status.choices)
    reason = models.CharField(max_length=300, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ("ticket", "id")

    def __str__(self) -> str:
        return f"{self.status} at {self.changed_at:%Y-%m-%d %H:%M}"


class TicketHandoff(models.Model):
    """A ticket handed to another channel (an agent) by a single-use code; only the code's hash is kept."""

    ticket = models.ForeignKey(TroubleTicket, on_delete=models.CASCADE, related_name="handoffs")
    code_hash = models.CharField(max_length=64, unique=True)
    note = models.CharField(max_length=500, blank=True)
    from_channel = models.CharField(max_length=30)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=150, blank=True)
    claimed_channel = models.CharField(max_length=30, blank=True)

    def __str__(self) -> str:
        return f"hand-off of {self.ticket_id} from {self.from_channel}"
