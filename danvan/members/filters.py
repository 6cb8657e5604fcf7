"""The member list's filters: one FilterSet serves the page, the export and the API."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from danvan.core.filters import StyledFilterSet, folded_word
from danvan.core.text import CITIZEN_ID_LIKE, fold
from danvan.members import reference
from danvan.members.models import AGE_BANDS, Membership, Sex, StartKind, Status
from danvan.members.selectors import active_on, age_band_condition
from danvan.structure.forms import unit_label
from danvan.structure.models import Branch, Organisation, OrgType, Unit, UnitLevel

PHONE_LIKE = re.compile(r"[+\d][\d .\-]{7,}")
# a member (card) number: one token of letters, digits and separators with at least one digit ("WO6072921",
# "PN-77", "12/2019")
MEMBER_NUMBER_LIKE = re.compile(r"(?=.*\d)[0-9A-Za-z][0-9A-Za-z./\-]{0,29}")


def _units(request):
    """The units the list can be filtered by: provinces, communes and villages in force in the user's scope
    (a village's figures link to its members). The select lists the provinces and communes only, and the
    chosen village (a province has thousands of villages)."""
    if request is None:
        return Unit.objects.none()
    return (
        Unit.objects.visible_to(request.user)
        .filter(level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.VILLAGE], valid_to__isnull=True)
        .order_by("path")
    )


def _organisations(request):
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.visible_to(request.user).filter(type__has_members=True).select_related("unit")


def _types(request):
    return OrgType.objects.filter(has_members=True, is_active=True)


def _prefixes(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


class MembershipFilter(StyledFilterSet):
    q = django_filters.CharFilter(
        label=_("Name, phone or member number"),
        method="filter_q",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("e.g. nguyen thi lan, or 0912…"),
                # a citizen ID is looked up with its own (POST) form: the browser refuses to send it here
                "pattern": r"(?!\s*(\d[\s.\-]?){11}\d\s*$).*",
                "title": _("A citizen ID is looked up with “Find by citizen ID”, not in this box."),
            }
        ),
    )
    org_type = django_filters.ModelChoiceFilter(label=_("Organisation type"), queryset=_types)
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"), queryset=_organisations, method="filter_organisation"
    )
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit (and below)"), queryset=_units, method="filter_unit"
    )
    branch = django_filters.ModelChoiceFilter(
        label=_("Branch"), queryset=Branch.objects.none(), method="filter_branch"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=Sex.choices)
    age = django_filters.ChoiceFilter(
        label=_("Age band"), choices=[(c, label) for c, label, _lo, _hi in AGE_BANDS], method="filter_age"
    )
    ethnicity = django_filters.ChoiceFilter(label=_("Ethnicity"), choices=reference.ethnicity_choices)
    joined = django_filters.DateFromToRangeFilter(
        label=_("Joined between"),
        field_name="joined_on",
        method="filter_joined",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    active_on = django_filters.DateFilter(
        label=_("Member on"), method="filter_active_on", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Membership
        fields = [
            "q",
            "org_type",
            "organisation",
            "unit",
            "branch",
            "status",
            "sex",
            "age",
            "ethnicity",
            "joined",
            "active_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from danvan.members.forms import FastSelect

        for field in self.form.fields.values():
            if type(field.widget) is forms.Select:
                widget = FastSelect(attrs=field.widget.attrs)
                widget.choices = field.widget.choices
                field.widget = widget
        request = self.request
        if request is not None:
            # The branch list follows the chosen unit (or shows the chosen branch alone): never thousands.
            branches = Branch.objects.visible_to(request.user).filter(organisation__type__has_members=True)
            unit_id, branch_id = self.data.get("unit"), self.data.get("branch")
            unit = (
                Unit.objects.visible_to(request.user)
                .filter(pk=unit_id, level__in=[UnitLevel.COMMUNE, UnitLevel.VILLAGE], valid_to__isnull=True)
                .select_related("parent")
                .first()
                if unit_id and str(unit_id).isdigit()
                else None
            )
            listed = Q(level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE])
            if unit is not None and unit.level == UnitLevel.VILLAGE:
                listed |= Q(pk=unit.pk)
            unit_field = self.form.fields["unit"]

            def unit_choices(listed=listed, empty=unit_field.empty_label):  # read when the select renders
                units = _units(request).filter(listed).select_related("parent")
                return [
                    ("", empty),
                    *((u.pk, unit_label(u) if u.level == UnitLevel.VILLAGE else u.name) for u in units),
                ]

            unit_field.widget.choices = unit_choices
            if unit is not None:
                branches = branches.filter(unit_path__startswith=unit.path)
            elif branch_id and str(branch_id).isdigit():
                branches = branches.filter(pk=branch_id)
            else:
                branches = branches.none()
            self.filters["branch"].queryset = branches.select_related("unit").order_by("search_name")
            self.form.fields["branch"].queryset = self.filters["branch"].queryset
            # Organisations: those of the chosen unit and above it (a province's list would be a thousand long).
            organisations = _organisations(request)
            org_id = self.data.get("organisation")
            place = (
                unit
                or Unit.objects.visible_to(request.user)
                .filter(level=UnitLevel.PROVINCE)
                .order_by("path")
                .first()
            )
            if place is not None:
                above = [p for p in _prefixes(place.path)]
                organisations = organisations.filter(
                    Q(unit__path__in=above) | Q(pk=org_id if org_id and str(org_id).isdigit() else None)
                )
            else:
                organisations = organisations.filter(unit_path__in=[])
            self.filters["organisation"].queryset = organisations.order_by("path")
            self.form.fields["organisation"].queryset = self.filters["organisation"].queryset
            if unit is None and not branch_id:
                self.form.fields["branch"].widget.choices = [("", _("— choose a commune first —"))]

    def filter_q(self, qs, name, value):
        value = (value or "").strip()
        if not value:
            return qs
        if CITIZEN_ID_LIKE.match(value):
            return (
                qs.none()
            )  # a citizen ID: looked up with the separate (POST) form only, never in an address
        if PHONE_LIKE.fullmatch(value):
            from danvan.members.services import normalise_phone

            return qs.filter(person__phone=normalise_phone(value))
        if MEMBER_NUMBER_LIKE.fullmatch(value):
            # one token with a digit (no name has one): a card number, matched exactly whatever its case
            # (the index of UPPER(member_number))
            return qs.filter(member_number__iexact=value)
        words = fold(value).split()
        if not words:
            return qs
        # Each word typed of up to four letters starts a word of the name: "anh" finds "Nguyễn Anh", not "Thanh"
        # or "Oanh", and "bui anh" not "Bùi Thanh Cúc"; a longer word is found anywhere, as a Vietnamese syllable
        # has at most seven letters and checking the word start on the rows found made the planner give up the
        # scan that stops at the first 10,000 rows (ADR 0005, 4). The name holds only letters and single spaces,
        # so "(^| )" gives the trigram index the trigrams of a word start ("  a", " an").
        for word in words:
            qs = qs.filter(folded_word("search_name", word, word_start="(^| )"))
        return qs

    def filter_joined(self, qs, name, value):
        """Joinings in the period, as the figures count them ("joined" and "re-joined"): the memberships that
        started with a joining or a re-joining between the two dates. An arrival by transfer is no joining
        (the person joined earlier, where the figures counted it)."""
        if not value or (value.start is None and value.stop is None):
            return qs
        qs = qs.filter(start_kind__in=[StartKind.JOIN, StartKind.REJOIN])
        if value.start is not None:
            qs = qs.filter(joined_on__gte=value.start)
        if value.stop is not None:
            qs = qs.filter(joined_on__lte=value.stop)
        return qs

    def filter_organisation(self, qs, name, value):
        return qs.filter(org_path__startswith=value.path) if value else qs

    def filter_unit(self, qs, name, value):
        return qs.filter(unit_path__startswith=value.path) if value else qs

    def filter_branch(self, qs, name, value):
        return qs.filter(branch=value) if value else qs

    def filter_age(self, qs, name, value):
        on = self.form.cleaned_data.get("active_on") or timezone.localdate()
        return qs.filter(age_band_condition(value, on)) if value else qs

    def filter_active_on(self, qs, name, value):
        return active_on(qs, value) if value else qs
