"""``manage.py housekeeping``: remove what has been kept long enough, now (beat does it every hour)."""

from django.core.management.base import BaseCommand

from overlay import housekeeping


class Command(BaseCommand):
    help = "Remove idempotency records, delivered events, expired carts and hand-offs kept past their retention."

    def handle(self, *args, **options):
        for name, count in housekeeping.run().items():
            self.stdout.write(f"{name}: {count} removed")
