"""The admin site: Django's, plus the agents' console pages."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class OverlayAdminSite(admin.AdminSite):
    site_header = "Overlay console"
    site_title = "Overlay"
    index_title = "Catalog, customers and back-office systems"

    def get_urls(self):
        from customers.console import console_urls

        return console_urls(self) + super().get_urls()


class OverlayAdminConfig(AdminConfig):
    """Installed instead of django.contrib.admin so that ``admin.site`` is the OverlayAdminSite."""

    default_site = "overlay.admin_site.OverlayAdminSite"
