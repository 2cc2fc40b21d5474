from django.core.management.base import BaseCommand, CommandError

from adapters.models import BackOfficeSystem, SyncRun
from adapters.sync import streams_in_order, sync_stream


class Command(BaseCommand):
    help = "Pull changed records from back-office systems (all enabled ones, or one), from their cursors."

    def add_arguments(self, parser):
        parser.add_argument("system", nargs="?", help="A system code; all enabled systems when omitted.")
        parser.add_argument("--stream", help="Only this stream of the system.")
        parser.add_argument("--full", action="store_true", help="From the start, ignoring the stored cursor.")

    def handle(self, *args, system=None, stream=None, full=False, **options):
        systems = BackOfficeSystem.objects.filter(enabled=True)
        if system:
            systems = BackOfficeSystem.objects.filter(code=system)
            if not systems:
                raise CommandError(f"No back-office system '{system}'.")
        failed = False
        for configured in systems:
            streams = [stream] if stream else streams_in_order(configured)
            for name in streams:
                run = sync_stream(configured, name, full=full)
                failed |= run.status == SyncRun.Status.FAILED
                self.stdout.write(
                    f"{configured.code}/{name}: {run.status} - fetched {run.fetched}, created {run.created}, "
                    f"updated {run.updated}, unchanged {run.unchanged}, quarantined {run.quarantined}"
                    + (f" - {run.error}" if run.error else "")
                )
        if failed:
            raise CommandError("Some streams failed; see above.")
