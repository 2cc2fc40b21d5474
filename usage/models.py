"""Usage: the records the back-office systems report, their rating per product and billing period,
and the bill-shock alerts and spend caps that watch it.

Overlay does not invoice: billing stays in the back office. It keeps what the channels need to
show and act on: per product, metric and period the quantity used, the amount so far (rated by
the catalog's pricing engine) and, at read time, the projection to the period's end.
"""

import uuid

from django.db import models

from catalog.models import ProductOfferingPrice, UsageMetric
from customers.models import Customer, HeldProduct


def new_id() -> str:
    return uuid.uuid4().hex


class UsageRecord(models.Model):
    """One mediation record, as imported: identified by its id in its system (imported once)."""

    id = models.BigAutoField(primary_key=True)
    system = models.CharField(max_length=50)
    external_id = models.CharField(max_length=100)
    product = models.ForeignKey(HeldProduct, on_delete=models.CASCADE, related_name="usage", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="usage", db_index=False)
    metric = models.ForeignKey(UsageMetric, to_field="code", on_delete=models.PROTECT, db_index=False)
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    start = models.DateTimeField()
    period_start = models.DateField(help_text="The first day of the billing period it falls in.")
    # The price it is rated against: the holder's offering's usage price for its metric valid at its start.
    price = models.ForeignKey(
        ProductOfferingPrice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    attributes = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "external_id"], name="usage_unique_source")]
        indexes = [
            # A period's records in time order: rating, and a record's share of its period.
            models.Index(fields=["product", "metric", "period_start", "start", "id"], name="usage_period_idx"),
            # A customer's usage, newest first (TMF635).
            models.Index(fields=["customer", "start", "id"], name="usage_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.external_id}"


class Consumption(models.Model):
    """A product's usage of one metric in one billing period, rated (TMF677's buckets, the 360°'s panel).

    ``dirty``: records arrived since it was last rated; rating picks it up (``usage.rating``).
    """

    product = models.ForeignKey(HeldProduct, on_delete=models.CASCADE, related_name="consumption", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consumption", db_index=False)
    metric = models.ForeignKey(UsageMetric, to_field="code", on_delete=models.PROTECT, db_index=False)
    period_start = models.DateField()
    period_end = models.DateField(help_text="The first day of the next period.")
    price = models.ForeignKey(
        ProductOfferingPrice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    quantity = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    records = models.PositiveIntegerField(default=0)
    included = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    gross = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    credit = models.DecimalField(
        max_digits=14, decimal_places=4, default=0, help_text="Service-level credit (outcome prices)."
    )
    amount = models.DecimalField(max_digits=14, decimal_places=4, default=0, help_text="After credit, before tax.")
    tax = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    currency = models.CharField(max_length=3, blank=True, default="")
    last_usage_at = models.DateTimeField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    dirty = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "metric", "period_start"], name="consumption_unique_period")
        ]
        indexes = [
            models.Index(fields=["customer", "period_start"], name="consumption_customer_idx"),
            models.Index(
                fields=["period_start", "product"], name="consumption_dirty_idx", condition=models.Q(dirty=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.metric_id} {self.period_start}"


class SpendCap(models.Model):
    """The most a customer wants to spend on a product's usage in a period (they set it; bill shock)."""

    product = models.OneToOneField(HeldProduct, on_delete=models.CASCADE, related_name="spend_cap")
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3, default="EUR")
    set_at = models.DateTimeField(auto_now=True)
    set_by = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class UsageAlert(models.Model):
    """A bill-shock threshold crossed: once per product, threshold and period (the constraint says so)."""

    class Threshold(models.TextChoices):
        INCLUDED_80 = "included-80", "80% of the included units used"
        INCLUDED_100 = "included-100", "All the included units used"
        SPEND_CAP = "spend-cap", "The spend cap reached"

    product = models.ForeignKey(HeldProduct, on_delete=models.CASCADE, related_name="usage_alerts", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="usage_alerts", db_index=False)
    metric = models.CharField(max_length=30, blank=True, help_text="Empty for the spend cap (all metrics).")
    period_start = models.DateField()
    threshold = models.CharField(max_length=20, choices=Threshold.choices)
    value = models.DecimalField(max_digits=18, decimal_places=6, help_text="Used (or spent) when it was crossed.")
    limit = models.DecimalField(max_digits=18, decimal_places=6, help_text="Included units (or the cap).")
    raised_at = models.DateTimeField(auto_now_add=True)
    rating = models.UUIDField(help_text="The rating run that raised it.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "metric", "period_start", "threshold"], name="usage_alert_once_per_period"
            )
        ]
        indexes = [models.Index(fields=["customer", "period_start"], name="usage_alert_customer_idx")]
        ordering = ("-raised_at",)

    def __str__(self) -> str:
        return f"{self.threshold} {self.period_start}"


class QueryUsageConsumption(models.Model):
    """A TMF677 consumption query: what was asked and the report answered, read back by whoever asked.

    The report is kept as computed (``usage.consumption``): reading it back shows what the caller was
    told, at the time it was told.
    """

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    owner = models.CharField(max_length=80, help_text="The principal that asked.")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    asked = models.JSONField(default=dict, help_text="The search criteria, as understood.")
    report = models.JSONField(default=list, help_text="Per product: its buckets, per metric and period.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "id")
        indexes = [models.Index(fields=["owner", "created_at"], name="usage_query_owner_idx")]

    def __str__(self) -> str:
        return f"consumption query {self.id[:8]}"
