"""Staff users of the console, signed in; channel applications as principals."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from overlay.models import ApiClient
from overlay.principal import Principal
from overlay.services import api_client_create, principals_by_key, roles_ensure


def console(role: str) -> Client:
    roles_ensure()
    user = get_user_model().objects.create_user(username=role, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def application(scopes: list[str], channel: str = "web") -> Principal:
    """The principal of a new channel application holding ``scopes`` (e.g. to register a listener as)."""
    issued = api_client_create(name=f"app-{ApiClient.objects.count() + 1}", channel=channel, scopes=scopes)
    key = f"client:{issued.client.pk}"
    return principals_by_key({key})[key]
