import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from adapters.demo import configure_simulated_systems, import_catalogs
from catalog.demo import CatalogNotImported, load_demo_catalog
from knowledge.demo import load_demo_articles
from overlay.models import ApiClient
from overlay.services import api_client_create, roles_ensure

DEMO_USERS = [
    ("admin", None, True),
    ("manager", "catalog_manager", False),
    ("agent", "agent", False),
    ("supervisor", "supervisor", False),
]
# Storefronts: they sign their users in (or up) with their own identity provider and act as them; they show
# usage and let the customer set a spend cap.
STOREFRONT_SCOPES = [
    "customers:token",
    "customers:register",
    "carts:read",
    "carts:write",
    "orders:read",
    "usage:read",
]  # customer tokens set their own spend caps (usage:write is theirs); the application itself sets none
DEMO_CLIENTS = [
    ("demo-web", "web", STOREFRONT_SCOPES),
    ("demo-mobile", "mobile", STOREFRONT_SCOPES),
    ("demo-catalog-admin", "web", ["catalog:write"]),
    # A care desk (a partner's or the operator's own): reads and works on every customer's trouble tickets.
    ("demo-care-desk", "callcentre", ["customers:read", "tickets:read", "tickets:write"]),
]


class Command(BaseCommand):
    help = (
        "Create roles, demo users, demo channel applications (fresh tokens) and the demo catalog "
        "(with --simulator-url: configure the simulated systems and import their catalogs first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--simulator-url", help="Configure the simulated back-office systems at this URL.")

    def handle(self, *args, simulator_url=None, **options):
        password = os.environ.get("OVERLAY_DEMO_PASSWORD", "overlay-demo")
        with transaction.atomic():
            roles_ensure()
            User = get_user_model()
            for username, group, superuser in DEMO_USERS:
                user, created = User.objects.get_or_create(
                    username=username, defaults={"is_staff": True, "is_superuser": superuser}
                )
                if created:
                    user.set_password(password)
                    user.save()
                if group:
                    user.groups.add(Group.objects.get(name=group))
            if simulator_url:
                configure_simulated_systems(simulator_url)
        if simulator_url:
            # The products come from the back office, through the real adapters.
            try:
                import_catalogs()
            except RuntimeError as error:
                raise CommandError(str(error)) from error
        try:
            created_catalog = load_demo_catalog()
        except CatalogNotImported as error:
            raise CommandError(f"{error} Or pass --simulator-url.") from error
        articles = load_demo_articles()
        with transaction.atomic():
            # Tokens are shown only when issued: demo clients get fresh ones on every start.
            ApiClient.objects.filter(name__in=[name for name, _, _ in DEMO_CLIENTS]).delete()
            tokens = [
                (name, api_client_create(name=name, channel=ch, scopes=sc).token) for name, ch, sc in DEMO_CLIENTS
            ]
        self.stdout.write("Demo catalog " + ("loaded." if created_catalog else "already present."))
        self.stdout.write(f"Demo knowledge articles: {articles} new.")
        self.stdout.write(
            f"Staff users (password '{password}' unless changed): " + ", ".join(u for u, _, _ in DEMO_USERS)
        )
        for name, token in tokens:
            self.stdout.write(f"  {name:<20} Authorization: Bearer {token}")
