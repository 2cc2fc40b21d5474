from catalog.api import views
from orchestration.api.hub import hub_urls
from overlay.api.routers import TMFRouter

router = TMFRouter()
router.register("productOffering", views.ProductOfferingViewSet, basename="productOffering")
router.register("productSpecification", views.ProductSpecificationViewSet, basename="productSpecification")
router.register("productOfferingPrice", views.ProductOfferingPriceViewSet, basename="productOfferingPrice")
router.register("category", views.CategoryViewSet, basename="category")

urlpatterns = [*router.urls, *hub_urls("productCatalogManagement")]
