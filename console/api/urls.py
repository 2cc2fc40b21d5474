from django.urls import path

from console.api.views import Customer360View

urlpatterns = [
    path("api/v1/customers/<str:customer_id>/360", Customer360View.as_view(), name="customer-360"),
]
