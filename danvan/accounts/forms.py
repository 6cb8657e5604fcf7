"""Forms of accounts. Password fields are never normalised: what the user typed is what is checked."""

from __future__ import annotations

import math
import re

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from danvan.accounts.models import Role
from danvan.core.forms import StyledForm, style_fields
from danvan.structure.forms import validate_phone


def add_service_error(form: forms.Form, exc: ValidationError | PermissionDenied) -> None:
    """Show an error raised by a service on the form: on its field when the form has one, else on top."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("You do not have permission to do this."))
        return
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            if name == "password" and "password1" in form.fields:
                target = "password1"
            elif name == "password" and "new_password1" in form.fields:
                target = "new_password1"
            form.add_error(target, errors)
        return
    form.add_error(None, exc.messages)


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username or e-mail"), max_length=254)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid": _("Wrong username/e-mail or password."),
        "locked": _(
            "This account is temporarily locked after too many failed sign-in attempts. "
            "Try again in %(minutes)s minutes, or reset your password."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)
        style_fields(self.fields)
        self.fields["username"].widget.attrs.update({"autofocus": True, "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self):
        from danvan.accounts import services

        cleaned = super().clean()
        username, password = cleaned.get("username"), cleaned.get("password")
        if username and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                locked = getattr(self.request, "danvan_locked_user", None)
                if locked is not None:
                    raise self._locked_error(locked.locked_until)
                failed = getattr(self.request, "danvan_failed_user", None)
                if failed is not None:
                    locked_until = services.login_failed(user=failed)
                    if locked_until is not None:  # this attempt was the one too many
                        raise self._locked_error(locked_until)
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            services.login_succeeded(user=self.user_cache)
        return cleaned

    def _locked_error(self, locked_until) -> forms.ValidationError:
        seconds = (locked_until - timezone.now()).total_seconds()
        return forms.ValidationError(
            self.error_messages["locked"] % {"minutes": max(1, math.ceil(seconds / 60))}, code="locked"
        )

    def get_user(self):
        return self.user_cache


class TokenForm(StyledForm):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the digits shown in your authenticator app."))
        return token


class _NewPasswordErrorsMixin:
    """The rules' errors ("too short", "too common") under the new password, where it was typed: Django's
    SetPasswordForm puts them under the confirmation field."""

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return self.cleaned_data


class _ServiceSetPasswordMixin(_NewPasswordErrorsMixin):
    """Save through the service (validation, lock cleared) instead of writing the user directly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)

    def save(self, commit=True):
        from danvan.accounts import services

        return services.user_set_password(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )


class StyledPasswordResetForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)
        self.fields["email"].label = _("E-mail address")
        self.fields["email"].widget.attrs["autofocus"] = True


class ResetSetPasswordForm(_ServiceSetPasswordMixin, SetPasswordForm):
    """Choosing a password from an e-mailed link."""


class OwnPasswordChangeForm(_ServiceSetPasswordMixin, PasswordChangeForm):
    """Changing one's own password (the current one is asked for)."""


def password_rules_help() -> str:
    """The password rules for an administrator who sets someone else's password: Django's own words speak to
    the account's owner ("Your password can't be…"). A rule the project does not know keeps Django's words."""
    rules = []
    for validator in password_validation.get_default_password_validators():
        kind = type(validator).__name__
        if kind == "MinimumLengthValidator":
            rules.append(_("At least %(count)s characters.") % {"count": validator.min_length})
        elif kind == "UserAttributeSimilarityValidator":
            rules.append(_("Not too similar to the person's name, username or e-mail address."))
        elif kind == "CommonPasswordValidator":
            rules.append(_("Not a commonly used password."))
        elif kind == "NumericPasswordValidator":
            rules.append(_("Not only digits."))
        else:
            rules.append(validator.get_help_text())
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((r,) for r in rules)))


