"""Converged customers: one person or organization, linked to every back-office record of them."""

import os
import time

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower


def new_id() -> str:
    return new_ids(1)[0]


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_ids(count: int) -> list[str]:
    """``count`` new ids: UUIDv7s in hex (the current time in milliseconds, then 74 random bits).

    Ids made later sort later, so the primary keys and the ``customer_id`` indexes of customers,
    accounts and products grow at their end instead of at random places; a sync writes millions.
    Drawn at once: a sync page needs thousands.
    """
    stamp = f"{time.time_ns() // 1_000_000:012x}"[-12:]
    digits = os.urandom(10 * count).hex()
    return [
        f"{stamp}7{digits[i : i + 3]}{_VARIANT[digits[i + 3]]}{digits[i + 4 : i + 19]}"
        for i in range(0, 20 * count, 20)
    ]


class Customer(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual"
        ORGANIZATION = "organization"

    class Status(models.TextChoices):
        """Overlay's words; the APIs derive TMF629's and TMF632's statuses from them."""

        PROSPECT = "prospect", "prospect (known to Overlay, not a customer yet)"
        ACTIVE = "active"
        SUSPENDED = "suspended"
        CLOSED = "closed"
        DECEASED = "deceased"

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    organization_name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True, help_text="Normalised (lower case).")
    phone = models.CharField(max_length=20, blank=True, help_text="E.164.")
    national_id = models.CharField(max_length=40, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    street = models.CharField(max_length=200, blank=True)
    house_number = models.CharField(max_length=20, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    segment = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept by the database from the names: what fuzzy search compares (trigram-indexed on PostgreSQL).
    search_name = models.GeneratedField(
        expression=Lower(Concat("given_name", Value(" "), "family_name", Value(" "), "organization_name")),
        output_field=models.CharField(max_length=410),
        db_persist=True,
    )

    class Meta:
        ordering = ("family_name", "given_name", "id")
        indexes = [models.Index(fields=["postcode"], name="customer_postcode_idx")]
        permissions = [("view_pii", "Can see customers' full personal data")]

    def __str__(self) -> str:
        return self.organization_name or f"{self.given_name} {self.family_name}".strip() or self.id


class CustomerLink(models.Model):
    """One back-office record of a customer, with the identifiers it gives them (normalised).

    The identifiers are how records are matched: a record that names the same
    account, national id, e-mail or phone as a link is the same customer (see
    ``customers.linking.resolve_parties``). A record's other accounts are its
    billing accounts. ``source_hash`` detects unchanged records; ``source_version`` stale ones.
    """

    class Rule(models.TextChoices):
        NEW = "new", "First seen here"
        ACCOUNT = "account", "Billing account"
        NATIONAL_ID = "national_id", "National id"
        EMAIL = "email", "E-mail"
        PHONE = "phone", "Phone"
        AGENT = "agent", "Confirmed by an agent"

    # Indexed below without the "LIKE" twin Django adds to foreign keys on text ids: one index less per row.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="links", db_index=False)
    system = models.CharField(max_length=50)
    external_id = models.CharField(max_length=100)
    linked_by = models.CharField(max_length=12, choices=Rule.choices)
    email = models.CharField(max_length=254, blank=True, default="", help_text="Normalised (lower case).")
    phone = models.CharField(max_length=20, blank=True, default="", help_text="E.164.")
    national_id = models.CharField(max_length=40, blank=True, default="")
    account_ref = models.CharField(max_length=100, blank=True, default="", help_text="The billing account it names.")
    source_hash = models.CharField(max_length=32)
    source_version = models.BigIntegerField(
        null=True, blank=True, help_text="The source's version of the record (an older one changes nothing)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # External id first: the same index finds a source record by its id whatever the system (search).
        constraints = [models.UniqueConstraint(fields=["external_id", "system"], name="customerlink_unique_source")]
        indexes = [
            models.Index(fields=["customer"], name="customerlink_customer_idx"),
            # Matching looks links up by each identifier; most records lack some, so only filled ones are indexed.
            models.Index(fields=["email"], condition=~Q(email=""), name="customerlink_email_idx"),
            models.Index(fields=["phone"], condition=~Q(phone=""), name="customerlink_phone_idx"),
            models.Index(fields=["national_id"], condition=~Q(national_id=""), name="customerlink_national_id_idx"),
            models.Index(fields=["account_ref"], condition=~Q(account_ref=""), name="customerlink_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.external_id}"


# The link's identifier columns, by the kind of identifier each holds (and the other way round).
IDENTIFIER_FIELDS = {"account_ref": "account", "national_id": "national_id", "email": "email", "phone": "phone"}
IDENTIFIER_COLUMN = {kind: column for column, kind in IDENTIFIER_FIELDS.items()}


class LinkSuggestion(models.Model):
    """A record that matched several customers was kept apart; an agent confirms or splits."""

    class Status(models.TextChoices):
        OPEN = "open"
        CONFIRMED = "confirmed"
        SPLIT = "split"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="suggestions")
    candidate = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="suggested_for")
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "candidate"], name="suggestion_unique_pair")]

    def __str__(self) -> str:
        return f"{self.customer} ~ {self.candidate}?"


