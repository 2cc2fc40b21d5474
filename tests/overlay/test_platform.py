"""Platform pieces: API clients, the management command, roles, errors outside DRF, the schema."""

import pytest
from django.core.management import CommandError, call_command

from overlay.models import ApiClient
from overlay.services import hash_token
from tests.tmf import assert_tmf_error


@pytest.mark.django_db
def test_create_api_client_prints_the_token_once_and_stores_only_its_hash(capsys):
    call_command("create_api_client", "web-shop", "--channel", "web", "--scope", "catalog:write")
    output = capsys.readouterr().out
    token = output.strip().splitlines()[-1]
    client = ApiClient.objects.get(name="web-shop")
    assert token.startswith("ovl_") and len(token) > 40
    assert client.token_hash == hash_token(token) and token not in (client.token_hash, client.token_prefix)
    assert (client.channel, client.scopes) == ("web", ["catalog:write"])


@pytest.mark.django_db
def test_create_api_client_refuses_duplicates_and_unknown_channels():
    call_command("create_api_client", "app", "--channel", "mobile")
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_api_client", "app", "--channel", "mobile")
    with pytest.raises(CommandError):
        call_command("create_api_client", "other", "--channel", "fax")
    assert ApiClient.objects.count() == 1


@pytest.mark.django_db
def test_token_works_from_the_command(capsys, channels):
    from rest_framework.test import APIClient

    call_command("create_api_client", "cli", "--channel", "web", "--quiet")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {capsys.readouterr().out.strip()}")
    assert client.get("/tmf-api/productCatalogManagement/v4/productOffering").status_code == 200


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Token abc"])
@pytest.mark.django_db
def test_malformed_authorization_headers_are_401(anonymous, header):
    anonymous.credentials(HTTP_AUTHORIZATION=header)
    assert_tmf_error(anonymous.get("/tmf-api/productCatalogManagement/v4/productOffering"), 401)


@pytest.mark.django_db
def test_unknown_api_path_is_a_tmf_404(web):
    assert_tmf_error(web.get("/tmf-api/productCatalogManagement/v4/noSuchResource"), 404)


@pytest.mark.django_db
def test_throttling_answers_429_with_a_tmf_error(web, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "principal": "3/min"}
    try:
        statuses = [web.get("/tmf-api/productCatalogManagement/v4/category").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = web.get("/tmf-api/productCatalogManagement/v4/category")
        assert_tmf_error(response, 429)
        assert int(response["Retry-After"]) > 0
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


@pytest.mark.django_db
def test_roles_are_created_with_their_permissions():
    from django.contrib.auth.models import Group

    from overlay.services import roles_ensure

    roles_ensure()
    roles_ensure()  # idempotent
    manager = Group.objects.get(name="catalog_manager").permissions.values_list("codename", flat=True)
    agent = Group.objects.get(name="agent").permissions.values_list("codename", flat=True)
    assert "change_productoffering" in manager and "view_productoffering" in agent
    assert "change_productoffering" not in agent


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/tmf-api/productCatalogManagement/v4/productOffering" in paths
    assert "/api/v1/pricing/quote" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


@pytest.mark.django_db
def test_postgresql_connections_do_not_jit_compile():
    """A sync page's look-ups are planned as costly: compiling them took longer than running them."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.django_db
def test_a_403_names_the_scope_the_caller_lacks(make_client):
    # A newcomer with the demo's storefront token on trouble tickets was told only "not allowed".
    tickets = "/tmf-api/troubleTicket/v4/troubleTicket"
    body = assert_tmf_error(make_client("web", ("carts:read",)).get(tickets), 403, "forbidden")
    assert body["message"].endswith("It needs the scope tickets:read.")
    # A write without the read scope names the read scope; with it, the write scope.
    body = assert_tmf_error(make_client("web", ("tickets:write",)).post(tickets, {}, format="json"), 403)
    assert body["message"].endswith("It needs the scope tickets:read.")
    body = assert_tmf_error(make_client("web", ("tickets:read",)).post(tickets, {}, format="json"), 403)
    assert body["message"].endswith("It needs the scope tickets:write.")
    # Each request is told its own: the message is not left behind for the next one.
    client = make_client("web", ("tickets:read",))
    assert client.get(tickets).status_code == 200
    assert_tmf_error(client.post(tickets, {}, format="json"), 403)
    body = assert_tmf_error(client.get("/tmf-api/shoppingCart/v4/shoppingCart"), 403)
    assert body["message"].endswith("It needs the scope carts:read.")
