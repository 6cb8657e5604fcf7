"""Demo only: the administrator accounts need a second factor; give them TOTP devices with a published key,
so that the one-time code can be printed by `manage.py demo_totp USERNAME`. Never used outside the demo."""

from __future__ import annotations

import hashlib

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from danvan.accounts.models import User


def _demo_key(username: str) -> str:
    return hashlib.sha1(f"danvan-demo-{username}".encode()).hexdigest()[:40]


def ensure_devices() -> None:
    for user in User.objects.filter(username__in=["quantri.tinh", "quantri.xa"]):
        TOTPDevice.objects.get_or_create(
            user=user, name="Demo", defaults={"key": _demo_key(user.username), "confirmed": True}
        )


def current_code(username: str) -> str | None:
    device = TOTPDevice.objects.filter(user__username=username, name="Demo", confirmed=True).first()
    if device is None:
        return None
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
