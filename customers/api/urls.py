from django.urls import include, path

from customers.api import views
from events.api.hub import hub_urls
from overlay.api.routers import TMFRouter
from overlay.tmf import CUSTOMER, INVENTORY, PARTY, TMFApi


def tmf_urls(api: TMFApi, *resources: tuple[str, type]) -> list:
    router = TMFRouter()
    for prefix, viewset in resources:
        router.register(prefix, viewset, basename=f"{api.name}-{prefix}")
    return [*router.urls, *hub_urls(api)]


urlpatterns = [
    path(CUSTOMER.prefix, include(tmf_urls(CUSTOMER, ("customer", views.CustomerViewSet)))),
    path(
        PARTY.prefix,
        include(tmf_urls(PARTY, ("organization", views.OrganizationViewSet), ("individual", views.IndividualViewSet))),
    ),
    path(INVENTORY.prefix, include(tmf_urls(INVENTORY, ("product", views.ProductViewSet)))),
    path("api/v1/auth/customer-token", views.CustomerTokenView.as_view(), name="customer-token"),
    path("api/v1/customers/search", views.CustomerSearchView.as_view(), name="customer-search"),
    path("api/v1/customers/<str:customer_id>/consents", views.ConsentsView.as_view(), name="customer-consents"),
]
