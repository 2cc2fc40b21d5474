from django.core.management.base import BaseCommand, CommandError

from adapters.models import BackOfficeSystem, SyncRun
from adapters.partitions import PartitionBusy, partition_claim, partition_pull, partitions_plan
from adapters.sync import streams_in_order, sync_stream


class Command(BaseCommand):
    help = "Pull changed records from back-office systems (all enabled ones, or one), from their cursors."

    def add_arguments(self, parser):
        parser.add_argument("system", nargs="?", help="A system code; all enabled systems when omitted.")
        parser.add_argument("--stream", help="Only this stream of the system.")
        parser.add_argument("--full", action="store_true", help="From the start, ignoring the stored cursor.")
        parser.add_argument(
            "--partitions",
            type=int,
            default=0,
            help="Split each stream pulled from its start into up to N ranges, each pulled as a job of its own"
            " (adapters.partitions); a plan under way is taken up where it stands.",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="With --partitions: send the partitions' jobs to the Celery workers instead of pulling them here.",
        )

    def handle(self, *args, system=None, stream=None, full=False, partitions=0, enqueue=False, **options):
        if enqueue and partitions < 1:
            raise CommandError("--enqueue needs --partitions N.")
        systems = BackOfficeSystem.objects.filter(enabled=True)
        if system:
            systems = BackOfficeSystem.objects.filter(code=system)
            if not systems:
                raise CommandError(f"No back-office system '{system}'.")
        failed = False
        for configured in systems:
            streams = [stream] if stream else streams_in_order(configured)
            if stream and stream not in streams_in_order(configured):
                raise CommandError(f"{configured.code} has no stream '{stream}'.")
            for name in streams:
                if partitions:
                    failed |= self._partitioned(configured, name, partitions, full=full, enqueue=enqueue)
                    continue
                run = sync_stream(configured, name, full=full)
                failed |= self._report(f"{configured.code}/{name}", run)
        if failed:
            raise CommandError("Some streams failed; see above.")

    def _partitioned(self, system, stream: str, count: int, *, full: bool, enqueue: bool) -> bool:
        from adapters.tasks import sync_partition_task

        failed = False
        for partition in partitions_plan(system, stream, count, full=full):
            label = f"{system.code}/{stream}#{partition.number}"
            if enqueue:
                sync_partition_task.delay(partition.pk)
                self.stdout.write(f"{label}: sent to the workers")
                continue
            try:
                claimed = partition_claim(partition.pk)
            except PartitionBusy as busy:
                self.stdout.write(f"{label}: held by another job - {busy}")
                continue
            if claimed is None:
                self.stdout.write(f"{label}: finished already")
                continue
            failed |= self._report(label, partition_pull(claimed))
        return failed

    def _report(self, label: str, run: SyncRun) -> bool:
        self.stdout.write(
            f"{label}: {run.status} - fetched {run.fetched}, created {run.created}, "
            f"updated {run.updated}, unchanged {run.unchanged}, quarantined {run.quarantined}"
            + (f" - {run.error}" if run.error else "")
        )
        return run.status == SyncRun.Status.FAILED
