"""Paths no route could name: a 404 (a TMF error object on API paths), never a 500, nothing written."""

import pytest

from tests.tmf import assert_tmf_error, rows_in_database

pytestmark = pytest.mark.django_db

API_PATHS = [
    "/tmf-api/troubleTicket/v4/troubleTicket/{}",
    "/tmf-api/troubleTicket/v4/hub/{}",
    "/tmf-api/productCatalogManagement/v4/productOffering/{}",
    "/tmf-api/productOrderingManagement/v4/productOrder/{}",
    "/tmf-api/productInventory/v4/product/{}",
    "/tmf-api/customerManagement/v4/customer/{}",
    "/api/v1/customers/{}/360",
    "/api/v1/carts/{}/items",
    "/api/v1/knowledge/article/{}",
    "/api/v1/knowledge/article/{}/feedback",
]


@pytest.mark.parametrize("odd", ["%00", "a%00b", "%0d%0a", "%1b[31m", "%7f"])
def test_a_control_character_in_an_id_is_a_404_not_a_500(staff_client, odd):
    """Before: ``%00`` in any id reached PostgreSQL, which refuses NUL in text: a 500 on every ``/{id}`` route
    (the API's and the console's), the database error in the logs."""
    supervisor = staff_client("supervisor")
    before = rows_in_database()
    for path in API_PATHS:
        for method in (supervisor.get, supervisor.post, supervisor.delete):
            assert_tmf_error(method(path.format(odd)), 404)
    for page in ("/admin/console/tickets/{}/", "/admin/console/customers/{}/"):
        assert supervisor.get(page.format(odd)).status_code == 404
    assert rows_in_database() == before
