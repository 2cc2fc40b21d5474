from django.core.management.base import BaseCommand, CommandError

from overlay.errors import DomainError
from overlay.models import SalesChannel
from overlay.services import KNOWN_SCOPES, api_client_create


class Command(BaseCommand):
    help = "Create a channel application's credentials and print its bearer token (shown once; only a hash is kept)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--channel", required=True, choices=SalesChannel.values)
        parser.add_argument("--scope", nargs="*", default=[], choices=sorted(KNOWN_SCOPES), dest="scopes")
        parser.add_argument("--quiet", action="store_true", help="Print only the token.")

    def handle(self, *args, name, channel, scopes, quiet, **options):
        try:
            issued = api_client_create(name=name, channel=channel, scopes=scopes)
        except DomainError as error:
            raise CommandError(error.message) from error
        if quiet:
            self.stdout.write(issued.token)
            return
        self.stdout.write(f"API client '{name}' for channel {channel}, scopes: {', '.join(scopes) or '(read only)'}")
        self.stdout.write("Bearer token (store it now, it is not shown again):")
        self.stdout.write(issued.token)
