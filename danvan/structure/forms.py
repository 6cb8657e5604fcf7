"""Forms of the structure pages. Every choice of a unit, organisation or branch lists only rows the user may
see (``visible_to``, through the selectors); the services check the permission for the exact place."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from danvan.core.forms import StyledForm
from danvan.core.text import fold
from danvan.structure import selectors
from danvan.structure.models import Branch, BranchKind, Organisation, OrgType, Unit, UnitLevel, VillageKind

PHONE = re.compile(r"\+?[0-9][0-9 .\-]{6,18}[0-9]")


def unit_label(unit: Unit) -> str:
    if unit.level == UnitLevel.VILLAGE and unit.parent_id:
        return f"{unit.name} — {unit.parent.name}"
    if unit.level == UnitLevel.COMMUNE:
        return f"{unit.name} ({unit.code})"
    return unit.name


def organisation_label(organisation: Organisation) -> str:
    unit = organisation.unit
    if fold(unit.name) in fold(organisation.name):
        return organisation.name
    return f"{organisation.name} — {unit.name}"


def branch_label(branch: Branch) -> str:
    return f"{branch.name} — {branch.unit.name}"


def branch_place_label(branch: Branch, *, province: bool = False) -> str:
    """The branch with its village, commune (and province): many communes have an "Ấp An Thới" branch.
    The queryset selects ``unit__parent`` (and ``unit__parent__parent`` for the province)."""
    unit = branch.unit
    places = [unit.name]
    commune = unit.parent if unit.level == UnitLevel.VILLAGE and unit.parent_id else None
    if commune is not None:
        places.append(commune.name)
    if province:
        above = (commune or unit).parent if (commune or unit).parent_id else None
        if above is not None:
            places.append(above.name)
    return f"{branch.name} — {', '.join(places)}"


def choices_url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "", [])})
    return reverse(f"structure:{name}-choices") + (f"?{query}" if query else "")


class SearchSelect(forms.Select):
    """A select that renders at most ``limit`` options; when there are more, a search box above it fetches
    the options matching what is typed (accent-insensitive) from ``search_url``, with HTMX. The field still
    accepts any row of its queryset, so the page stays small whatever the user's scope."""

    template_name = "structure/widgets/search_select.html"

    def __init__(self, attrs=None, search_url: str = "", limit: int = 100):
        super().__init__(attrs)
        self.search_url = search_url
        self.limit = limit

    def get_context(self, name, value, attrs):
        searchable = False
        iterator = self.choices
        if isinstance(iterator, ModelChoiceIterator) and iterator.queryset is not None:
            queryset = iterator.queryset
            head = list(queryset[: self.limit + 1])
            searchable = len(head) > self.limit
            objects = head[: self.limit]
            values = value if isinstance(value, (list, tuple)) else [value]
            wanted = [str(v) for v in values if v not in (None, "") and str(v).isdigit()]
            missing = set(wanted) - {str(o.pk) for o in objects}
            if missing:
                objects = list(queryset.filter(pk__in=missing)) + objects
            limited = []
            if iterator.field.empty_label is not None:
                limited.append(("", iterator.field.empty_label))
            limited.extend(iterator.choice(o) for o in objects)
            self.choices = limited
        context = super().get_context(name, value, attrs)
        context["widget"]["search_url"] = self.search_url if searchable else ""
        return context


class ScopedChoiceField(forms.ModelChoiceField):
    """A model choice whose queryset the form sets from a selector (rows visible to the user)."""

    def __init__(self, *, label_from=str, search_url: str = "", **kwargs):
        kwargs.setdefault("queryset", None)
        kwargs.setdefault("widget", SearchSelect(search_url=search_url))
        kwargs.setdefault("error_messages", {"invalid_choice": _("Choose one of the options in the list.")})
        super().__init__(**kwargs)
        self.label_from = label_from

    def label_from_instance(self, obj):
        return self.label_from(obj)

    def limit(self, queryset, search_url: str) -> None:
        self.queryset = queryset
        self.widget.search_url = search_url


def validate_phone(value: str) -> str:
    if value and not PHONE.fullmatch(value):
        raise ValidationError(_("Enter a valid phone number, for example 0912 345 678."))
    return value


def mark_invalid(form: forms.Form) -> None:
    """Bootstrap's red border on the widgets of fields that have errors."""
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            classes = widget.attrs.get("class", "")
            if "is-invalid" not in classes:
                widget.attrs["class"] = f"{classes} is-invalid".strip()


