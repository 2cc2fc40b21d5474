from django.urls import include, path

from events.api.hub import hub_urls
from overlay.api.routers import TMFRouter
from overlay.tmf import CONSUMPTION, USAGE
from usage.api import views

usage_router = TMFRouter()
usage_router.register("usage", views.UsageViewSet, basename=f"{USAGE.name}-usage")

consumption_router = TMFRouter()
consumption_router.register(
    "queryUsageConsumption",
    views.QueryUsageConsumptionViewSet,
    basename=f"{CONSUMPTION.name}-queryUsageConsumption",
)

urlpatterns = [
    path(USAGE.prefix, include([*usage_router.urls, *hub_urls(USAGE)])),
    path(CONSUMPTION.prefix, include([*consumption_router.urls, *hub_urls(CONSUMPTION)])),
]
