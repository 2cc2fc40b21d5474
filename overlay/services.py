"""Domain actions on Overlay's own platform objects (API clients, roles)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from overlay.errors import UnprocessableEntity
from overlay.models import ApiClient, SalesChannel
from overlay.principal import ClientUser, Principal, principal_for

KNOWN_SCOPES = frozenset(
    {
        "catalog:read",
        "catalog:write",
        "sync:read",
        "customers:read",
        "customers:write",
        "customers:pii",
        "customers:token",
        "customers:register",
        "carts:read",
        "carts:write",
        "orders:read",
        "orders:write",
        "orders:cancel",
        "usage:read",
        "usage:write",
        "tickets:read",
        "tickets:write",
    }
)
# What agents may look at in customers: everything but full personal data (view_pii).
AGENT_CUSTOMER_VIEWS = [
    f"customers.view_{model}"
    for model in ("customer", "customerlink", "billingaccount", "heldproduct", "linksuggestion")
]
CUSTOMER_TOKEN_PREFIX = "ovc_"
CUSTOMER_TOKEN_SALT = "overlay.customer-token"

# Staff roles and the model permissions each one holds: "app_label.codename".
ROLE_PERMISSIONS: dict[str, list[str]] = {
    "agent": [
        "catalog.view_*",
        *AGENT_CUSTOMER_VIEWS,
        "customers.change_customer",
        "customers.change_linksuggestion",
        "cart.*",
        "orchestration.view_productorder",
        "orchestration.add_productorder",
        "usage.view_*",
        "usage.change_spendcap",
        "knowledge.view_*",
        "care.view_troubleticket",
        "care.add_troubleticket",
        "care.change_troubleticket",
    ],
    "supervisor": [
        "catalog.view_*",
        "customers.view_*",
        "customers.change_customer",
        "customers.change_linksuggestion",
        "overlay.view_apiclient",
        "adapters.view_*",
        "cart.*",
        "orchestration.*",
        "events.*",
        "usage.view_*",
        "usage.change_spendcap",
        "knowledge.view_*",
        "care.*",
    ],
    # Whoever runs the catalog writes the answers about it.
    "catalog_manager": ["catalog.*", "knowledge.*"],
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_cache_key(token_hash: str) -> str:
    return f"apiclient:{token_hash}"


@dataclass(frozen=True)
class IssuedClient:
    client: ApiClient
    token: str


def api_client_create(*, name: str, channel: str, scopes: list[str]) -> IssuedClient:
    """Create a channel application and return it with its one-time token."""
    if channel not in SalesChannel.values:
        raise UnprocessableEntity(f"Unknown channel '{channel}'; use one of {', '.join(SalesChannel.values)}.")
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown:
        raise UnprocessableEntity(f"Unknown scope(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_SCOPES))}.")
    if ApiClient.objects.filter(name=name).exists():
        raise UnprocessableEntity(f"An API client named '{name}' exists already.")
    token = f"ovl_{secrets.token_urlsafe(32)}"
    client = ApiClient.objects.create(
        name=name,
        channel=channel,
        scopes=sorted(set(scopes)),
        token_prefix=token[:12],
        token_hash=hash_token(token),
    )
    return IssuedClient(client=client, token=token)


def api_client_revoke(client: ApiClient) -> None:
    """Deactivate a client; its token stops working at once."""
    client.is_active = False
    client.save(update_fields=["is_active"])
    transaction.on_commit(lambda: cache.delete(token_cache_key(client.token_hash)))


def roles_ensure() -> None:
    """Create the staff groups with their permissions (idempotent)."""
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = []
        for pattern in patterns:
            app_label, codename = pattern.split(".")
            query = Permission.objects.filter(content_type__app_label=app_label)
            if codename.endswith("*"):
                query = query.filter(codename__startswith=codename[:-1])
            else:
                query = query.filter(codename=codename)
            permissions.extend(query)
        group.permissions.set(permissions)


@dataclass(frozen=True)
class CustomerToken:
    token: str
    expires_at: datetime


def customer_token_issue(*, client_id: int, channel: str, customer_id: str) -> CustomerToken:
    """A short-lived token for a customer a trusted channel application has authenticated.

    It is signed, not stored: it names the customer, the issuing client and channel, and
    dies with its age limit or with the issuing client (revoked clients' tokens fail).
    """
    value = signing.dumps({"c": customer_id, "k": client_id, "ch": channel}, salt=CUSTOMER_TOKEN_SALT, compress=True)
    lifetime = timedelta(seconds=settings.CUSTOMER_TOKEN_SECONDS)
    return CustomerToken(token=CUSTOMER_TOKEN_PREFIX + value, expires_at=timezone.now() + lifetime)


def customer_token_read(token: str) -> dict | None:
    """The token's claims if it is genuine and young enough, else None."""
    try:
        return signing.loads(
            token.removeprefix(CUSTOMER_TOKEN_PREFIX), salt=CUSTOMER_TOKEN_SALT, max_age=settings.CUSTOMER_TOKEN_SECONDS
        )
    except signing.BadSignature:
        return None


def principals_by_key(keys: set[str]) -> dict[str, Principal]:
    """The principals behind keys (``client:<id>``, ``user:<id>``) that still act: active applications and
    active staff users. Listeners are stored by their principal's key; they act as it when they receive."""
    client_ids = {int(key[7:]) for key in keys if key.startswith("client:") and key[7:].isdigit()}
    user_ids = {int(key[5:]) for key in keys if key.startswith("user:") and key[5:].isdigit()}
    found: dict[str, Principal] = {}
    for client in ApiClient.objects.filter(pk__in=client_ids, is_active=True):
        user = ClientUser(client.pk, client.name, client.channel, frozenset(client.scopes))
        found[user.pk] = principal_for(user)
    for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True, is_staff=True):
        principal = principal_for(user)
        found[principal.key] = principal
    return found
