"""Every accounts URL that names a record by ``pk`` answers 404 for a record outside the user's scope."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver, reverse

from danvan.accounts.models import Role, RoleAssignment

pytestmark = pytest.mark.django_db


def accounts_patterns_with_pk() -> list[str]:
    resolver = get_resolver()
    names = []
    for top in resolver.url_patterns:
        if getattr(top, "namespace", None) != "accounts":
            continue
        for pattern in top.url_patterns:
            assert isinstance(pattern, URLPattern)
            if "pk" in pattern.pattern.converters:
                names.append(pattern.name)
    return names


def test_every_pk_url_is_known_here():
    assert set(accounts_patterns_with_pk()) == {
        "user-detail",
        "user-update",
        "user-password",
        "user-send-reset",
        "user-unlock",
        "user-reset-2fa",
        "assignment-end",
        "role-detail",
        "role-update",
    }


@pytest.mark.parametrize("name", [n for n in accounts_patterns_with_pk() if not n.startswith("role-")])
def test_out_of_scope_pk_is_404_and_in_scope_is_not(client, demo_world, name):
    w = demo_world
    client.force_login(w.users["admin_a"])
    model = name.split("-", 1)[0]
    inside = {
        "user": w.users["officer_ca"],
        "assignment": RoleAssignment.objects.get(user=w.users["officer_ca"]),
    }
    outside = {"user": w.users["admin_b"], "assignment": RoleAssignment.objects.get(user=w.users["admin_b"])}
    url_out = reverse(f"accounts:{name}", args=[outside[model].pk])
    assert client.get(url_out).status_code == 404
    if name != "user-detail":  # the only read-only page
        assert client.post(url_out, {}).status_code == 404
    assert client.get(reverse(f"accounts:{name}", args=[inside[model].pk])).status_code == 200
    # a pk that does not exist looks the same as one out of scope
    assert client.get(reverse(f"accounts:{name}", args=[999_999])).status_code == 404


@pytest.mark.parametrize("name", ["role-detail", "role-update"])
def test_roles_are_platform_wide_but_need_the_view_permission(client, demo_world, name):
    role = Role.objects.get(code="leader")
    client.force_login(demo_world.users["nobody"])
    assert client.get(reverse(f"accounts:{name}", args=[role.pk])).status_code == 404
    client.force_login(demo_world.users["admin_b"])
    assert client.get(reverse(f"accounts:{name}", args=[role.pk])).status_code == 200
