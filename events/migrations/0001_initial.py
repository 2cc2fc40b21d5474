"""The outbox, deliveries, attempts and listeners move from ``orchestration`` to ``events``.

Only Django's idea of which app owns them changes: the tables keep their names and their rows
(``SeparateDatabaseAndState``), and their content types (with the permissions granted on them)
move to the new app.
"""

import django.db.models.deletion
from django.db import migrations, models

import events.models

MOVED = ("eventsubscription", "outboxevent", "eventdelivery", "deliveryattempt")


def move_content_types(apps, schema_editor, source="orchestration", target="events"):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not content_type.objects.using(db).filter(app_label=target, model=model).exists():
            content_type.objects.using(db).filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="events", target="orchestration")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("orchestration", "0004_order_supervision"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="EventSubscription",
            fields=[
                (
                    "id",
                    models.CharField(
                        default=events.models.new_id, editable=False, max_length=64, primary_key=True, serialize=False
                    ),
                ),
                (
                    "api",
                    models.CharField(
                        help_text="The TMF API it listens to, e.g. productCatalogManagement.", max_length=60
                    ),
                ),
                ("callback", models.URLField(max_length=500)),
                ("query", models.CharField(blank=True, max_length=500)),
                ("owner", models.CharField(help_text="The principal that registered it.", max_length=80)),
                (
                    "secret",
                    models.CharField(
                        default=events.models.new_secret,
                        editable=False,
                        help_text="Signs every delivery (HMAC-SHA256); returned once, at registration.",
                        max_length=64,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "db_table": "orchestration_eventsubscription",
                "ordering": ("created_at",),
                "indexes": [models.Index(fields=["api"], name="subscription_api_idx")],
            },
        ),
        migrations.CreateModel(
            name="OutboxEvent",
            fields=[
                ("seq", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "event_id",
                    models.CharField(default=events.models.new_id, editable=False, max_length=64, unique=True),
                ),
                ("api", models.CharField(max_length=60)),
                ("event_type", models.CharField(max_length=80)),
                ("resource_type", models.CharField(max_length=60)),
                ("resource_id", models.CharField(max_length=64)),
                ("payload", models.JSONField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "db_table": "orchestration_outboxevent",
                "ordering": ("seq",),
                "indexes": [models.Index(fields=["resource_type", "resource_id", "seq"], name="outbox_resource_idx")],
            },
        ),
        migrations.CreateModel(
            name="EventDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "resource_key",
                    models.CharField(
                        help_text="resource type and id: deliveries of one go in order.", max_length=130
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("pending", "Pending"), ("delivered", "Delivered"), ("gaveUp", "gave up")],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("delivered_at", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.CharField(blank=True, max_length=300)),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="deliveries", to="events.outboxevent"
                    ),
                ),
                (
                    "subscription",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="events.eventsubscription",
                    ),
                ),
            ],
            options={
                "db_table": "orchestration_eventdelivery",
                "verbose_name_plural": "event deliveries",
                "ordering": ("event_id", "id"),
                "indexes": [
                    models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx"),
                    models.Index(fields=["subscription", "resource_key", "state"], name="delivery_order_idx"),
                ],
            },
        ),
        migrations.CreateModel(
            name="DeliveryAttempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True)),
                ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("error", models.CharField(blank=True, max_length=300)),
                ("duration_ms", models.PositiveIntegerField(default=0)),
                (
                    "delivery",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attempt_log",
                        to="events.eventdelivery",
                    ),
                ),
            ],
            options={"db_table": "orchestration_deliveryattempt", "ordering": ("at", "id")},
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
