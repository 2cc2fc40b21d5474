"""The admin site: Django's, plus the agents' console pages that apps register with it.

An app adds console pages from its ``admin.py`` (``admin.site.register_console(urls)``), as it
registers its ModelAdmins there: the site never imports the apps.
"""

from collections.abc import Callable

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class OverlayAdminSite(admin.AdminSite):
    site_header = "Overlay console"
    site_title = "Overlay"
    index_title = "Catalog, customers and back-office systems"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._console: list[Callable] = []

    def register_console(self, urls: Callable) -> None:
        """Add console pages: ``urls(site)`` returns their URL patterns, served behind the admin's login."""
        self._console.append(urls)

    def get_urls(self):
        pages = [pattern for urls in self._console for pattern in urls(self)]
        return pages + super().get_urls()


def console_view(admin_site, view):
    """A console page behind the admin's login and staff check, given the site for its context."""
    return admin_site.admin_view(lambda request, **kwargs: view(request, admin_site=admin_site, **kwargs))


class OverlayAdminConfig(AdminConfig):
    """Installed instead of django.contrib.admin so that ``admin.site`` is the OverlayAdminSite."""

    default_site = "overlay.admin_site.OverlayAdminSite"
