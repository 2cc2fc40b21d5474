"""The shared shopping cart, its channel journey, hand-offs and qualifications."""

import uuid

from django.db import models
from django.db.models import Q


def new_id() -> str:
    return uuid.uuid4().hex


class ShoppingCart(models.Model):
    """One cart per customer, whatever the channel; anonymous until the customer identifies."""

    class Status(models.TextChoices):
        OPEN = "open"
        CHECKED_OUT = "checkedOut"
        MERGED = "merged"
        EXPIRED = "expired"

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="carts"
    )
    secret_hash = models.CharField(
        max_length=64, blank=True, help_text="Anonymous carts: whoever holds the secret may attach it."
    )
    channel = models.CharField(max_length=20, help_text="The channel it was started in.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    version = models.PositiveIntegerField(default=1, help_text="Grows with every change: the ETag's first half.")
    contact_medium = models.JSONField(default=list, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    order_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(help_text="Idle carts expire; every change moves this on.")
    checked_out_at = models.DateTimeField(null=True, blank=True)
    price_promise = models.JSONField(
        default=dict,
        blank=True,
        help_text="The prices shown in the channel that handed it off, honoured elsewhere until they expire.",
    )

    class Meta:
        ordering = ("-updated_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(status="open"), name="cart_one_open_per_customer")
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="cart_status_expiry_idx")]

    def __str__(self) -> str:
        return f"cart {self.id[:8]} ({self.status})"


class CartItem(models.Model):
    class Action(models.TextChoices):
        ADD = "add"
        MODIFY = "modify"
        DELETE = "delete"
        NO_CHANGE = "noChange"

    class Status(models.TextChoices):
        ACTIVE = "active"
        SAVE_FOR_LATER = "saveForLater"

    cart = models.ForeignKey(ShoppingCart, on_delete=models.CASCADE, related_name="items")
    offering = models.ForeignKey(
        "catalog.ProductOffering", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.ADD)
    held_product = models.ForeignKey(
        "customers.HeldProduct",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="In-life actions: the product the customer holds that this adds to, changes or ends.",
    )
    quantity = models.PositiveIntegerField(default=1)
    characteristics = models.JSONField(default=dict, blank=True)
    members = models.JSONField(default=dict, blank=True, help_text="Bundles: member offering id -> count.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    note = models.CharField(max_length=500, blank=True)
    channel = models.CharField(max_length=20, help_text="The channel that added it.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("cart", "id")

    def __str__(self) -> str:
        return f"{self.action} {self.offering or self.held_product} x{self.quantity}"


class CartEvent(models.Model):
    """The cart's channel journey: who did what to it, through which channel."""

    cart = models.ForeignKey(ShoppingCart, on_delete=models.CASCADE, related_name="journey")
    channel = models.CharField(max_length=20)
    actor = models.CharField(max_length=150)
    kind = models.CharField(max_length=30)
    summary = models.CharField(max_length=300)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("cart", "at", "id")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.channel} {self.kind}"


class Handoff(models.Model):
    """A short single-use code that moves a cart and its context to another channel."""

    cart = models.ForeignKey(ShoppingCart, on_delete=models.CASCADE, related_name="handoffs")
    code_hash = models.CharField(max_length=64, unique=True)
    context = models.JSONField(default=dict, blank=True, help_text="Configurator choices, address, notes.")
    from_channel = models.CharField(max_length=20)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=150, blank=True)
    claimed_channel = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"hand-off of {self.cart} from {self.from_channel}"


class Qualification(models.Model):
    """A TMF679 product offering qualification: what was asked and what was answered."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner = models.CharField(max_length=80, help_text="The principal that asked.")
    channel = models.CharField(max_length=20)
    state = models.CharField(max_length=20, default="done")
    place = models.JSONField(default=dict, blank=True)
    items = models.JSONField(default=list, help_text="The answer per item asked (per offering of a category asked).")
    description = models.CharField(max_length=300, blank=True)
    expected_at = models.DateTimeField(null=True, blank=True, help_text="When the requester expects the answer.")
    provide_alternative = models.BooleanField(default=False, help_text="Offerings that qualify proposed instead.")
    provide_only_available = models.BooleanField(default=False, help_text="A category lists what qualifies only.")
    provide_unavailability_reason = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "id")

    def __str__(self) -> str:
        return f"qualification {self.id[:8]}"
