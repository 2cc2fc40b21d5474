"""The agents' console: pages registered with the admin site, behind its login (``overlay.admin_site``)."""

from django.contrib import admin
from django.urls import path

from console import aftersales, carts, customers, tickets
from overlay.admin_site import console_view


def console_urls(admin_site) -> list:
    def page(view):
        return console_view(admin_site, view)

    return [
        path("console/carts/claim/", page(carts.console_claim), name="cart-console-claim"),
        path("console/carts/start/<str:customer_id>/", page(carts.console_start), name="cart-console-start"),
        path("console/carts/<str:cart_id>/", page(carts.console_cart), name="cart-console-cart"),
        path("console/carts/<str:cart_id>/<str:action>/", page(carts.console_edit), name="cart-console-edit"),
        path("console/tickets/claim/", page(tickets.console_ticket_claim), name="care-console-claim"),
        path("console/tickets/open/<str:customer_id>/", page(tickets.console_ticket_open), name="care-console-open"),
        path("console/tickets/<str:ticket_id>/", page(tickets.console_ticket), name="care-console-ticket"),
        path(
            "console/tickets/<str:ticket_id>/<str:action>/",
            page(tickets.console_ticket_change),
            name="care-console-ticket-change",
        ),
        path("console/", page(customers.console_search), name="customer-console"),
        path("console/<str:customer_id>/", page(customers.console_customer), name="customer-console-customer"),
        path("console/<str:customer_id>/contact/", page(customers.console_contact), name="customer-console-contact"),
        path(
            "console/<str:customer_id>/plan-change/<str:product_id>/",
            page(customers.console_plan_change),
            name="customer-console-plan-change",
        ),
        path(
            "console/<str:customer_id>/aftersales/",
            page(aftersales.console_aftersales),
            name="customer-console-aftersales",
        ),
        path(
            "console/suggestion/<int:suggestion_id>/<str:decision>/",
            page(customers.console_decide),
            name="customer-console-decide",
        ),
    ]


admin.site.register_console(console_urls)
