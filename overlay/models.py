"""Credentials of the channel applications that call Overlay's APIs."""

from django.db import models


class SalesChannel(models.TextChoices):
    WEB = "web", "Web storefront"
    MOBILE = "mobile", "Mobile app"
    STORE = "store", "Retail store"
    CALLCENTRE = "callcentre", "Call centre"
    PARTNER = "partner", "Partner"


class ApiClient(models.Model):
    """A channel application. Only a SHA-256 hash of its token is stored."""

    name = models.CharField(max_length=100, unique=True)
    channel = models.CharField(max_length=20, choices=SalesChannel.choices)
    scopes = models.JSONField(default=list, blank=True, help_text="For example catalog:write.")
    token_prefix = models.CharField(max_length=16, help_text="First characters of the token, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "API client"

    def __str__(self) -> str:
        return f"{self.name} ({self.channel})"


class IdempotencyRecord(models.Model):
    """A request made once per key: its replay returns what the first one created."""

    principal = models.CharField(max_length=80, help_text="Whose key it is (keys are per caller).")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64, help_text="What the key was first used for.")
    resource_type = models.CharField(max_length=40)
    resource_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.principal} {self.key} → {self.resource_type} {self.resource_id}"
