"""Back-office systems Overlay imports from, and the record of every sync."""

from django.db import models


class BackOfficeSystem(models.Model):
    """A configured back-office system: which adapter speaks to it and how."""

    code = models.SlugField(max_length=50, unique=True, help_text="Used in URLs and as the source of records.")
    name = models.CharField(max_length=100)
    adapter = models.CharField(max_length=200, help_text="Dotted path of the adapter class.")
    base_url = models.URLField(max_length=300)
    credentials_ref = models.CharField(
        max_length=100, blank=True, help_text="Name of the environment variable holding the API key (never the key)."
    )
    webhook_secret_ref = models.CharField(
        max_length=100, blank=True, help_text="Environment variable holding the secret that signs pushed changes."
    )
    timeout_seconds = models.FloatField(default=10)
    page_size = models.PositiveIntegerField(default=500)
    sync_every_seconds = models.PositiveIntegerField(default=300, help_text="Scheduled pull interval; 0: never.")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ("code",)
        verbose_name = "back-office system"

    def __str__(self) -> str:
        return self.name


class SyncCursor(models.Model):
    """Where the last pull of one stream stopped; advanced in the same transaction as its rows."""

    system = models.ForeignKey(BackOfficeSystem, on_delete=models.CASCADE, related_name="cursors")
    stream = models.CharField(max_length=50)
    cursor = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "stream"], name="cursor_unique_stream")]

    def __str__(self) -> str:
        return f"{self.system.code}/{self.stream} @ {self.cursor or 'start'}"


class SyncRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class Kind(models.TextChoices):
        PULL = "pull"
        FULL = "full"
        PUSH = "push"
        RETRY = "retry"

    system = models.ForeignKey(BackOfficeSystem, on_delete=models.CASCADE, related_name="runs")
    stream = models.CharField(max_length=50)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PULL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("-started_at", "-id")
        indexes = [models.Index(fields=["system", "-started_at"], name="syncrun_recent_idx")]

    def __str__(self) -> str:
        return f"{self.system.code}/{self.stream} {self.kind} {self.status}"


class QuarantinedRecord(models.Model):
    """A record that could not be mapped: kept with its error, never dropped; retried after a fix."""

    system = models.ForeignKey(BackOfficeSystem, on_delete=models.CASCADE, related_name="quarantine")
    stream = models.CharField(max_length=50)
    external_id = models.CharField(max_length=100, blank=True)
    payload = models.JSONField()
    error = models.TextField()
    run = models.ForeignKey(
        SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="quarantined_records"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.system.code}/{self.stream} {self.external_id or '?'}: {self.error[:60]}"


class SyncPartition(models.Model):
    """A range of a stream pulled as a job of its own, so that several workers pull one stream at once.

    A partitioned pull splits a stream from its start into ranges (``adapters.sync.partitions_plan``):
    each but the last is pulled from ``cursor`` to ``until`` and keeps its own cursor, advanced in the
    same transaction as its rows; the last one (no ``until``) is the stream's own cursor, which goes on
    into the changes made since. One worker at a time holds a partition (``owner``, until
    ``lease_until``, renewed with every page); ``finished_at`` says its range is all imported.
    """

    system = models.ForeignKey(BackOfficeSystem, on_delete=models.CASCADE, related_name="partitions")
    stream = models.CharField(max_length=50)
    number = models.PositiveIntegerField()
    start = models.CharField(max_length=200, blank=True, help_text="The source's cursor where the range starts.")
    until = models.CharField(max_length=200, blank=True, help_text="Where it ends; blank: the stream's tail.")
    cursor = models.CharField(max_length=200, blank=True, help_text="Where its pull stopped.")
    owner = models.CharField(max_length=100, blank=True, help_text="The job holding it.")
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("system", "stream", "number")
        constraints = [models.UniqueConstraint(fields=["system", "stream", "number"], name="partition_unique_number")]

    def __str__(self) -> str:
        return f"{self.system.code}/{self.stream} #{self.number} @ {self.cursor or self.start or 'start'}"

    @property
    def is_tail(self) -> bool:
        return not self.until
