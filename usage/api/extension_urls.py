"""Usage's ``/api/v1`` extensions: a product's spend cap, and the cost estimate (moved here from the
catalog's routes, same path and name, so that it can price the caller's actual usage)."""

from django.urls import path

from usage.api.extensions import SpendCapView, UsageEstimateView

urlpatterns = [
    path("api/v1/products/<str:product_id>/spendCap", SpendCapView.as_view(), name="product-spend-cap"),
    path("api/v1/pricing/estimate", UsageEstimateView.as_view(), name="pricing-estimate"),
]
