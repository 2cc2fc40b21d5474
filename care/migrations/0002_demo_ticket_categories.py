"""The ticket categories every channel offers (TMF621 ticketType): reference data, like the channels."""

from django.db import migrations

CATEGORIES = [
    ("no-service", "No service", "The line, SIM or service does not work at all."),
    ("slow-connection", "Slow connection", "It works, but slower than the plan promises, or it drops."),
    ("damaged-device", "Damaged device", "A device arrived damaged or broke."),
    ("billing-question", "Billing question", "A charge on the bill is not understood or looks wrong."),
    ("other", "Other", "Anything else about a product."),
]


def add(apps, schema_editor):
    TicketCategory = apps.get_model("knowledge", "TicketCategory")
    for code, name, description in CATEGORIES:
        TicketCategory.objects.get_or_create(code=code, defaults={"name": name, "description": description})


def remove(apps, schema_editor):
    apps.get_model("knowledge", "TicketCategory").objects.filter(code__in=[c for c, _, _ in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("care", "0001_trouble_tickets"), ("knowledge", "0001_ticket_category")]
    operations = [migrations.RunPython(add, remove)]
