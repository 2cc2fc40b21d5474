"""Who is acting: a channel application (bearer token), a customer through one, or a staff user.

Services and selectors ask a ``Principal`` for the channel and scopes instead of
looking at the kind of credentials, so every authorization rule reads the same.
It is a plain value: the API layer makes one from a request (``overlay.api.principal``),
the console from the signed-in user, and domain code never sees the request.
"""

from dataclasses import dataclass

# Which Django model permission a staff user needs to hold a scope.
STAFF_SCOPE_PERMISSIONS = {
    "catalog:read": "catalog.view_productoffering",
    "catalog:write": "catalog.change_productoffering",
    "sync:read": "adapters.view_syncrun",
    "customers:read": "customers.view_customer",
    "customers:pii": "customers.view_pii",
    "customers:write": "customers.change_customer",
    "carts:read": "cart.view_shoppingcart",
    "carts:write": "cart.change_shoppingcart",
    "orders:read": "orchestration.view_productorder",
    "orders:write": "orchestration.add_productorder",
    "orders:cancel": "orchestration.supervise_productorder",
    "usage:read": "usage.view_consumption",
    "usage:write": "usage.change_spendcap",
    "tickets:read": "care.view_troubleticket",
    "tickets:write": "care.change_troubleticket",
}
# Scopes that include others: whoever manages the catalog sees all of it.
IMPLIED_SCOPES = {"catalog:write": frozenset({"catalog:read"})}


@dataclass(frozen=True)
class ClientUser:
    """``request.user`` for a channel application authenticated by token."""

    client_id: int
    name: str
    channel: str
    scopes: frozenset[str]

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True

    @property
    def pk(self) -> str:
        return f"client:{self.client_id}"

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class CustomerUser(ClientUser):
    """``request.user`` for a customer acting through a channel application (a customer token)."""

    customer_id: str = ""

    @property
    def pk(self) -> str:
        return f"customer:{self.customer_id}"


# What a customer token lets its customer do (always on their own data only).
CUSTOMER_SCOPES = frozenset(
    {
        "customers:read",
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


@dataclass(frozen=True)
class Principal:
    key: str
    channel: str
    user: object

    @property
    def customer_id(self) -> str | None:
        """Set when a customer acts for themself: every read is then limited to their own data."""
        return self.user.customer_id if isinstance(self.user, CustomerUser) else None

    def has_scope(self, scope: str) -> bool:
        if any(scope in implied and self._holds(holder) for holder, implied in IMPLIED_SCOPES.items()):
            return True
        return self._holds(scope)

    def _holds(self, scope: str) -> bool:
        if isinstance(self.user, CustomerUser):
            return scope in CUSTOMER_SCOPES
        if isinstance(self.user, ClientUser):
            return scope in self.user.scopes
        permission = STAFF_SCOPE_PERMISSIONS.get(scope)
        return bool(permission) and self.user.has_perm(permission)

    @property
    def is_staff(self) -> bool:
        return bool(getattr(self.user, "is_staff", False))

    @property
    def actor(self) -> str:
        """Who acted, as interactions record it: 'agent:<username>' for staff, else the principal key."""
        return f"agent:{self.user.get_username()}" if self.is_staff else self.key


def principal_for(user) -> Principal | None:
    """The principal of an authenticated user (application, customer or active staff), else None."""
    if not user or not user.is_authenticated:
        return None
    if isinstance(user, ClientUser):  # customer users too
        return Principal(key=user.pk, channel=user.channel, user=user)
    if user.is_staff and user.is_active:
        # Staff use the admin as their console: they act in the call-centre channel.
        return Principal(key=f"user:{user.pk}", channel="callcentre", user=user)
    return None
