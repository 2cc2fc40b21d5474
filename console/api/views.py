"""``GET /api/v1/customers/{id}/360``: the whole picture in one response; staff views are recorded."""

from rest_framework.views import APIView

from console.three_sixty import three_sixty_viewed
from customers import selectors
from overlay.api.permissions import StaffOrApplicationScoped
from overlay.api.principal import principal_of
from overlay.api.views import conditional_response, etag_of
from overlay.errors import NotFound


class Customer360View(APIView):
    """``GET /api/v1/customers/{id}/360``: the whole picture in one response; staff views are recorded."""

    permission_classes = [StaffOrApplicationScoped]  # an agents' tool: it shows other customers (duplicates)
    read_scope = "customers:read"
    write_scope = None

    def get(self, request, customer_id: str):
        principal = principal_of(request)
        customer = selectors.customer_360(principal, customer_id)
        if customer is None:
            raise NotFound(f"No customer with id '{customer_id}'.")
        body = three_sixty_viewed(request, principal, customer, where="")
        return conditional_response(request, body, etag_of(body))