class AdminSetPasswordForm(_NewPasswordErrorsMixin, SetPasswordForm):
    """An administrator sets someone's password; the view saves it through the service."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)
        self.fields["new_password1"].help_text = password_rules_help()

    def save(self, commit=True):  # pragma: no cover - the view calls the service
        raise NotImplementedError


class UnitChoiceField(forms.ModelChoiceField):
    """Units in tree order, indented by depth, so that same-named communes can be told apart."""

    def label_from_instance(self, obj):
        return "\u2003" * max(obj.depth - 1, 0) + obj.name


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "\u2003" * max(obj.depth - 1, 0) + obj.name


class _UserFieldsForm(StyledForm):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    home_unit = UnitChoiceField(
        label=_("Unit"),
        queryset=None,
        help_text=_("The unit the account belongs to; administrators of that unit manage it."),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_unit"].queryset = units


def validate_username(value: str) -> None:
    if "@" in value:
        raise ValidationError(
            _('A username cannot contain "@": people sign in with it or with their e-mail address.')
        )
    if not re.fullmatch(r"[A-Za-z0-9._-]+", value):
        raise ValidationError(_("Use only unaccented letters, digits and . _ - (for example nguyen.van.a)."))


class UserCreateForm(_UserFieldsForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[validate_username],
        help_text=_("Letters, digits and . _ - only. People sign in with it or with their e-mail address."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to let the person choose one from an e-mailed link."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    send_invite = forms.BooleanField(
        label=_("E-mail the person a link to choose a password"),
        required=False,
        initial=True,
    )

    field_order = [
        "username",
        "full_name",
        "email",
        "phone",
        "position",
        "home_unit",
        "password1",
        "password2",
        "send_invite",
    ]

    def clean(self):
        # Passwords bypass the text normalisation of StyledForm.
        raw1, raw2 = (
            self.data.get(self.add_prefix("password1"), ""),
            self.data.get(self.add_prefix("password2"), ""),
        )
        cleaned = super().clean()
        cleaned["password1"], cleaned["password2"] = raw1, raw2
        if raw1 != raw2:
            self.add_error("password2", _("The two passwords differ."))
        if cleaned.get("send_invite") and not raw1 and not cleaned.get("email"):
            self.add_error("email", _("An e-mail address is needed to send the link."))
        return cleaned


class UserUpdateForm(_UserFieldsForm):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("A deactivated account can no longer sign in; its history is kept."),
    )

    def __init__(self, *args, is_self: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if is_self:
            self.fields["is_active"].disabled = True
            self.fields["is_active"].help_text = _("You cannot deactivate your own account.")


class AssignmentForm(StyledForm):
    user = forms.ModelChoiceField(label=_("User"), queryset=None)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all())
    unit = UnitChoiceField(
        label=_("Unit"), queryset=None, help_text=_("The role applies to this unit and every unit below it.")
    )
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=None,
        required=False,
        help_text=_(
            "Optional: narrows the role to this organisation and its sub-organisations. "
            "Leave empty to cover every organisation in the unit."
        ),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput)
    valid_to = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput,
        help_text=_("Leave empty: no end date."),
    )

    def __init__(self, *args, users=None, units=None, organisations=None, fixed_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["unit"].queryset = units
        self.fields["organisation"].queryset = organisations
        needs_2fa = _("second factor required")
        self.fields["role"].label_from_instance = lambda role: (
            f"{role.name} ({needs_2fa})" if role.requires_2fa else role.name
        )
        self.fixed_user = fixed_user
        if fixed_user is not None:
            self.fields["user"].initial = fixed_user.pk
            self.fields["user"].widget = forms.HiddenInput()
        self.fields["valid_from"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date cannot be before the start date."))
        return cleaned


class RoleSecondFactorForm(StyledForm):
    requires_2fa = forms.BooleanField(
        label=_("Requires a second factor"),
        required=False,
        help_text=_("Users holding this role must sign in with a one-time code from an authenticator app."),
    )
