"""The admin's and the console's part of the permission matrix: every model, action and console page, per staff role.

``admin_matrix`` says what each role may do with each model registered in the admin (``l`` list, ``v`` view
an object, ``a`` add, ``c`` change, ``d`` delete), which actions it is offered, and what each console page
answers it. The test fails on any difference and on any model, action or console page the tables miss.
Which fields show personal data masked is checked per model in the apps' admin tests
(tests/customers/test_admin.py) and listed in ``admin_matrix.MASKED``.
"""

import os

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from console.admin import console_urls
from tests.factories.admin import form_data
from tests.security.admin_matrix import ACTIONS, CONSOLE, MODELS, ROLES
from tests.security.admin_world import console_requests, one_of_each
from tests.security.world import build_world

pytestmark = pytest.mark.django_db


def staff(role: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=f"matrix-{role}"))
    return client


def flags(client: Client, label: str, obj) -> str:
    app, model = label.split(".")
    url = lambda view, *args: reverse(f"admin:{app}_{model}_{view}", args=args)  # noqa: E731
    found = ""
    if client.get(url("changelist")).status_code == 200:
        found += "l"
    page = client.get(url("change", obj.pk))
    if page.status_code == 200:
        found += "v"
    if client.get(url("add")).status_code == 200:
        found += "a"
    if (
        page.status_code == 200
        and client.post(url("change", obj.pk), form_data(page.content.decode())).status_code != 403
    ):
        found += "c"
    if client.get(url("delete", obj.pk)).status_code == 200:
        found += "d"
    return found or "-"


def test_every_role_may_do_with_every_admin_model_what_the_matrix_says():
    world = build_world("http://testserver")
    objects = one_of_each(world)
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert sorted(registered ^ set(objects)) == [], "every admin model needs an object in admin_world"
    clients = {role: staff(role) for role in ROLES}
    observed = {label: [flags(clients[role], label, objects[label]) for role in ROLES] for label in sorted(registered)}
    if path := os.environ.get("MATRIX_OBSERVED"):
        with open(path, "w") as out:
            out.writelines(
                f"{label:<32}" + "".join(f"{f:<8}" for f in row).rstrip() + "\n" for label, row in observed.items()
            )
    differences = [
        f"{label}: expected {MODELS.get(label)}, got {row}"
        for label, row in observed.items()
        if row != MODELS.get(label)
    ]
    assert sorted(registered ^ set(MODELS)) == [], "admin models missing from (or extra in) the matrix"
    assert not differences, "\n".join(differences)


def test_every_role_is_offered_the_actions_the_matrix_says():
    one_of_each(build_world("http://testserver"))  # a changelist offers actions only when it lists something
    offered_anywhere = {
        f"{model._meta.label_lower}.{name}"
        for model, model_admin in admin.site._registry.items()
        for name in (getattr(action, "__name__", action) for action in model_admin.actions or ())
    }
    assert sorted(offered_anywhere ^ set(ACTIONS)) == [], "admin actions missing from (or extra in) the matrix"
    differences = []
    for key, allowed in ACTIONS.items():
        app, model, action = key.split(".")
        for role in ROLES:
            page = staff(role).get(reverse(f"admin:{app}_{model}_changelist"))
            offered = page.status_code == 200 and f'value="{action}"'.encode() in page.content
            if offered != (role in allowed):
                differences.append(f"{key} for {role}: expected {'offered' if role in allowed else 'not offered'}")
    assert not differences, "\n".join(differences)


def test_every_console_page_answers_every_role_as_the_matrix_says():
    world = build_world("http://testserver")
    names = {pattern.name for pattern in console_urls(admin.site)} | {"orchestration_productorder_supervise"}
    assert sorted(names ^ {key.split(" ", 1)[1] for key in CONSOLE}) == [], "console pages missing from the matrix"
    differences = []
    for key, expected in CONSOLE.items():
        for role, outcome in zip(ROLES, expected, strict=True):
            method, url, data = console_requests(world)[key]
            status = getattr(staff(role), method)(url, data).status_code
            got = "ok" if status in (200, 302) else str(status)
            if got != outcome:
                differences.append(f"{key} for {role}: expected {outcome}, got {got}")
    assert not differences, "\n".join(differences)