class BillingAccount(models.Model):
    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="billing_accounts")
    system = models.CharField(max_length=50)
    external_id = models.CharField(max_length=100, help_text="The account number in that system.")
    bill_cycle = models.PositiveSmallIntegerField(null=True, blank=True)
    payment_method = models.CharField(max_length=30, blank=True)
    source_hash = models.CharField(max_length=32)
    source_version = models.BigIntegerField(
        null=True, blank=True, help_text="The source's version of the record (an older one changes nothing)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "external_id"], name="account_unique_source")]
        # Records of other systems name an account without its system: matching and search look it up so.
        indexes = [models.Index(fields=["external_id"], name="account_external_idx")]

    def __str__(self) -> str:
        return self.external_id


class HeldProduct(models.Model):
    """A product the customer holds in some stack (TMF637 Product)."""

    class Status(models.TextChoices):
        """TMF637 v4 ProductStatusType."""

        CREATED = "created"
        PENDING_ACTIVE = "pendingActive"
        CANCELLED = "cancelled"
        ACTIVE = "active"
        PENDING_TERMINATE = "pendingTerminate"
        SUSPENDED = "suspended"
        ABORTED = "aborted"
        TERMINATED = "terminated"

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="held_products")
    system = models.CharField(max_length=50)
    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    product_code = models.CharField(max_length=100, blank=True, help_text="The plan or SKU in that system.")
    # What it is in the catalog, by reference only: catalog and customers know nothing of each other's code.
    # Neither a constraint nor an index in the database: a sync writes millions of these, and the constraint's
    # check on each row cost a third of writing it, an index another twentieth. The ORM keeps the reference
    # (PROTECT: an offering customers hold is not deleted; deletes are the ORM's), looking the rare delete up
    # with a scan; lists find products by their customer.
    offering = models.ForeignKey(
        "catalog.ProductOffering",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
        related_name="+",
        help_text="The offering it was ordered as, or whose back-office tariff code it carries.",
    )
    price = models.JSONField(
        null=True,
        blank=True,
        help_text="The charges agreed for it (per unit) when an order put it in place or changed it; "
        "empty: its offering's tariff.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    characteristics = models.JSONField(default=dict, blank=True)
    billing_account_ref = models.CharField(max_length=100, blank=True)
    start_date = models.DateTimeField(null=True, blank=True)
    termination_date = models.DateTimeField(null=True, blank=True)
    source_hash = models.CharField(max_length=32)
    source_version = models.BigIntegerField(
        null=True, blank=True, help_text="The source's version of the record (an older one changes nothing)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "external_id"], name="heldproduct_unique_source")]
        indexes = [
            models.Index(fields=["customer", "system"], name="heldproduct_customer_idx"),
            models.Index(fields=["external_id"], name="heldproduct_external_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.system})"


class Consent(models.Model):
    """What the customer agreed to, when and through which channel."""

    class Purpose(models.TextChoices):
        MARKETING = "marketing"
        DATA_SHARING = "data_sharing"
        PROFILING = "profiling"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    granted = models.BooleanField()
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=30, help_text="Channel or system the answer came from.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "purpose"], name="consent_unique_purpose")]

    def __str__(self) -> str:
        return f"{self.purpose}: {'yes' if self.granted else 'no'}"


class Interaction(models.Model):
    """Every touch of a customer in any channel: views and edits by agents, carts, hand-offs, orders."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    channel = models.CharField(max_length=20)
    actor = models.CharField(max_length=150, help_text="Who: an agent, an application, the customer.")
    kind = models.CharField(max_length=30)
    summary = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["customer", "-created_at"], name="interaction_recent_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.channel} {self.kind}"
