import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_render(client, demo_world):
    from tests.factories import superuser
    w = demo_world
    a = w.users["admin_a"]
    client.force_login(a)
    a_assign = a.assignments.first()
    role = a_assign.role
    for name, kwargs in [
        ("accounts:profile", {}), ("accounts:password-change", {}), ("accounts:user-list", {}),
        ("accounts:user-create", {}), ("accounts:user-detail", {"pk": w.users["officer_ca"].pk}),
        ("accounts:user-update", {"pk": w.users["officer_ca"].pk}), ("accounts:user-password", {"pk": w.users["officer_ca"].pk}),
        ("accounts:user-send-reset", {"pk": w.users["officer_ca"].pk}), ("accounts:user-unlock", {"pk": w.users["officer_ca"].pk}),
        ("accounts:user-reset-2fa", {"pk": w.users["officer_ca"].pk}),
        ("accounts:assignment-list", {}), ("accounts:assignment-create", {}), ("accounts:assignment-end", {"pk": w.users["officer_ca"].assignments.first().pk}),
        ("accounts:role-list", {}), ("accounts:role-detail", {"pk": role.pk}), ("accounts:role-update", {"pk": role.pk}),
        ("accounts:two-factor", {}),
    ]:
        r = client.get(reverse(name, kwargs=kwargs))
        print(name, r.status_code)
        assert r.status_code == 200, name
    client.logout()
    for name in ["accounts:login", "accounts:password-reset", "accounts:password-reset-done", "accounts:password-reset-complete"]:
        r = client.get(reverse(name))
        assert r.status_code == 200, name
    client.force_login(superuser())
    r = client.get(reverse("accounts:user-create"))
    assert r.status_code == 200
    print(len(r.content))
