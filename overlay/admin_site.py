"""The admin site: Django's, plus the agents' console pages."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class OverlayAdminSite(admin.AdminSite):
    site_header = "Overlay console"
    site_title = "Overlay"
    index_title = "Catalog, customers and back-office systems"

    def get_urls(self):
        from cart.console import console_urls as cart_console
        from customers.console import console_urls as customer_console

        return cart_console(self) + customer_console(self) + super().get_urls()


def console_view(admin_site, view):
    """A console page behind the admin's login and staff check, given the site for its context."""
    return admin_site.admin_view(lambda request, **kwargs: view(request, admin_site=admin_site, **kwargs))


class OverlayAdminConfig(AdminConfig):
    """Installed instead of django.contrib.admin so that ``admin.site`` is the OverlayAdminSite."""

    default_site = "overlay.admin_site.OverlayAdminSite"
