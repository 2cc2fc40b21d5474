"""`python manage.py orchestrate [--every SECONDS] [--once]`: drive orders and events without Celery beat.

With a broker, Celery beat runs the sweeper and workers do the work; this command is for the
embedded mode (no broker: `make run` starts it beside the web server), where it carries out
what waits for later: retries, polls of long-running tasks, undoing, event redelivery, and rating
usage periods an import left marked.
"""

import time

from django.core.management.base import BaseCommand

from events import dispatch
from orchestration import fulfilment
from usage.rating import rate_pending


class Command(BaseCommand):
    help = "Run the sweeper: fulfilment retries, polls, undoing, event deliveries and usage rating."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=2.0, help="Seconds between sweeps (default 2).")
        parser.add_argument("--once", action="store_true", help="Sweep once and exit.")

    def handle(self, *args, every: float, once: bool, **options):
        while True:
            counts = {**fulfilment.sweep(), "events": int(dispatch.sweep()), "usage periods": rate_pending()}
            if options["verbosity"] > 1 or (once and any(counts.values())):
                self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
            if once:
                return
            time.sleep(every)
