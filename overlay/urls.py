from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from adapters.api.views import PushedChangesView, SyncRunsView
from cart.api import urls as cart_urls
from catalog.api.views import EstimateView, QuoteView
from customers.api import urls as customer_urls
from customers.api.views import ConsentsView, Customer360View, CustomerSearchView, CustomerTokenView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("tmf-api/productCatalogManagement/v4/", include("catalog.api.urls")),
    path("tmf-api/customerManagement/v4/", include(customer_urls.customer_management)),
    path("tmf-api/party/v4/", include(customer_urls.party)),
    path("tmf-api/productInventory/v4/", include(customer_urls.product_inventory)),
    path("tmf-api/shoppingCart/v4/", include(cart_urls.shopping_cart)),
    path("tmf-api/productOfferingQualification/v4/", include(cart_urls.qualification)),
    path("tmf-api/productOrderingManagement/v4/", include("orchestration.api.urls")),
    path("api/v1/", include(cart_urls.extensions)),
    path("api/v1/auth/customer-token", CustomerTokenView.as_view(), name="customer-token"),
    path("api/v1/customers/search", CustomerSearchView.as_view(), name="customer-search"),
    path("api/v1/customers/<str:customer_id>/360", Customer360View.as_view(), name="customer-360"),
    path("api/v1/customers/<str:customer_id>/consents", ConsentsView.as_view(), name="customer-consents"),
    path("api/v1/pricing/quote", QuoteView.as_view(), name="pricing-quote"),
    path("api/v1/pricing/estimate", EstimateView.as_view(), name="pricing-estimate"),
    path("api/v1/backoffice/<slug:system>/events", PushedChangesView.as_view(), name="backoffice-events"),
    path("api/v1/sync-runs", SyncRunsView.as_view(), name="sync-runs"),
]

handler404 = "overlay.api.errors.json_handler404"
handler500 = "overlay.api.errors.json_handler500"
