from django.urls import include, path

from catalog.api import views
from events.api.hub import hub_urls
from overlay.api.routers import TMFRouter
from overlay.tmf import CATALOG

router = TMFRouter()
router.register("productOffering", views.ProductOfferingViewSet, basename="productOffering")
router.register("productSpecification", views.ProductSpecificationViewSet, basename="productSpecification")
router.register("productOfferingPrice", views.ProductOfferingPriceViewSet, basename="productOfferingPrice")
router.register("category", views.CategoryViewSet, basename="category")

urlpatterns = [
    path(CATALOG.prefix, include([*router.urls, *hub_urls(CATALOG)])),
    path("api/v1/pricing/quote", views.QuoteView.as_view(), name="pricing-quote"),
    # /api/v1/pricing/estimate is routed by usage.api.extension_urls: it also prices actual usage.
]
