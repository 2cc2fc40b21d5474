"""Bad input is refused whole, at the edge: a TMF error, the right status, nothing written.

Text anywhere in a body (JSON fields included) must be Unicode without lone surrogates or NUL;
bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` are a 413, deep nesting and non-finite numbers a 400;
impossible dates in filters and paging beyond bounds are a 400; no stored or echoed text can make
a response fail to render.
"""

import json

import pytest

from cart.models import CartItem
from overlay.api.errors import error_body
from overlay.api.renderers import JSONRenderer
from tests.factories.carts import line, new_cart
from tests.factories.catalog import OfferingFactory
from tests.tmf import assert_tmf_error, rows_in_database

pytestmark = pytest.mark.django_db

CARTS = "/tmf-api/shoppingCart/v4/shoppingCart"
OFFERINGS = "/tmf-api/productCatalogManagement/v4/productOffering"
HANDOFFS = "/api/v1/handoffs"
# One endpoint of each kind that reads a JSON body: TMF creates and patches, extensions, a hub.
JSON_ENDPOINTS = [
    ("POST", OFFERINGS),
    ("POST", "/tmf-api/productCatalogManagement/v4/productOfferingPrice"),
    ("POST", CARTS),
    ("POST", "/tmf-api/productOrderingManagement/v4/productOrder"),
    ("POST", "/tmf-api/party/v4/individual"),
    ("POST", "/tmf-api/productInventory/v4/product"),
    ("POST", "/tmf-api/productOfferingQualification/v4/productOfferingQualification"),
    ("POST", HANDOFFS),
    ("POST", "/api/v1/pricing/quote"),
    ("POST", "/tmf-api/shoppingCart/v4/hub"),
]


@pytest.fixture
def everything(make_client):
    """An application with every scope, so that only the body can be wrong."""
    from overlay.services import KNOWN_SCOPES

    return make_client("web", tuple(KNOWN_SCOPES))


def send(client, method: str, path: str, raw: str | bytes, content_type: str = "application/json"):
    return client.generic(method, path, raw, content_type=content_type)


def refused(response, status: int, before: dict) -> dict:
    body = assert_tmf_error(response, status)
    assert body["@type"] == "Error"
    assert rows_in_database() == before
    return body


# --- text: valid Unicode, no lone surrogates, no NUL ------------------------------------------
def test_a_lone_surrogate_in_a_cart_contact_medium_is_a_400_and_the_cart_list_still_works(everything):
    before = rows_in_database()
    body = json.dumps({"contactMedium": [{"x": "\udc00"}]})  # JSON escapes: \\udc00
    message = refused(send(everything, "POST", CARTS, body), 400, before)["message"]
    assert "contactMedium[0].x" in message
    assert everything.get(CARTS).status_code == 200


def test_a_hand_off_configurator_with_a_lone_surrogate_is_refused_before_any_code_exists(everything, shop, alice):
    cart_id = new_cart(everything, alice, [line(shop.plan)]).json()["id"]
    before = rows_in_database()
    body = json.dumps({"shoppingCart": {"id": cart_id}, "configurator": {"colour": "\ud800"}})
    refused(send(everything, "POST", HANDOFFS, body), 400, before)


def test_a_surrogate_that_a_choice_error_would_echo_is_a_400(everything, shop, alice):
    cart_id = new_cart(everything, alice, [line(shop.plan)]).json()["id"]
    item_id = CartItem.objects.get(cart_id=cart_id).pk
    before = rows_in_database()
    response = send(everything, "PATCH", f"/api/v1/carts/{cart_id}/items/{item_id}", json.dumps({"status": "\ud800"}))
    refused(response, 400, before)


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "Plan \\u0000"}',  # NUL in a text field
        '{"name": "Plan", "description": "\\udfff"}',  # a low surrogate alone
        '{"name": "Plan", "\\ud800": 1}',  # in a name
        '{"name": "Plan", "validFor": {"startDateTime": "\\ud83d"}}',  # a high surrogate without its pair
        b'{"name": "Plan \xff"}',  # not UTF-8
    ],
    ids=["nul", "low-surrogate", "surrogate-in-a-name", "high-surrogate", "not-utf-8"],
)
def test_bad_text_anywhere_in_a_body_is_a_400(everything, raw):
    before = rows_in_database()
    refused(send(everything, "POST", OFFERINGS, raw), 400, before)


