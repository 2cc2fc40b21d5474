"""The admin site: Django's, plus the agents' console pages that apps register with it.

An app adds console pages from its ``admin.py`` (``admin.site.register_console(urls)``), as it
registers its ModelAdmins there: the site never imports the apps.
"""

from collections.abc import Callable
from contextvars import ContextVar

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from overlay.principal import Principal, principal_for

_viewer: ContextVar[Principal | None] = ContextVar("admin_viewer", default=None)


class OverlayAdminSite(admin.AdminSite):
    site_header = "Overlay console"
    site_title = "Overlay"
    index_title = "Catalog, customers and back-office systems"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._console: list[Callable] = []
        # Bulk deletes skip the services (and their rules, interactions and events): none, anywhere.
        self.disable_action("delete_selected")

    def register_console(self, urls: Callable) -> None:
        """Add console pages: ``urls(site)`` returns their URL patterns, served behind the admin's login."""
        self._console.append(urls)

    def get_urls(self):
        pages = [pattern for urls in self._console for pattern in urls(self)]
        return pages + super().get_urls()


def viewer() -> Principal | None:
    """Who is looking at the admin page being rendered (set by ``ViewerAdmin``)."""
    return _viewer.get()


class ViewerAdmin(admin.ModelAdmin):
    """A ModelAdmin whose pages know who looks, so that display methods show personal data as that
    principal may see it (``overlay.personal_data``). Pages are rendered before the view returns."""

    def changelist_view(self, request, extra_context=None):
        return self._as_viewer(request, super().changelist_view, request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._as_viewer(request, super().changeform_view, request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._as_viewer(request, super().delete_view, request, object_id, extra_context)

    @staticmethod
    def _as_viewer(request, view, *args):
        token = _viewer.set(principal_for(request.user))
        try:
            response = view(*args)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response
        finally:
            _viewer.reset(token)


def console_view(admin_site, view):
    """A console page behind the admin's login and staff check, given the site for its context."""
    return admin_site.admin_view(lambda request, **kwargs: view(request, admin_site=admin_site, **kwargs))


class OverlayAdminConfig(AdminConfig):
    """Installed instead of django.contrib.admin so that ``admin.site`` is the OverlayAdminSite."""

    default_site = "overlay.admin_site.OverlayAdminSite"