def service_errors(form: forms.Form, exc: ValidationError | PermissionDenied) -> None:
    """Show a service's refusal on the form: on the field it names when the form has it, else on top."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("You do not have permission to do this."))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- villages -------------------------------------------------------------------------------------


class VillageForm(StyledForm):
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("For example “Ấp Phú Hòa” or “Tổ dân phố 3”.")
    )
    village_kind = forms.ChoiceField(label=_("Kind"), choices=VillageKind.choices, initial=VillageKind.THON)
    population = forms.IntegerField(label=_("Population"), min_value=0, required=False)


class VillageDeactivateForm(StyledForm):
    on = forms.DateField(label=_("In force until"), help_text=_("The last day the village is in force."))
    successor = ScopedChoiceField(
        label=_("Successor village"),
        label_from=unit_label,
        required=False,
        help_text=_(
            "Optional. The village that takes over (after a merger): the branches located here move to it, and "
            "old records roll up into it. Required when active branches are located in this village."
        ),
    )

    def __init__(self, *args, actor, village: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.fields["successor"].limit(
            selectors.unit_choices(actor=actor, levels=[UnitLevel.VILLAGE], parent=village.parent).exclude(
                pk=village.pk
            ),
            choices_url("unit", levels=UnitLevel.VILLAGE, parent=village.parent_id, exclude=village.pk),
        )


# --- organisations --------------------------------------------------------------------------------


class OrganisationContactFields(StyledForm):
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, validators=[validate_phone])
    email = forms.EmailField(label=_("E-mail"), required=False)


class OrganisationCreateForm(OrganisationContactFields):
    type = forms.ModelChoiceField(label=_("Type"), queryset=OrgType.objects.filter(is_active=True))
    unit = ScopedChoiceField(
        label=_("Unit"), label_from=unit_label, help_text=_("Where the organisation works.")
    )
    parent = ScopedChoiceField(
        label=_("Parent organisation"),
        label_from=organisation_label,
        required=False,
        help_text=_("The organisation it belongs to, at the same unit or above (e.g. the Front)."),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=255,
        required=False,
        help_text=_("Leave empty to name it after its type and unit, e.g. “Hội Nông dân Xã An Phú”."),
    )
    field_order = ["type", "unit", "parent", "name", "address", "phone", "email"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        levels = [UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.VILLAGE]
        self.fields["unit"].limit(
            selectors.unit_choices(actor=actor, levels=levels), choices_url("unit", levels=",".join(levels))
        )
        self.fields["parent"].limit(selectors.organisation_choices(actor=actor), choices_url("organisation"))


class OrganisationUpdateForm(OrganisationContactFields):
    name = forms.CharField(label=_("Name"), max_length=255)
    field_order = ["name", "address", "phone", "email"]


# --- branches -------------------------------------------------------------------------------------


def kind_for(organisation: Organisation) -> str:
    """The usual kind of branch of an organisation's type ("Chi đoàn" → chi_doan), else chi_hoi."""
    label = fold(organisation.type.branch_label)
    for value, text in BranchKind.choices:
        term = re.search(r"\(([^)]+)\)", str(text))
        if label and (fold(value.replace("_", " ")) == label or (term and fold(term.group(1)) == label)):
            return value
    return BranchKind.CHI_HOI


class BranchOrganisationForm(StyledForm):
    """The first step of adding a branch from the list: which organisation it belongs to."""

    organisation = ScopedChoiceField(label=_("Organisation"), label_from=organisation_label)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].limit(
            selectors.organisation_choices(actor=actor, with_branches=True),
            choices_url("organisation", branches=1),
        )


class BranchForm(StyledForm):
    name = forms.CharField(
        label=_("Name"), max_length=255, help_text=_("For example “Chi hội Phụ nữ ấp Phú Hòa”.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=BranchKind.choices)
    unit = ScopedChoiceField(
        label=_("Located in"),
        label_from=unit_label,
        help_text=_("A commune or village within the organisation's unit."),
    )
    parent = ScopedChoiceField(
        label=_("Parent branch"),
        label_from=branch_label,
        required=False,
        help_text=_("Only for a group inside a branch (e.g. a tổ hội in a chi hội)."),
    )
    leader_name = forms.CharField(label=_("Leader"), max_length=120, required=False)
    leader_phone = forms.CharField(
        label=_("Leader's phone"), max_length=30, required=False, validators=[validate_phone]
    )
    founded_on = forms.DateField(label=_("Founded on"), required=False)

    def __init__(self, *args, actor, organisation: Organisation, branch: Branch | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        levels = [UnitLevel.COMMUNE, UnitLevel.VILLAGE]
        self.fields["unit"].limit(
            selectors.unit_choices(actor=actor, levels=levels, within=organisation.unit_path),
            choices_url("unit", levels=",".join(levels), within=organisation.unit_path),
        )
        if branch is None:
            self.fields["kind"].initial = kind_for(organisation)
            self.fields["parent"].limit(
                selectors.branch_choices(actor=actor, organisation=organisation),
                choices_url("branch", organisation=organisation.pk),
            )
        else:
            del self.fields["parent"]  # the branch tree is kept as created (paths)
            if not self.fields["unit"].queryset.filter(pk=branch.unit_id).exists():
                # The current place is outside what the user may see: keep it rather than offer to change it.
                del self.fields["unit"]

    def clean_founded_on(self):
        value = self.cleaned_data.get("founded_on")
        if value and value > timezone.localdate():
            raise ValidationError(_("The founding date cannot be in the future."))
        return value
