from django.db import models

from catalog.models import new_id


class TicketCategory(models.Model):
    """What a trouble ticket is about ("no service", "slow connection", "damaged device"): catalog data.

    Tickets (``care``) carry one as their TMF621 ``ticketType``; knowledge articles are linked to the
    categories they answer, so a customer describing a fault sees them before opening a ticket.
    """

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "ticket categories"

    def __str__(self) -> str:
        return self.name


class Audience(models.TextChoices):
    CUSTOMERS = "customers", "Customers (and agents)"
    AGENTS = "agents", "Agents only"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft"
    PUBLISHED = "published"


class Article(models.Model):
    """An answer catalog managers write: what to do when the fibre is down, how to return a phone.

    The body is plain text (blank lines part paragraphs, lines starting with "- " are list items): it is
    shown escaped everywhere, so no markup written here ever runs. Only published articles reach channels;
    agents-only ones reach staff only. The ``search_*`` columns are the text as the search compares it
    (``knowledge.text.normalise``), written by ``knowledge.services.article_save``.
    """

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500, help_text="One or two sentences: shown in lists and search results.")
    body = models.TextField(
        help_text='Plain text: blank lines part paragraphs, lines starting with "- " are list items. '
        "Markup is shown as typed, never run."
    )
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.CUSTOMERS)
    status = models.CharField(max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    offerings = models.ManyToManyField(
        "catalog.ProductOffering", blank=True, related_name="+", help_text="The offerings it is about."
    )
    specifications = models.ManyToManyField(
        "catalog.ProductSpecification",
        blank=True,
        related_name="+",
        help_text="The products it is about: it applies to every offering of them.",
    )
    categories = models.ManyToManyField(
        TicketCategory, blank=True, related_name="articles", help_text="The kinds of trouble ticket it answers."
    )
    views = models.PositiveIntegerField(default=0, editable=False)
    search_title = models.TextField(editable=False, default="")
    search_summary = models.TextField(editable=False, default="")
    search_text = models.TextField(editable=False, default="")
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["status", "audience"], name="article_status_audience_idx")]

    def __str__(self) -> str:
        return self.title


class ArticleTerm(models.Model):
    """A word of an article: the vocabulary the search corrects mistyped words to (trigram indexed)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "term"], name="articleterm_unique")]

    def __str__(self) -> str:
        return self.term


class ArticleFeedback(models.Model):
    """ "Did this answer your question?': one answer, from a channel, by a customer when known.

    A helpful answer counts as a deflected ticket until the same customer opens a ticket in that category
    soon after (``knowledge.services.ticket_opened``).
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    category = models.ForeignKey(
        TicketCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="What the customer said their trouble was, if they said.",
    )
    channel = models.CharField(max_length=50)
    principal = models.CharField(max_length=80, help_text="Who answered: the application, customer or staff user.")
    customer_id = models.CharField(max_length=64, blank=True)
    deflected = models.BooleanField(default=False)
    ticket_opened_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["customer_id", "recorded_at"], name="feedback_customer_time_idx")]

    def __str__(self) -> str:
        return f"{'helpful' if self.helpful else 'not helpful'}: {self.article_id}"
