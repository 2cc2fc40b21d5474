"""The outbox, deliveries, attempts and listeners now belong to ``events`` (see its 0001): only the
state forgets them here; the tables and rows stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orchestration", "0004_order_supervision"),
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="DeliveryAttempt"),
                migrations.DeleteModel(name="EventDelivery"),
                migrations.DeleteModel(name="OutboxEvent"),
                migrations.DeleteModel(name="EventSubscription"),
            ],
            database_operations=[],
        ),
    ]
