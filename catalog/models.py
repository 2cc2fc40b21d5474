"""The commercial product catalog.

Specifications say what a product is (characteristics, physical or digital,
the back-office system it comes from); offerings say how it is sold (bundles,
channels, segments, validity, lifecycle); prices say what it costs. Only
``catalog.pricing`` turns them into amounts.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


def new_id() -> str:
    return uuid.uuid4().hex


class Lifecycle(models.TextChoices):
    IN_STUDY = "In study"
    IN_DESIGN = "In design"
    IN_TEST = "In test"
    ACTIVE = "Active"
    LAUNCHED = "Launched"
    RETIRED = "Retired"
    OBSOLETE = "Obsolete"
    REJECTED = "Rejected"


# Statuses in which something can be shown to, and sold through, a channel.
SELLABLE_STATUSES = (Lifecycle.ACTIVE, Lifecycle.LAUNCHED)


class CatalogEntity(models.Model):
    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    version = models.CharField(max_length=20, blank=True, default="1.0")
    lifecycle_status = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.IN_DESIGN)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_to = models.DateTimeField(null=True, blank=True)
    last_update = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class Channel(models.Model):
    """A sales channel an offering can be sold through (its code matches API clients' channel)."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name


class MarketSegment(models.Model):
    """A customer segment offerings and campaigns can target (consumer, business, youth...)."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name


class Category(CatalogEntity):
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta(CatalogEntity.Meta):
        verbose_name_plural = "categories"


class ProductSpecification(CatalogEntity):
    class Kind(models.TextChoices):
        PHYSICAL = "physical", "Physical good"
        DIGITAL = "digital", "Digital service"

    brand = models.CharField(max_length=100, blank=True)
    product_number = models.CharField(max_length=50, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DIGITAL)
    is_bundle = models.BooleanField(default=False)
    source_system = models.CharField(max_length=50, blank=True, help_text="Back-office system it was imported from.")
    external_id = models.CharField(max_length=100, blank=True, help_text="Its id in that system.")
    serviceability_system = models.CharField(
        max_length=50,
        blank=True,
        help_text="Back-office system asked whether it can be delivered at an address (empty: anywhere).",
    )
    serviceability_technologies = models.CharField(
        max_length=100,
        blank=True,
        help_text="Access technologies that can deliver it, comma-separated, as that system names them "
        "(e.g. FTTH); empty: any it reports.",
    )

    class Meta(CatalogEntity.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=~Q(external_id=""),
                name="productspec_unique_source_record",
            )
        ]


class CharacteristicSpec(models.Model):
    """A characteristic of a specification a customer may (configurable) or must choose."""

    class ValueType(models.TextChoices):
        STRING = "string"
        NUMBER = "number"
        INTEGER = "integer"
        BOOLEAN = "boolean"

    specification = models.ForeignKey(ProductSpecification, on_delete=models.CASCADE, related_name="characteristics")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    value_type = models.CharField(max_length=10, choices=ValueType.choices, default=ValueType.STRING)
    configurable = models.BooleanField(default=True)
    min_cardinality = models.PositiveSmallIntegerField(default=0)
    max_cardinality = models.PositiveSmallIntegerField(default=1)
    regex = models.CharField(max_length=200, blank=True, help_text="Free values must match it (when no list).")

    class Meta:
        ordering = ("specification", "id")
        constraints = [models.UniqueConstraint(fields=["specification", "name"], name="characteristic_unique_name")]

    def __str__(self) -> str:
        return f"{self.specification.name}: {self.name}"


class CharacteristicValue(models.Model):
    """An allowed value of a characteristic (or a range with value_from/value_to)."""

    characteristic = models.ForeignKey(CharacteristicSpec, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=200, blank=True)
    value_from = models.CharField(max_length=50, blank=True)
    value_to = models.CharField(max_length=50, blank=True)
    unit_of_measure = models.CharField(max_length=20, blank=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ("characteristic", "id")

    def __str__(self) -> str:
        return self.value or f"{self.value_from}..{self.value_to}"


class ProductOffering(CatalogEntity):
    specification = models.ForeignKey(
        ProductSpecification, null=True, blank=True, on_delete=models.PROTECT, related_name="offerings"
    )
    is_bundle = models.BooleanField(default=False)
    is_sellable = models.BooleanField(default=True)
    status_reason = models.CharField(max_length=200, blank=True)
    categories = models.ManyToManyField(Category, blank=True, related_name="offerings")
    channels = models.ManyToManyField(Channel, blank=True, related_name="offerings")
    segments = models.ManyToManyField(MarketSegment, blank=True, related_name="offerings")
    source_system = models.CharField(max_length=50, blank=True, help_text="Back-office or partner system.")
    revenue_share = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Partner offerings: percent of its rated usage and recurring charges that is the partner's.",
    )
    partner_channel = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_offerings",
        help_text="Partner offerings: the partner's channel, whose applications alone read its statements.",
    )
    external_id = models.CharField(max_length=100, blank=True)
    source_version = models.BigIntegerField(
        null=True, blank=True, help_text="The source's version it was imported at (an older one changes nothing)."
    )
    download_mbps = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The download speed it sells, in Mbps: where its specification's system is asked, the "
        "address must reach it (empty: any speed).",
    )

    class Meta(CatalogEntity.Meta):
        indexes = [
            models.Index(fields=["lifecycle_status", "is_sellable"], name="offering_sellable_idx"),
            # Lists are ordered by name: pages come straight off this index.
            models.Index(fields=["name", "id"], name="offering_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=~Q(external_id=""),
                name="offering_unique_source_record",
            )
        ]


class BundledOffering(models.Model):
    """A member of a bundle offering with how many of it the bundle takes."""

    bundle = models.ForeignKey(ProductOffering, on_delete=models.CASCADE, related_name="bundle_members")
    member = models.ForeignKey(ProductOffering, on_delete=models.PROTECT, related_name="member_of")
    lower_limit = models.PositiveSmallIntegerField(default=1)
    upper_limit = models.PositiveSmallIntegerField(default=1)
    default_count = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ("bundle", "id")
        constraints = [
            models.UniqueConstraint(fields=["bundle", "member"], name="bundle_member_unique"),
            models.CheckConstraint(
                condition=Q(lower_limit__lte=models.F("upper_limit"))
                & Q(default_count__gte=models.F("lower_limit"))
                & Q(default_count__lte=models.F("upper_limit")),
                name="bundle_member_cardinality",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.bundle}"


class UsageMetric(models.Model):
    """What a usage record counts, as data a catalog manager defines: a resource used (data in MB, voice
    minutes), an outcome delivered (a parcel tracked, a vehicle-day with a working tracker) or a level
    measured (tracker uptime in percent). Usage prices refer to it; records name it by ``code``."""

    class Kind(models.TextChoices):
        RESOURCE = "resource", "Resource used"
        OUTCOME = "outcome", "Outcome delivered"
        LEVEL = "level", "Level measured (service levels)"

    class Aggregation(models.TextChoices):
        SUM = "sum", "Sum of the quantities"
        COUNT = "count", "Number of records"
        MAX = "max", "Highest quantity"
        AVERAGE = "average", "Average quantity"

    code = models.SlugField(max_length=30, unique=True, help_text="As usage records name it: data, voice, sms...")
    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=20, help_text="MB, minute, SMS, hour, vehicle-day, percent...")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.RESOURCE)
    aggregation = models.CharField(
        max_length=10,
        choices=Aggregation.choices,
        default=Aggregation.SUM,
        help_text="How a period's records make its quantity. Only sums and counts are priced per unit.",
    )

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class ProductOfferingPrice(CatalogEntity):
    class PriceType(models.TextChoices):
        ONE_TIME = "oneTime", "One-time charge"
        RECURRING = "recurring", "Recurring charge"
        USAGE = "usage", "Usage charge"
        DISCOUNT = "discount", "Discount (alteration)"

    class Tiering(models.TextChoices):
        NONE = "", "No tiers"
        GRADUATED = "graduated", "Graduated: each unit at its tier's rate"
        VOLUME = "volume", "Volume: every unit at the rate of the tier reached"

    offering = models.ForeignKey(
        ProductOffering, null=True, blank=True, on_delete=models.SET_NULL, related_name="prices"
    )
    price_type = models.CharField(max_length=10, choices=PriceType.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    percentage = models.DecimalField(
        max_digits=7, decimal_places=4, null=True, blank=True, help_text="Discounts: percent off."
    )
    applies_to = models.CharField(
        max_length=10, blank=True, help_text="Discounts: the price type they reduce (empty: recurring)."
    )
    recurring_period = models.CharField(max_length=10, blank=True, help_text="Recurring: day, week, month or year.")
    recurring_period_length = models.PositiveSmallIntegerField(default=1)
    unit_of_measure = models.CharField(max_length=20, blank=True, help_text="Usage: GB, minute, SMS...")
    tiering = models.CharField(max_length=10, choices=Tiering.choices, blank=True, default="")
    included_units = models.DecimalField(
        max_digits=14, decimal_places=4, default=0, help_text="Usage: units included before charging."
    )
    tax_category = models.CharField(max_length=30, blank=True, default="VAT")
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=0, validators=[MinValueValidator(0)])
    # The price applies only when this characteristic has this value (device storage variants...).
    char_name = models.CharField(max_length=100, blank=True)
    char_value = models.CharField(max_length=200, blank=True)
    metric = models.ForeignKey(
        UsageMetric,
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prices",
        help_text="Usage: what it charges for (its records are rated against this price).",
    )
    # Outcome prices: a credit when a measured level falls under a threshold over the period.
    sla_metric = models.ForeignKey(
        UsageMetric,
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Usage: the level measured for a service-level credit (e.g. tracker uptime).",
    )
    sla_threshold = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True, help_text="The level the period must reach."
    )
    sla_credit_percentage = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent of the period's amount credited when the level falls under the threshold.",
    )
    charged_on = models.CharField(
        max_length=20,
        blank=True,
        help_text="Order item actions it is charged on: add (a new product), modify (a change), comma-separated. "
        "Empty: one-time charges on add only (a plan change is no new connection), the others on both.",
    )

    class Meta(CatalogEntity.Meta):
        verbose_name = "product offering price"


class PriceTier(models.Model):
    """Units from ``lower`` (inclusive) up to ``upper`` (exclusive; open when null) at ``unit_amount``."""

    price = models.ForeignKey(ProductOfferingPrice, on_delete=models.CASCADE, related_name="tiers")
    lower = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    upper = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    unit_amount = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ("price", "lower")

    def __str__(self) -> str:
        return f"{self.lower}..{self.upper or '∞'} @ {self.unit_amount}"


class Campaign(models.Model):
    """A price alteration for a period, for some channels, segments and offerings (empty: all).

    ``prices`` narrows it to those prices (a free activation takes nothing off the router bought
    with it); empty, it applies to every price of its kind (``applies_to``) of its offerings.
    ``channel_bound``: a cart handed off to another channel keeps the prices it was shown there,
    but not this campaign's cut (it stays in its channel)."""

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage off"
        AMOUNT = "amount", "Amount off"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.DecimalField(max_digits=14, decimal_places=4, validators=[MinValueValidator(0)])
    applies_to = models.CharField(
        max_length=10,
        choices=[("recurring", "Recurring"), ("oneTime", "One-time"), ("usage", "Usage")],
        default="recurring",
    )
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    channels = models.ManyToManyField(Channel, blank=True, related_name="campaigns")
    segments = models.ManyToManyField(MarketSegment, blank=True, related_name="campaigns")
    offerings = models.ManyToManyField(ProductOffering, blank=True, related_name="campaigns")
    prices = models.ManyToManyField(
        "ProductOfferingPrice", blank=True, related_name="campaigns", help_text="Only these prices (empty: all)."
    )
    channel_bound = models.BooleanField(
        default=False, help_text="Not honoured when a cart handed off from its channel is finished elsewhere."
    )
    last_update = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-valid_from", "name")

    def __str__(self) -> str:
        return self.name


class Recommendation(models.Model):
    class Kind(models.TextChoices):
        UPSELL = "upsell", "Upsell"
        CROSS_SELL = "cross_sell", "Cross-sell"

    source = models.ForeignKey(ProductOffering, on_delete=models.CASCADE, related_name="recommendations")
    target = models.ForeignKey(ProductOffering, on_delete=models.CASCADE, related_name="recommended_from")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    rank = models.PositiveSmallIntegerField(default=1)
    reason = models.CharField(max_length=200, blank=True, help_text="Shown to agents and customers.")

    class Meta:
        ordering = ("source", "rank")
        constraints = [models.UniqueConstraint(fields=["source", "target", "kind"], name="recommendation_unique")]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.kind})"


