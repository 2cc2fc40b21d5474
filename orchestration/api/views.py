"""TMF622 productOrder: customers see their own orders; agents and entitled applications all."""

from orchestration import selectors
from orchestration.api import representations
from orchestration.api.filters import ProductOrderFilterSet
from overlay.api.views import TMFResourceViewSet


class ProductOrderViewSet(TMFResourceViewSet):
    resource_type = "ProductOrder"
    base_path = f"{representations.ORDER_BASE}/productOrder"
    read_scope = "orders:read"
    write_scope = "orders:write"
    filterset_class = ProductOrderFilterSet
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return selectors.orders_visible(self.principal)

    def with_related(self, queryset):
        return selectors.orders_with_related(queryset)

    def represent(self, obj, ctx):
        return representations.product_order(obj, ctx)
