from orchestration.api import views
from orchestration.api.hub import hub_urls
from overlay.api.routers import TMFRouter

router = TMFRouter()
router.register("productOrder", views.ProductOrderViewSet, basename="productOrderingManagement-productOrder")
router.register(
    "cancelProductOrder", views.CancelProductOrderViewSet, basename="productOrderingManagement-cancelProductOrder"
)
urlpatterns = [*router.urls, *hub_urls("productOrderingManagement")]
