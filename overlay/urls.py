"""The root URL configuration: the admin and its console, the API schema and docs, and each app's routes.

Apps are mounted by dotted path, as ``INSTALLED_APPS`` names them: the kernel never imports an app.
Each app's ``api/urls.py`` holds its TMF base paths (``overlay.tmf``) and its ``/api/v1`` extensions.
"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from overlay import health, views

urlpatterns = [
    path("", views.landing, name="landing"),
    # For load balancers, orchestrators and monitoring: outside the API, no authentication (overlay.health).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Its start-up script served apart, not inline: the Content-Security-Policy allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("catalog.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("cart.api.urls")),
    path("", include("orchestration.api.urls")),
    path("", include("usage.api.extension_urls")),
    path("", include("usage.api.urls")),
    path("", include("adapters.api.urls")),
    path("", include("knowledge.api.urls")),
    path("", include("console.api.knowledge_urls")),
    path("", include("care.api.urls")),
    path("", include("console.api.urls")),
    path("", include("usage.api.statement_urls")),
]

handler404 = "overlay.api.errors.json_handler404"
handler500 = "overlay.api.errors.json_handler500"
