from django.urls import include, path

from events.api.hub import hub_urls
from orchestration.api import views
from overlay.api.routers import TMFRouter
from overlay.tmf import ORDERING

router = TMFRouter()
router.register("productOrder", views.ProductOrderViewSet, basename="productOrderingManagement-productOrder")
router.register(
    "cancelProductOrder", views.CancelProductOrderViewSet, basename="productOrderingManagement-cancelProductOrder"
)
urlpatterns = [path(ORDERING.prefix, include([*router.urls, *hub_urls(ORDERING)]))]
