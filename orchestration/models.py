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
