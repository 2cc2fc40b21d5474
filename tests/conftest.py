"""Fixtures every test may use: a clean cache, channels, and clients for each kind of caller.

Fixtures shared across apps live in ``tests/fixtures`` (registered below); test data comes from
``tests/factories``.
"""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient

from overlay.services import api_client_create, customer_token_issue, roles_ensure
from tests.factories.catalog import ChannelFactory

pytest_plugins = (
    "tests.fixtures.simulator",
    "tests.fixtures.shops",
    "tests.fixtures.listener",
    "tests.fixtures.aftersales",
)


@pytest.fixture(autouse=True)
def _clean_cache():
    # The cache outlives each test's rolled-back transaction: start every test empty.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def channels(db):
    return {code: ChannelFactory(code=code, name=code.title()) for code in ("web", "mobile", "store", "callcentre")}


@pytest.fixture
def make_client(db):
    """An API client authenticated as a new channel application."""

    numbers = itertools.count(1)

    def make(channel: str = "web", scopes: tuple[str, ...] = ()) -> APIClient:
        issued = api_client_create(name=f"{channel}-app-{next(numbers)}", channel=channel, scopes=list(scopes))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.token}")
        client.api_client = issued.client
        return client

    return make


@pytest.fixture
def web(make_client):
    return make_client("web")


@pytest.fixture
def mobile(make_client):
    return make_client("mobile")


@pytest.fixture
def manager(make_client):
    return make_client("web", ("catalog:write",))


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def staff_client(db):
    """A session-authenticated staff user in one of the roles."""

    def make(role: str) -> APIClient:
        roles_ensure()
        user = get_user_model().objects.create_user(username=f"{role}-user", password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        client = APIClient(enforce_csrf_checks=False)
        client.force_login(user)
        client.user = user
        return client

    return make


@pytest.fixture
def carts_app(make_client):
    """A web channel application trusted with carts and orders (it has signed its users in)."""

    def make(channel: str = "web") -> APIClient:
        return make_client(channel, ("carts:read", "carts:write", "orders:read", "customers:read"))

    return make


@pytest.fixture
def customer_client(make_client):
    """A client acting as one customer (a customer token issued to a channel application)."""

    def make(customer, channel: str = "web") -> APIClient:
        app = make_client(channel, ("customers:token",))
        token = customer_token_issue(client_id=app.api_client.pk, channel=channel, customer_id=customer.pk).token
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        client.customer = customer
        return client

    return make
