from rest_framework import permissions

from overlay.api.principal import principal_of

SAFE_METHODS = permissions.SAFE_METHODS


class ScopedPermission(permissions.BasePermission):
    """Authenticated channel applications and staff; writes need ``write_scope`` and ``read_scope`` both.

    A view sets ``read_scope`` (None: any authenticated principal may read)
    and ``write_scope`` (None: nobody may write through this API). A write answers with
    what it wrote, so it needs the read scope too: otherwise it would write and then
    answer 404 (nothing may be written by a refused request).
    """

    message = "Your credentials do not grant this action."

    def has_permission(self, request, view) -> bool:
        principal = principal_of(request)
        if principal is None:
            return False
        if not _routed(request, view):
            return True  # let DRF answer 405 rather than a misleading 403
        if request.method in SAFE_METHODS:
            scope = getattr(view, "read_scope", None)
        else:
            scope = getattr(view, "write_scope", None)
            if scope is None:
                return False
            read_scope = getattr(view, "read_scope", None)
            if read_scope is not None and not principal.has_scope(read_scope):
                return self._needs(read_scope)
        return scope is None or principal.has_scope(scope) or self._needs(scope)

    def _needs(self, scope: str) -> bool:
        """Refuse, saying which scope is missing (the scopes are public: docs/api.md); DRF makes one
        permission object per request, so the message is this request's."""
        self.message = f"{ScopedPermission.message} It needs the scope {scope}."
        return False


class AuthenticatedPrincipal(permissions.BasePermission):
    """Any authenticated channel application or staff user, whatever the method."""

    def has_permission(self, request, view) -> bool:
        return principal_of(request) is not None


class StaffOrApplicationScoped(ScopedPermission):
    """As ScopedPermission, for channel applications and staff only: the agents' tools (search, the 360°)
    are about many customers, and a customer token acts for one."""

    def has_permission(self, request, view) -> bool:
        principal = principal_of(request)
        if principal is not None and principal.customer_id is not None:
            return False
        return super().has_permission(request, view)


class ApplicationOrStaff(permissions.BasePermission):
    """Channel applications and staff, not customers acting for themselves (e.g. registering listeners)."""

    message = "Customers cannot do this."

    def has_permission(self, request, view) -> bool:
        principal = principal_of(request)
        return principal is not None and principal.customer_id is None


def _routed(request, view) -> bool:
    method = request.method.lower()
    action_map = getattr(view, "action_map", None)
    if action_map is not None:
        return method in action_map and method in view.http_method_names
    return hasattr(view, method) and method in view.http_method_names
