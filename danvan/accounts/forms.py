from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from danvan.core.forms import StyledForm


class LoginForm(StyledForm):
    username = forms.CharField(label=_("Username or e-mail"), max_length=254)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid": _("Wrong username/e-mail or password."),
        "locked": _("This account is temporarily locked after too many failed attempts. Try again in %(minutes)s minutes."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autofocus": True, "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self):
        from django.conf import settings

        from danvan.accounts import services

        cleaned = super().clean()
        username, password = cleaned.get("username"), cleaned.get("password")
        if username and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                locked = getattr(self.request, "danvan_locked_user", None)
                if locked is not None:
                    raise forms.ValidationError(
                        self.error_messages["locked"] % {"minutes": settings.LOCKOUT_MINUTES}, code="locked"
                    )
                failed = getattr(self.request, "danvan_failed_user", None)
                if failed is not None:
                    services.login_failed(user=failed)
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            services.login_succeeded(user=self.user_cache)
        return cleaned

    def get_user(self):
        return self.user_cache


class TokenForm(StyledForm):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