def test_a_surrogate_pair_is_good_text(everything):
    response = send(everything, "POST", OFFERINGS, json.dumps({"name": "Plan \U0001f600"}))
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Plan \U0001f600"


def test_the_renderer_never_fails_on_text():
    rendered = JSONRenderer().render({"name\udc00": ["a\ud800b", {"x": "\udfff"}], "ok": "Plan \U0001f600"})
    assert json.loads(rendered) == {"name\ufffd": ["a\ufffdb", {"x": "\ufffd"}], "ok": "Plan \U0001f600"}
    body = error_body(400, 'status: "\ud800" is not a valid choice.')
    assert json.loads(JSONRenderer().render(body))["message"] == 'status: "\ufffd" is not a valid choice.'


# --- size, depth, numbers -------------------------------------------------------------------------
@pytest.mark.parametrize("method,path", JSON_ENDPOINTS)
def test_an_oversized_body_is_a_413_everywhere(everything, settings, method, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    before = rows_in_database()
    raw = json.dumps({"name": "x" * 5000})
    refused(send(everything, method, path, raw), 413, before)


def test_a_body_over_the_default_limit_is_a_413(everything):
    before = rows_in_database()
    raw = json.dumps({"name": "Plan", "description": "x" * (2_621_440 + 1)})
    refused(send(everything, "POST", OFFERINGS, raw), 413, before)


@pytest.mark.parametrize("method,path", JSON_ENDPOINTS)
@pytest.mark.parametrize("raw", ["[" * 10_000, '{"a":' * 40 + "1" + "}" * 40], ids=["recursion", "40-levels"])
def test_deep_nesting_is_a_400_everywhere(everything, method, path, raw):
    before = rows_in_database()
    refused(send(everything, method, path, raw), 400, before)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_a_400(everything, number):
    before = rows_in_database()
    raw = f'{{"name": "Plan", "description": "x", "x": {{"value": {number}}}}}'
    refused(send(everything, "POST", OFFERINGS, raw), 400, before)


def test_a_merge_patch_is_checked_the_same(everything):
    offering = OfferingFactory()
    before = rows_in_database()
    response = send(
        everything, "PATCH", f"{OFFERINGS}/{offering.pk}", '{"name": "\\u0000"}', "application/merge-patch+json"
    )
    refused(response, 400, before)


# --- dates and numbers in filters -----------------------------------------------------------------
DATE_FILTERS = [
    f"{OFFERINGS}?lastUpdate",
    "/tmf-api/productCatalogManagement/v4/productOfferingPrice?lastUpdate.gt",
    f"{CARTS}?lastUpdate",
    "/tmf-api/productOrderingManagement/v4/productOrder?orderDate",
    "/tmf-api/productInventory/v4/product?startDate.lte",
]


@pytest.mark.parametrize("query", DATE_FILTERS)
@pytest.mark.parametrize(
    "value",
    ["2024-02-30", "2024-13-01", "0000-01-01", "2024-02-30T10:00:00Z", "2024-01-01T00:00:00+25:00"],
    ids=["february-30", "month-13", "year-0", "impossible-date-time", "offset-beyond-a-day"],
)
def test_an_impossible_date_in_a_filter_is_a_400(everything, query, value):
    assert_tmf_error(everything.get(f"{query}={value}"), 400)


@pytest.mark.parametrize("query", DATE_FILTERS)
@pytest.mark.parametrize("value", ["9999-12-31", "9999-12-31T23:59:59.999Z", "0001-01-01"])
def test_the_first_and_last_days_a_timestamp_can_name_are_filters_like_any_other(everything, query, value):
    response = everything.get(f"{query}={value}")
    assert response.status_code == 200, response.content
    assert response.json() == []


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "1e999999", "sNaN"])
def test_a_number_out_of_range_in_a_filter_is_a_400(everything, value):
    assert_tmf_error(
        everything.get(f"/tmf-api/productCatalogManagement/v4/productOfferingPrice?price.value.gt={value}"), 400
    )
