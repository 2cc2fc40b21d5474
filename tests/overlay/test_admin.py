"""Admin actions declare the permission they need. Regression: a supervisor (who may only look at API
clients) revoked a channel application with the 'revoke' action, and its customer tokens died with it."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from overlay.models import ApiClient
from overlay.services import api_client_create
from tests.factories.users import console

pytestmark = pytest.mark.django_db


def revoke(client, api_client):
    return client.post(
        reverse("admin:overlay_apiclient_changelist"),
        {"action": "revoke", "_selected_action": [api_client.pk], "index": 0},
    )


def test_a_supervisor_cannot_revoke_an_application():
    issued = api_client_create(name="web-shop", channel="web", scopes=["carts:read"])
    supervisor = console("supervisor")
    page = supervisor.get(reverse("admin:overlay_apiclient_changelist"))
    assert page.status_code == 200 and b'value="revoke"' not in page.content
    revoke(supervisor, issued.client)
    assert ApiClient.objects.get(pk=issued.client.pk).is_active


def test_an_administrator_can():
    issued = api_client_create(name="web-shop", channel="web", scopes=["carts:read"])
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@example.net", "pw"))
    assert revoke(admin, issued.client).status_code == 302
    assert not ApiClient.objects.get(pk=issued.client.pk).is_active


def test_no_bulk_delete_anywhere():
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@example.net", "pw"))
    for model in ("customers_customer", "cart_shoppingcart", "events_outboxevent", "catalog_productoffering"):
        page = admin.get(reverse(f"admin:{model}_changelist"))
        assert page.status_code == 200 and b'value="delete_selected"' not in page.content
