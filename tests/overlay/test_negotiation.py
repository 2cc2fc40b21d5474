"""Content negotiation's shortcut for requests that accept anything chooses what DRF would."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from overlay.api.negotiation import ContentNegotiation
from overlay.api.renderers import JSONRenderer
from tests.tmf import assert_tmf_error

OFFERINGS = "/tmf-api/productCatalogManagement/v4/productOffering"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html", "application/json; indent=2"])
@pytest.mark.parametrize("query", ["", "?format=api"])
def test_the_shortcut_chooses_what_drf_chooses(accept, query):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    request = Request(APIRequestFactory().get(f"/x{query}", **headers))
    for renderers in ([JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()]):
        try:
            expected = DefaultContentNegotiation().select_renderer(request, renderers)
        except Exception as error:
            with pytest.raises(type(error)):
                ContentNegotiation().select_renderer(request, renderers)
            continue
        renderer, media_type = ContentNegotiation().select_renderer(request, renderers)
        assert (type(renderer), media_type) == (type(expected[0]), expected[1])


@pytest.mark.django_db
def test_the_api_still_refuses_what_it_cannot_render(web, channels):
    assert web.get(OFFERINGS)["Content-Type"] == "application/json"
    assert web.get(OFFERINGS, HTTP_ACCEPT="*/*").status_code == 200
    assert_tmf_error(web.get(f"{OFFERINGS}/nope", HTTP_ACCEPT="text/csv"), 406)
