"""An administrator setting someone's password: the rules' errors stand under the new password, and the
rules are worded for the administrator, not for the account's owner ("Your password…")."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_errors_under_the_new_password_and_rules_not_written_to_you(client, world):
    officer = world.users["officer_ca"]
    client.force_login(world.users["admin_a"])
    url = reverse("accounts:user-password", args=[officer.pk])
    page = client.get(url).content.decode()
    assert "Your password" not in page and "Your password" not in page
    assert "At least 10 characters." in page and "Not only digits." in page
    response = client.post(url, {"new_password1": "12345678901", "new_password2": "12345678901"})
    form = response.context["form"]
    assert "new_password2" not in form.errors
    assert any("numeric" in e for e in form.errors["new_password1"])
    mismatch = client.post(url, {"new_password1": "abc", "new_password2": "abd"})
    errors = mismatch.context["form"].errors
    assert errors["new_password2"] and errors["new_password1"]  # the mismatch, then the rule, each in place
    officer.refresh_from_db()
    assert not officer.check_password("12345678901")


def test_own_password_change_shows_the_rules_errors_under_the_new_password(client, world):
    officer = world.users["officer_ca"]
    client.force_login(officer)
    from tests.factories import PASSWORD

    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"},
    )
    form = response.context["form"]
    assert form.errors["new_password1"] and "new_password2" not in form.errors
