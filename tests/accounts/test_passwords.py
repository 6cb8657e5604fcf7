"""Password reset by e-mail, own password change, passwords set by an administrator."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from danvan.accounts.models import User
from tests.accounts.conftest import form_errors, link_in, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Mot-mat-khau-moi-rat-dai-2026"


@pytest.fixture
def officer(world):
    user = world.users["officer_ca"]
    User.objects.filter(pk=user.pk).update(email="officer@xa.gov.vn")
    user.refresh_from_db()
    return user


def test_password_reset_email_with_a_working_link(client, officer):
    response = client.post(reverse("accounts:password-reset"), {"email": "Officer@XA.gov.vn"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["officer@xa.gov.vn"]
    assert "\n" not in message.subject and message.subject
    assert "officer_ca" in message.body

    link = link_in(message.body)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    assert page.context["validlink"] is True
    set_url = page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password-reset-complete")

    assert sign_in(client, "officer_ca", PASSWORD).status_code == 200  # the old one no longer works
    assert sign_in(client, "officer_ca", NEW_PASSWORD).status_code == 302
    # the link works once
    client.post(reverse("accounts:logout"))
    assert client.get(link, follow=True).context["validlink"] is False


def test_reset_clears_a_sign_in_lock(client, officer):
    User.objects.filter(pk=officer.pk).update(locked_until=timezone.now() + timezone.timedelta(minutes=10))
    client.post(reverse("accounts:password-reset"), {"email": officer.email})
    page = client.get(link_in(mail.outbox[0].body), follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert sign_in(client, "officer_ca", NEW_PASSWORD).status_code == 302


def test_reset_rejects_a_weak_password(client, officer):
    client.post(reverse("accounts:password-reset"), {"email": officer.email})
    page = client.get(link_in(mail.outbox[0].body), follow=True)
    response = client.post(
        page.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200
    assert form_errors(response)
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_reset_for_an_unknown_address_sends_nothing_and_looks_the_same(client, officer):
    response = client.post(reverse("accounts:password-reset"), {"email": "unknown@nowhere.vn"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert mail.outbox == []


def test_change_own_password(client, officer):
    client.force_login(officer)
    url = reverse("accounts:password-change")
    wrong = client.post(
        url, {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert wrong.status_code == 200
    assert form_errors(wrong)
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    # still signed in (the session hash was updated), and the new password works
    assert client.get(reverse("accounts:profile")).status_code == 200
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)


def test_password_with_spaces_is_kept_exactly(client, officer):
    """Passwords are not normalised: the one typed at sign-in is the one set."""
    spaced = "  hai  khoảng trắng  2026 "
    client.force_login(officer)
    client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": spaced, "new_password2": spaced},
    )
    client.post(reverse("accounts:logout"))
    assert sign_in(client, "officer_ca", spaced).status_code == 302


def test_administrator_sets_a_password_in_scope(client, world, officer):
    client.force_login(world.users["admin_a"])
    url = reverse("accounts:user-password", args=[officer.pk])
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)


def test_administrator_sends_a_reset_link(client, world, officer):
    client.force_login(world.users["admin_a"])
    response = client.post(reverse("accounts:user-send-reset", args=[officer.pk]))
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["officer@xa.gov.vn"]


def test_a_new_account_gets_an_invitation_to_choose_a_password(client, world):
    client.force_login(world.users["admin_a"])
    response = client.post(
        reverse("accounts:user-create"),
        {
            "username": "Can_Bo_Moi",
            "full_name": "Nguyễn Thị Mới",
            "email": "moi@xa.gov.vn",
            "home_unit": world.commune_a.pk,
            "send_invite": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="can_bo_moi")
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    page = client.get(link_in(mail.outbox[0].body), follow=True)
    assert page.context["validlink"] is True
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.post(reverse("accounts:logout"))
    assert sign_in(client, "moi@xa.gov.vn", NEW_PASSWORD).status_code == 302
