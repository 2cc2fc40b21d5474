from customers.api import views
from orchestration.api.hub import hub_urls
from overlay.api.routers import TMFRouter


def tmf_urls(prefix: str, viewset, api_name: str) -> list:
    router = TMFRouter()
    router.register(prefix, viewset, basename=f"{api_name}-{prefix}")
    return [*router.urls, *hub_urls(api_name)]


customer_management = tmf_urls("customer", views.CustomerViewSet, "customerManagement")
party = tmf_urls("individual", views.IndividualViewSet, "party")
organization_router = TMFRouter()
organization_router.register("organization", views.OrganizationViewSet, basename="party-organization")
party = [*organization_router.urls, *party]
product_inventory = tmf_urls("product", views.ProductViewSet, "productInventory")
