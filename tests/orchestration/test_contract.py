"""The shared TMF read conventions for cancelProductOrder."""

import pytest

from orchestration.models import CancelProductOrder
from tests.factories.orders import CancellationFactory
from tests.tmf import TMFReadContract

pytestmark = pytest.mark.django_db


class TestCancelProductOrder(TMFReadContract):
    path = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
    resource_type = "CancelProductOrder"
    model = CancelProductOrder
    list_queries = 2  # count, page
    detail_queries = 1
    selected_attributes = ("state", "cancellationReason")
    name_attribute = ("cancellationReason", "cancellation_reason")

    @pytest.fixture
    def reader(self, make_client):
        return make_client("web", ("orders:read",))

    def make(self, count, channels):
        rows = [CancellationFactory(cancellation_reason=f"reason {n:03d}") for n in range(count)]
        return sorted(rows, key=lambda r: (-r.created_at.timestamp(), r.pk))

    def filter_case(self, rows):
        return f"productOrder.id={rows[2].order_id}", {rows[2].pk}
