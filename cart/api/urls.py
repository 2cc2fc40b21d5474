from django.urls import include, path

from cart.api import views
from events.api.hub import hub_urls
from overlay.api.routers import TMFRouter
from overlay.tmf import CART, QUALIFICATION

cart_router = TMFRouter()
cart_router.register("shoppingCart", views.ShoppingCartViewSet, basename="shoppingCart-shoppingCart")

qualification_router = TMFRouter()
qualification_router.register(
    "productOfferingQualification",
    views.QualificationViewSet,
    basename="productOfferingQualification-productOfferingQualification",
)

extensions = [
    path("carts/<str:cart_id>/items", views.CartItemsView.as_view(), name="cart-items"),
    path("carts/<str:cart_id>/items/<int:item_id>", views.CartItemView.as_view(), name="cart-item"),
    path("carts/<str:cart_id>/attach", views.CartAttachView.as_view(), name="cart-attach"),
    path("carts/<str:cart_id>/checkout", views.CheckoutView.as_view(), name="cart-checkout"),
    path("handoffs", views.HandoffsView.as_view(), name="handoffs"),
    path("handoffs/<str:code>/claim", views.HandoffClaimView.as_view(), name="handoff-claim"),
]

urlpatterns = [
    path(CART.prefix, include([*cart_router.urls, *hub_urls(CART)])),
    path(QUALIFICATION.prefix, include([*qualification_router.urls, *hub_urls(QUALIFICATION)])),
    path("api/v1/", include(extensions)),
]
