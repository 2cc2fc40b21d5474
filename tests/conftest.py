import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient

from overlay.services import api_client_create, roles_ensure

MERGE_PATCH = "application/merge-patch+json"


@pytest.fixture(autouse=True)
def _clean_cache():
    # The cache outlives each test's rolled-back transaction: start every test empty.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def channels(db):
    from tests.catalog.factories import ChannelFactory

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