class OfferingRule(models.Model):
    """A rule on who may buy an offering and with what (evaluated by ``catalog.rules``)."""

    class Kind(models.TextChoices):
        SEGMENT = "segment", "Eligible segments (value: codes, comma-separated)"
        CHANNEL = "channel", "Eligible channels (value: codes, comma-separated)"
        MIN_AGE = "min_age", "Minimum age (value: years)"
        CONSENT = "consent", "Consent required (value: marketing or data_sharing)"
        REGION = "region", "Regions (value: postcode prefixes, comma-separated)"
        REQUIRES_HELD = "requires_held", "Customer must already hold the other offering"
        REQUIRES = "requires", "Requires the other offering (in the cart or held)"
        EXCLUDES = "excludes", "Excludes the other offering (in the cart or held)"
        MAX_PER_CUSTOMER = "max_per_customer", "Maximum per customer, held and in cart (value: number)"

    offering = models.ForeignKey(ProductOffering, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(max_length=200, blank=True)
    other = models.ForeignKey(
        ProductOffering,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules_referring",
        help_text="The other offering (requires, excludes, requires_held).",
    )
    message = models.CharField(max_length=300, blank=True, help_text="Shown to customers instead of the default.")

    class Meta:
        ordering = ("offering", "id")

    def __str__(self) -> str:
        return f"{self.offering}: {self.get_kind_display()}"


class FulfilmentStep(models.Model):
    """One step of a specification's fulfilment plan: which system does what, after what, and how to undo it.

    An order item becomes one fulfilment task per step (per unit and bundle member). ``after``
    names steps that must finish first: of the same item, or, for a key the item's plan does not
    have, every task with that key in the same order (a SIM activated after the phone's
    shipment); a key nobody in the order has is ignored.
    """

    class OnFailure(models.TextChoices):
        FAIL_ORDER = "fail_order", "Undo the whole order; it fails"
        DROP_ITEM = "drop_item", "Undo this item only; the order can end partial"

    specification = models.ForeignKey(ProductSpecification, on_delete=models.CASCADE, related_name="fulfilment_steps")
    key = models.SlugField(max_length=40, help_text="Names the step in 'after' lists, e.g. activate_sim.")
    system = models.SlugField(max_length=50, help_text="Code of the back-office system that carries it out.")
    task = models.CharField(max_length=60, help_text="The task the system is asked to do, e.g. activate_sim.")
    after = models.CharField(
        max_length=200, blank=True, help_text="Keys of steps that must finish first, comma-separated."
    )
    undo_task = models.CharField(
        max_length=60, blank=True, help_text="The task that undoes it; empty: it cannot be undone."
    )
    actions = models.CharField(
        max_length=30, default="add", help_text="Order item actions it applies to: add, modify, delete."
    )
    creates_product = models.BooleanField(
        default=False, help_text="Its result (the system's id) identifies the product the customer now holds."
    )
    on_failure = models.CharField(max_length=12, choices=OnFailure.choices, default=OnFailure.FAIL_ORDER)
    timeout_seconds = models.PositiveIntegerField(
        default=3600, help_text="Longest it may take in the system before it counts as failed."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("specification", "position", "id")
        constraints = [models.UniqueConstraint(fields=["specification", "key"], name="fulfilmentstep_unique_key")]

    def __str__(self) -> str:
        return f"{self.specification}: {self.key} ({self.system}/{self.task})"

    @property
    def after_keys(self) -> list[str]:
        return [key.strip() for key in self.after.split(",") if key.strip()]

    @property
    def action_list(self) -> list[str]:
        return [action.strip() for action in self.actions.split(",") if action.strip()]


class CatalogRevision(models.Model):
    """One row; its number grows with every catalog write, so cached pages know they are stale."""

    revision = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"catalog revision {self.revision}"
