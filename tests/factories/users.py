"""Staff users of the console, signed in."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from overlay.services import roles_ensure


def console(role: str) -> Client:
    roles_ensure()
    user = get_user_model().objects.create_user(username=role, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client
