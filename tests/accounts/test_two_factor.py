"""TOTP second factor: required per role, enrolment with a QR code, verification."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from danvan.accounts import services
from danvan.accounts.models import Role
from tests.accounts.conftest import form_errors, sign_in
from tests.factories import superuser

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now."""
    device.refresh_from_db()
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{token:0{device.digits}d}"


def test_role_requiring_2fa_redirects_until_enrolled_and_verified(client, world):
    assert Role.objects.get(code="system_admin").requires_2fa
    response = sign_in(client, "admin_a", next_url="/structure/units/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two-factor"))
    # every page outside sign-in, including account administration, sends back to the second factor
    for path in ("/", "/structure/units/", reverse("accounts:user-list"), reverse("accounts:profile")):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked["Location"].startswith(reverse("accounts:two-factor")), path
    assert client.get("/api/structure/units/").status_code == 403

    # enrolment: a QR code and the secret are shown
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["enrolling"] is True
    assert page.context["qr"].startswith("data:image/svg+xml;base64,")
    device = TOTPDevice.objects.get(user=world.users["admin_a"])
    assert not device.confirmed
    import base64

    assert page.context["secret"].replace(" ", "") == base64.b32encode(device.bin_key).decode()

    wrong = client.post(response["Location"], {"token": "000000" if code(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert form_errors(wrong) == ["The code is wrong or has expired. Wait for the next code and try again."]
    assert client.get("/").status_code == 302
    # wrong codes slow the next attempts down (django-otp throttling)
    throttled = client.post(response["Location"], {"token": code(device)})
    assert "Too many wrong codes" in form_errors(throttled)[0]

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=10)):
        done = client.post(response["Location"], {"token": code(device), "next": "/structure/units/"})
    assert done.status_code == 302
    assert done["Location"] == "/structure/units/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert client.get(reverse("accounts:user-list")).status_code == 200


def test_enrolled_user_must_give_a_code_at_each_sign_in(client, world):
    user = world.users["officer_ca"]  # a role without the requirement, but a device of their own
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = sign_in(client, "officer_ca")
    assert response["Location"].startswith(reverse("accounts:two-factor"))
    page = client.get(response["Location"])
    assert page.context["enrolling"] is False
    assert "qr" not in page.context
    assert client.get("/").status_code == 302
    assert client.post(reverse("accounts:two-factor"), {"token": code(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_a_used_code_cannot_be_replayed(client, world):
    user = world.users["officer_ca"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in(client, "officer_ca")
    token = code(device)
    assert client.post(reverse("accounts:two-factor"), {"token": token}).status_code == 302
    client.post(reverse("accounts:logout"))
    sign_in(client, "officer_ca")
    assert client.post(reverse("accounts:two-factor"), {"token": token}).status_code == 200
    assert client.get("/").status_code == 302


def test_role_without_requirement_signs_in_directly(client, world):
    response = sign_in(client, "officer_ca")
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_requirement_is_data_a_superuser_can_switch_on(client, world):
    role = Role.objects.get(code="commission_officer")
    services.role_set_requires_2fa(actor=superuser(), role=role, requires_2fa=True)
    assert services.requires_second_factor(world.users["officer_ca"])
    response = sign_in(client, "officer_ca")
    assert response["Location"].startswith(reverse("accounts:two-factor"))


def test_password_reset_pages_stay_reachable_while_second_factor_pending(client, world):
    sign_in(client, "admin_a")
    assert client.get(reverse("accounts:password-reset")).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_a_role_requiring_2fa_given_during_a_session_asks_for_it_at_the_next_request(client, world):
    officer = world.users["officer_ca"]
    assert not services.requires_second_factor(officer)
    assert sign_in(client, "officer_ca")["Location"] == "/"
    assert client.get("/").status_code == 200  # no second factor needed yet
    services.assignment_create(
        actor=superuser(), user=officer, role=Role.objects.get(code="system_admin"), unit=world.commune_a
    )
    for path in ("/", reverse("accounts:user-list")):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("accounts:two-factor"))
    assert client.get("/api/structure/units/").status_code == 403
