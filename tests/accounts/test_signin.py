"""Sign-in: username or e-mail, case-insensitive; lockout; no user enumeration."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from danvan.accounts.models import User
from tests.accounts.conftest import form_errors, sign_in

pytestmark = pytest.mark.django_db


def _signed_in_as(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


@pytest.fixture
def officer(world):
    user = world.users["officer_ca"]
    User.objects.filter(pk=user.pk).update(email="can.bo@xa.gov.vn")
    user.refresh_from_db()
    return user


def test_sign_in_by_username_case_insensitive(client, officer):
    response = sign_in(client, "OFFICER_CA")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in_as(client).pk == officer.pk


def test_sign_in_by_email_case_insensitive(client, officer):
    response = sign_in(client, "  Can.Bo@XA.gov.vn ")
    assert response.status_code == 302
    assert _signed_in_as(client).pk == officer.pk


def test_sign_in_follows_a_safe_next_only(client, officer):
    assert sign_in(client, "officer_ca", next_url="/structure/units/")["Location"] == "/structure/units/"
    client.logout()
    assert sign_in(client, "officer_ca", next_url="https://evil.example/")["Location"] == "/"


def test_wrong_password_is_refused(client, officer):
    response = sign_in(client, "officer_ca", "not-the-password")
    assert response.status_code == 200
    assert form_errors(response) == ["Wrong username/e-mail or password."]
    assert _signed_in_as(client) is None
    officer.refresh_from_db()
    assert officer.failed_login_count == 1


def test_unknown_user_and_wrong_password_look_the_same(client, officer):
    unknown = sign_in(client, "no-such-person", "whatever-password")
    wrong = sign_in(client, "officer_ca", "whatever-password")
    by_mail = sign_in(client, "nobody@nowhere.vn", "whatever-password")
    assert unknown.status_code == wrong.status_code == by_mail.status_code == 200
    assert form_errors(unknown) == form_errors(wrong) == form_errors(by_mail)


def test_inactive_account_cannot_sign_in_and_says_nothing_more(client, officer):
    User.objects.filter(pk=officer.pk).update(is_active=False)
    response = sign_in(client, "officer_ca")
    assert response.status_code == 200
    assert form_errors(response) == ["Wrong username/e-mail or password."]


def test_lockout_after_threshold_then_unlock_after_period(client, officer):
    assert settings.LOCKOUT_THRESHOLD == 5
    for _ in range(settings.LOCKOUT_THRESHOLD):
        sign_in(client, "officer_ca", "wrong-password-here")
    officer.refresh_from_db()
    assert officer.is_locked
    # even the right password is refused while locked, with a clear message
    response = sign_in(client, "officer_ca")
    assert response.status_code == 200
    [message] = form_errors(response)
    assert "temporarily locked" in message
    assert f"{settings.LOCKOUT_MINUTES} minutes" in message
    assert _signed_in_as(client) is None
    with time_machine.travel(
        timezone.now() + timezone.timedelta(minutes=settings.LOCKOUT_MINUTES, seconds=5)
    ):
        response = sign_in(client, "officer_ca")
        assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_locked
    assert officer.failed_login_count == 0


def test_the_failure_that_locks_the_account_says_so(client, officer, settings):
    from django.utils import translation

    for _ in range(settings.LOCKOUT_THRESHOLD - 1):
        assert form_errors(sign_in(client, "officer_ca", "wrong-password-here")) == [
            "Wrong username/e-mail or password."
        ]
    settings.LANGUAGE_CODE = "vi"  # this module's tests run in English (see conftest)
    with translation.override("vi"):
        response = sign_in(client, "officer_ca", "wrong-password-here")
    assert response.status_code == 200
    assert form_errors(response) == [
        "Tài khoản này tạm thời bị khóa do đăng nhập không thành công quá nhiều lần. "
        f"Vui lòng thử lại sau {settings.LOCKOUT_MINUTES} phút hoặc đặt lại mật khẩu."
    ]
    assert "tạm thời bị khóa" in response.content.decode()
    officer.refresh_from_db()
    assert officer.is_locked


def test_four_failures_do_not_lock_and_success_resets_the_count(client, officer):
    for _ in range(settings.LOCKOUT_THRESHOLD - 1):
        sign_in(client, "officer_ca", "wrong-password-here")
    officer.refresh_from_db()
    assert not officer.is_locked
    assert sign_in(client, "officer_ca").status_code == 302
    officer.refresh_from_db()
    assert officer.failed_login_count == 0


def test_lock_message_shows_remaining_minutes(client, officer):
    User.objects.filter(pk=officer.pk).update(
        locked_until=timezone.now() + timezone.timedelta(minutes=3, seconds=10)
    )
    [message] = form_errors(sign_in(client, "officer_ca"))
    assert "4 minutes" in message


def test_passwords_are_hashed_with_argon2_in_production_settings():
    assert settings.PASSWORD_HASHERS[-2] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    production = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h]
    assert production[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_logout_needs_post_and_its_address_asks_first(client, officer, settings):
    from django.utils import translation

    sign_in(client, "officer_ca")
    settings.LANGUAGE_CODE = "vi"  # this module's tests run in English (see conftest)
    with translation.override("vi"):
        page = client.get(reverse("accounts:logout"))  # typed, or a bookmark: not a blank 405
    assert page.status_code == 200
    body = page.content.decode()
    assert "Bạn đang đăng nhập với tên Officer_Ca. Đăng xuất ngay?" in body
    assert f'<form method="post" action="{reverse("accounts:logout")}">' in body
    assert _signed_in_as(client).pk == officer.pk  # a GET signs nobody out
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert _signed_in_as(client) is None
    # signed out already: the address leads to the sign-in page
    again = client.get(reverse("accounts:logout"))
    assert again.status_code == 302 and again["Location"] == reverse("accounts:login")


@pytest.mark.django_db
def test_the_sign_in_page_leads_citizens_to_the_portal(client):
    page = client.get(reverse("accounts:login")).content.decode()
    portal = reverse("cases:public-home")
    assert f'href="{portal}"' in page
    assert client.get(portal).status_code == 200  # open without an account
