"""Pages of the grassroots activities: the dashboard, quota compliance and laggards, meetings with their
cadres and issues, cadres, quota rules and reminders, training courses and their figures.

Every read goes through ``visible_to`` (directly or through a selector); an object outside the user's scope
for the action answers 404; every change is a POST that calls a service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View

from danvan.activities import charts, exports, forms, selectors, services
from danvan.activities.filters import (
    AttendanceFilter,
    CadreFilter,
    CourseFilter,
    IssueFilter,
    MeetingFilter,
    QuotaRuleFilter,
    ReminderFilter,
)
from danvan.activities.models import (
    Attendance,
    Cadre,
    IssueStatus,
    Level,
    Meeting,
    MeetingIssue,
    Participant,
    QuotaReminder,
    QuotaRule,
    TrainingCourse,
)
from danvan.activities.periods import Period, PeriodKind
from danvan.activities.tables import (
    AttendanceTable,
    CadreTable,
    CourseTable,
    IssueTable,
    MeetingTable,
    QuotaRuleTable,
    ReminderTable,
)
from danvan.core.scoping import has_scope_permission
from danvan.core.views import ScopedDetailView, ScopedListView
from danvan.structure.forms import branch_label, mark_invalid, service_errors
from danvan.structure.models import Branch, Organisation, Unit
from danvan.structure.selectors import folded_search
from danvan.structure.views import FormPageMixin, PermissionGateMixin, ScopedObjectMixin

CHOICES_LIMIT = 50


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _crumbs(*extra) -> list[tuple[str, str]]:
    return [(_("Grassroots activities"), reverse("activities:dashboard")), *extra]


class ActivitiesFormMixin(FormPageMixin):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" in context and context["form"].is_bound:
            mark_invalid(context["form"])
        return context


def _fail(form, exc):
    service_errors(form, exc)


# --- dashboard, compliance, laggards ---------------------------------------------------------------


class FiguresMixin(LoginRequiredMixin):
    """Reads the period, unit, organisation type and threshold of a figures page from the query string."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not (
            request.user.has_perm("activities.view_meeting") or request.user.has_perm("activities.view_cadre")
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def read_params(self):
        request, user = self.request, self.request.user
        today = timezone.localdate()
        try:
            self.period = Period.parse(request.GET.get("period", ""))
        except ValueError:
            self.period = Period.containing(PeriodKind.HALF_YEAR, today)
        self.units = selectors.unit_choices(actor=user)
        unit = None
        unit_pk = _int(request.GET.get("unit"))
        if unit_pk:
            unit = Unit.objects.visible_to(user).filter(pk=unit_pk).first()
            if unit is not None and not selectors.allowed_unit(actor=user, unit=unit):
                unit = None
        self.unit = unit or selectors.default_unit(actor=user)
        if self.unit is not None and self.unit not in self.units:
            self.units = [*self.units, self.unit]
        self.org_type_id = _int(request.GET.get("org_type"))
        threshold = _int(request.GET.get("threshold"))
        default = round(selectors.DEFAULT_THRESHOLD * 100)
        self.threshold_pct = threshold if threshold and 1 <= threshold <= 100 else default
        periods = selectors.periods_for_choice(today)
        if self.period not in periods:
            periods.insert(0, self.period)
        self.form = forms.ComplianceForm(
            data={
                "period": self.period.code,
                "unit": str(self.unit.pk) if self.unit else "",
                "org_type": self.org_type_id or "",
                "threshold": self.threshold_pct,
            },
            actor=user,
            periods=periods,
            units=self.units,
            with_threshold=getattr(self, "with_threshold", False),
        )
        self.form.is_valid()

    def query(self, **overrides) -> str:
        from urllib.parse import urlencode

        params = {
            "period": self.period.code,
            "unit": self.unit.pk if self.unit else "",
            "org_type": self.org_type_id or "",
            "threshold": self.threshold_pct
            if self.threshold_pct != round(selectors.DEFAULT_THRESHOLD * 100)
            else "",
        }
        params.update(overrides)
        return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def dashboard_redirect(request):
    return redirect("activities:dashboard")


class DashboardView(FiguresMixin, TemplateView):
    template_name = "activities/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.read_params()
        user = self.request.user
        context["page_title"] = _("Grassroots activities")
        context["unit"] = self.unit
        if self.unit is not None:
            data = selectors.dashboard(actor=user, unit=self.unit)
            context.update(data)
            half = data["period"]
            context["laggards_url"] = reverse("activities:laggards") + "?" + self.query(period=half.code)
            context["compliance_url"] = reverse("activities:compliance") + "?" + self.query(period=half.code)
            context["chart"] = charts.monthly(
                selectors.monthly_series(
                    actor=user,
                    unit=self.unit,
                    period=Period.containing(PeriodKind.YEAR, timezone.localdate()),
                )
            )
        cadre = selectors.cadre_of(user)
        if cadre is not None:
            today = timezone.localdate()
            mine = []
            for kind in selectors.quota_periods():
                period = Period.containing(kind, today)
                standing = selectors.cadre_standing(cadre=cadre, period=period)
                if standing.required:
                    mine.append((period, standing, period.days_left(today)))
            context["my_cadre"] = cadre
            context["my_standings"] = mine
        context["can_add_meeting"] = user.has_perm("activities.add_meeting")
        return context


class ComplianceView(FiguresMixin, TemplateView):
    template_name = "activities/compliance.html"
    laggards = False
    with_threshold = False
    orgs_shown = 30
    cadres_shown = 300

    def get(self, request, *args, **kwargs):
        self.read_params()
        if self.unit is None:
            raise PermissionDenied
        self.figures = selectors.compliance(
            actor=request.user,
            unit=self.unit,
            period=self.period,
            org_type_id=self.org_type_id,
            threshold=self.threshold_pct / 100,
        )
        fmt = request.GET.get("export")
        if fmt in ("xlsx", "csv"):
            return exports.compliance_response(
                self.figures, fmt, laggards=self.laggards, part=request.GET.get("part", "")
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        f = self.figures
        context.update(
            page_title=_("Laggards") if self.laggards else _("Quota compliance"),
            figures=f,
            period=self.period,
            unit=self.unit,
            form=self.form,
            querystring=self.query(),
            laggards=self.laggards,
            threshold_pct=self.threshold_pct,
            level_choices=Level.choices,
            unit_links={
                r.unit.pk: reverse(self.request.resolver_match.view_name) + "?" + self.query(unit=r.unit.pk)
                for r in f.units
                if not r.own_level
            },
            meetings_url=reverse("activities:meeting-list"),
            chart=charts.by_unit(f.units, self.threshold_pct),
        )
        behind_cadres = f.behind_cadres
        context["cadres_behind_total"] = len(behind_cadres)
        if self.laggards:
            context["units_rows"] = f.behind_units
            context["type_rows"] = f.behind_org_types
            context["org_rows"] = f.behind_organisations
            context["cadre_rows"] = behind_cadres[: self.cadres_shown]
        else:
            context["units_rows"] = f.units
            context["type_rows"] = f.org_types
            # A province has hundreds of organisations: the page shows the furthest behind, the export has all.
            orgs = f.organisations if len(f.organisations) <= self.orgs_shown else f.behind_organisations
            context["org_rows"] = orgs[: self.orgs_shown]
            context["orgs_total"] = len(f.organisations)
            context["cadre_rows"] = behind_cadres[:50]
        return context


class LaggardsView(ComplianceView):
    laggards = True
    with_threshold = True


# --- choices --------------------------------------------------------------------------------------


class BranchChoicesView(LoginRequiredMixin, TemplateView):
    """``<option>``s of branches the user may see, matching ``q`` (for the meeting form)."""

    template_name = "structure/_choice_options.html"

    def get_context_data(self, **kwargs):
        from danvan.structure import selectors as structure_selectors

        context = super().get_context_data(**kwargs)
        qs = folded_search(
            structure_selectors.branch_choices(actor=self.request.user),
            self.request.GET.get("q", ""),
            code_field=None,
        )
        rows = list(qs[: CHOICES_LIMIT + 1])
        context["options"] = [(b.pk, branch_label(b)) for b in rows[:CHOICES_LIMIT]]
        context["more"] = len(rows) > CHOICES_LIMIT
        return context


class CadreChoicesView(LoginRequiredMixin, TemplateView):
    """``<option>``s of cadres matching ``q``: for a meeting (``?meeting=``), the cadres who may attend it;
    otherwise the cadres the user may see."""

    template_name = "structure/_choice_options.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        meeting_pk = _int(self.request.GET.get("meeting"))
        if meeting_pk:
            meeting = Meeting.objects.visible_to(user).filter(pk=meeting_pk).first()
            qs = (
                selectors.cadres_for_meeting(meeting=meeting)
                if meeting
                else Cadre.objects.visible_to(user).none()
            )
        else:
            qs = selectors.cadres_visible(actor=user).filter(is_active=True)
        qs = folded_search(qs, self.request.GET.get("q", ""), code_field=None)
        rows = list(qs[: CHOICES_LIMIT + 1])
        context["options"] = [(c.pk, forms.cadre_label(c)) for c in rows[:CHOICES_LIMIT]]
        context["more"] = len(rows) > CHOICES_LIMIT
        return context


# --- meetings -------------------------------------------------------------------------------------


class UnderUnitMixin:
    """``?under=86/28756/`` narrows a list to a unit's subtree (the compliance pages link to it)."""

    def get_queryset(self):
        qs = super().get_queryset()
        under = self.request.GET.get("under", "")
        if under and under.endswith("/"):
            qs = qs.filter(unit_path__startswith=under)
        return qs


class MeetingListView(UnderUnitMixin, ScopedListView):
    model = Meeting
    view_permission = "activities.view_meeting"
    table_class = MeetingTable
    filterset_class = MeetingFilter
    page_title = gettext_lazy("Branch meetings")
    export_name = "sinh-hoat-chi-hoi"
    create_url_name = "activities:meeting-create"

    def get_queryset(self):
        return super().get_queryset().select_related("branch", "unit")


class MeetingDetailView(ScopedDetailView):
    model = Meeting
    template_name = "activities/meeting_detail.html"
    context_object_name = "meeting"

    def get_queryset(self):
        return super().get_queryset().select_related("branch", "unit", "organisation", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, meeting = self.request.user, self.object
        context["attendances"] = (
            Attendance.objects.visible_to(user)
            .filter(meeting=meeting)
            .select_related("cadre", "organisation")
            .order_by("level", "id")
        )
        issues = list(MeetingIssue.objects.visible_to(user).filter(meeting=meeting).order_by("created_at"))
        cases = selectors.issue_cases(user, issues)
        for issue in issues:  # a link only to a case the user may open; else where the issue went
            issue.case_openable, issue.case_body = cases.get(issue.case_id, (False, ""))
        context["issues"] = issues
        context["branch_visible"] = Branch.objects.visible_to(user).filter(pk=meeting.branch_id).exists()
        context["can"] = {
            "change": has_scope_permission(
                user, "activities.change_meeting", meeting.unit_path, meeting.org_path
            ),
            "delete": has_scope_permission(
                user, "activities.delete_meeting", meeting.unit_path, meeting.org_path
            ),
            "attend": services.may_record_attendance(user, meeting),
            "change_attendance": has_scope_permission(
                user, "activities.change_attendance", meeting.unit_path, meeting.org_path
            ),
            "delete_attendance": has_scope_permission(
                user, "activities.delete_attendance", meeting.unit_path, meeting.org_path
            ),
            "add_issue": has_scope_permission(
                user, "activities.add_meetingissue", meeting.unit_path, meeting.org_path
            ),
            "change_issue": has_scope_permission(
                user, "activities.change_meetingissue", meeting.unit_path, meeting.org_path
            ),
        }
        context["cases_available"] = services.cases_available()
        context["crumbs"] = _crumbs((_("Branch meetings"), reverse("activities:meeting-list")))
        return context


class MeetingCreateView(PermissionGateMixin, ActivitiesFormMixin, FormView):
    model = Meeting
    permission = "activities.add_meeting"
    form_class = forms.MeetingForm
    page_title = gettext_lazy("Record a branch meeting")
    add_another = True

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.branch = None
        if getattr(request.user, "is_authenticated", False):
            pk = _int(request.GET.get("branch"))
            if pk:
                self.branch = Branch.objects.visible_to(request.user).filter(pk=pk, is_active=True).first()

    def get_breadcrumbs(self):
        return _crumbs((_("Branch meetings"), reverse("activities:meeting-list")))

    def get_cancel_url(self):
        return self.branch.get_absolute_url() if self.branch else reverse("activities:meeting-list")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(actor=self.request.user, fixed_branch=self.branch)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.branch is not None:
            context["fixed"] = [(_("Branch"), branch_label(self.branch))]
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                actor=self.request.user,
                branch=self.branch or data["branch"],
                held_on=data["held_on"],
                kind=data["kind"],
                topics=data["topics"],
                members_present=data["members_present"],
                members_total=data["members_total"],
                notes=data["notes"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Meeting recorded. Now record the cadres who attended."))
        if "add_another" in self.request.POST:
            url = reverse("activities:meeting-create")
            return redirect(f"{url}?branch={meeting.branch_id}" if self.branch else url)
        return redirect(meeting)


class MeetingUpdateView(ScopedObjectMixin, ActivitiesFormMixin, FormView):
    model = Meeting
    scope_action = "change"
    form_class = forms.MeetingForm

    @property
    def page_title(self):
        return _("Edit meeting of %(date)s") % {"date": self.object.held_on.strftime("%d/%m/%Y")}

    def get_breadcrumbs(self):
        return _crumbs(
            (_("Branch meetings"), reverse("activities:meeting-list")),
            (str(self.object), self.object.get_absolute_url()),
        )

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(actor=self.request.user, fixed_branch=self.object.branch)
        return kwargs

    def get_initial(self):
        m = self.object
        return {
            "held_on": m.held_on,
            "kind": m.kind,
            "topics": m.topics,
            "members_present": m.members_present,
            "members_total": m.members_total,
            "notes": m.notes,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fixed"] = [(_("Branch"), branch_label(self.object.branch))]
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            meeting = services.meeting_update(
                actor=self.request.user,
                meeting=self.object,
                held_on=data["held_on"],
                kind=data["kind"],
                topics=data["topics"],
                members_present=data["members_present"],
                members_total=data["members_total"],
                notes=data["notes"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(obj)s") % {"obj": meeting})
        return redirect(meeting)


class PostActionView(ScopedObjectMixin, View):
    """POST only: call ``act``; a refusal becomes an error message; back to ``target``."""

    post_only = True

    def act(self, obj):
        raise NotImplementedError

    def target(self, obj) -> str:
        return obj.get_absolute_url()

    def done_message(self, obj) -> str:
        return ""

    def refused_target(self, obj) -> str:
        """Where a refusal sends the user (with its reason): by default where success does."""
        return self.target(obj)

    def post(self, request, *args, **kwargs):
        obj = self.object
        url = self.target(obj)
        try:
            self.act(obj)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
            url = self.refused_target(obj)
        else:
            text = self.done_message(obj)
            if text:
                messages.success(request, text)
        return redirect(url)


class CourseDeleteView(PostActionView):
    model = TrainingCourse
    scope_action = "delete"

    def target(self, obj):
        return reverse("activities:course-list")

    def refused_target(self, obj):
        return obj.get_absolute_url()  # a course with participants is kept: back to it

    def act(self, obj):
        services.course_delete(actor=self.request.user, course=obj)

    def done_message(self, obj):
        return _("Course “%(name)s” deleted.") % {"name": obj.title}


class MeetingDeleteView(PostActionView):
    model = Meeting
    scope_action = "delete"

    def target(self, obj):
        return reverse("activities:meeting-list")

    def act(self, obj):
        services.meeting_delete(actor=self.request.user, meeting=obj)

    def done_message(self, obj):
        return _("The meeting was deleted.")


class AttendanceCreateView(ScopedObjectMixin, ActivitiesFormMixin, FormView):
    """Record a cadre at a meeting (the pk is the meeting's)."""

    model = Meeting
    form_class = forms.AttendanceForm
    add_another = True

    def object_response(self, request):
        # At the meeting's place, or for a cadre of the user's own organisation: the service decides which.
        if not request.user.has_perm("activities.add_attendance"):
            raise PermissionDenied
        return None

    @property
    def page_title(self):
        return _("Cadre attending the meeting of %(date)s") % {
            "date": self.object.held_on.strftime("%d/%m/%Y")
        }

    def get_breadcrumbs(self):
        return _crumbs(
            (_("Branch meetings"), reverse("activities:meeting-list")),
            (str(self.object), self.object.get_absolute_url()),
        )

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["meeting"] = self.object
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fixed"] = [(_("Branch"), branch_label(self.object.branch))]
        context["intro"] = _(
            "The cadres of the branch's village, commune and province who were in post on the day are listed. "
            "A cadre not in the list must first be registered."
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.attendance_add(
                actor=self.request.user,
                meeting=self.object,
                cadre=data["cadre"],
                contribution=data["contribution"],
                undertakings=data["undertakings"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("%(name)s recorded at the meeting.") % {"name": data["cadre"].full_name}
        )
        if "add_another" in self.request.POST:
            return redirect("activities:attendance-create", pk=self.object.pk)
        return redirect(self.object)


class AttendanceUpdateView(ScopedObjectMixin, ActivitiesFormMixin, FormView):
    model = Attendance
    scope_action = "change"
    form_class = forms.AttendanceForm

    @property
    def page_title(self):
        return _("%(name)s at the meeting of %(date)s") % {
            "name": self.object.cadre.full_name,
            "date": self.object.held_on.strftime("%d/%m/%Y"),
        }

    def get_cancel_url(self):
        return self.object.meeting.get_absolute_url()

    def get_breadcrumbs(self):
        return _crumbs((_("Branch meetings"), reverse("activities:meeting-list")))

    def get_initial(self):
        return {"contribution": self.object.contribution, "undertakings": self.object.undertakings}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.attendance_update(
                actor=self.request.user,
                attendance=self.object,
                contribution=data["contribution"],
                undertakings=data["undertakings"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(self.get_cancel_url())


class AttendanceDeleteView(PostActionView):
    model = Attendance
    scope_action = "delete"

    def target(self, obj):
        return reverse("activities:meeting-detail", args=[obj.meeting_id])

    def act(self, obj):
        services.attendance_remove(actor=self.request.user, attendance=obj)

    def done_message(self, obj):
        return _("%(name)s removed from the meeting.") % {"name": obj.cadre.full_name}


class AttendanceListView(ScopedListView):
    model = Attendance
    view_permission = "activities.view_attendance"
    table_class = AttendanceTable
    filterset_class = AttendanceFilter
    page_title = gettext_lazy("Cadre attendances")
    export_name = "luot-can-bo-du-sinh-hoat"

    def get_queryset(self):
        qs = super().get_queryset().select_related("cadre", "organisation", "branch", "meeting")
        cadre = _int(self.request.GET.get("cadre"))
        return qs.filter(cadre_id=cadre) if cadre else qs


# --- issues ---------------------------------------------------------------------------------------


class IssueCreateView(ScopedObjectMixin, ActivitiesFormMixin, FormView):
    """Record an issue raised at a meeting (the pk is the meeting's)."""

    model = Meeting
    form_class = forms.IssueForm
    add_another = True

    def object_response(self, request):
        if not has_scope_permission(
            request.user, "activities.add_meetingissue", self.object.unit_path, self.object.org_path
        ):
            raise PermissionDenied
        return None

    @property
    def page_title(self):
        return _("Issue raised at the meeting of %(date)s") % {
            "date": self.object.held_on.strftime("%d/%m/%Y")
        }

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_breadcrumbs(self):
        return _crumbs(
            (_("Branch meetings"), reverse("activities:meeting-list")),
            (str(self.object), self.object.get_absolute_url()),
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.issue_add(
                actor=self.request.user,
                meeting=self.object,
                summary=data["summary"],
                details=data["details"],
                raised_by=data["raised_by"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Issue recorded."))
        if "add_another" in self.request.POST:
            return redirect("activities:issue-create", pk=self.object.pk)
        return redirect(self.object)


class IssueForwardView(PostActionView):
    model = MeetingIssue
    scope_action = "change"

    def act(self, obj):
        services.issue_forward(actor=self.request.user, issue=obj)

    def done_message(self, obj):
        return _("Sent on as citizens' case %(ref)s.") % {"ref": obj.case_reference}


class IssueAnswerView(ScopedObjectMixin, ActivitiesFormMixin, FormView):
    model = MeetingIssue
    scope_action = "change"
    form_class = forms.AnswerForm

    @property
    def page_title(self):
        return _("Answer: %(issue)s") % {"issue": self.object.summary}

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_breadcrumbs(self):
        meeting = self.object.meeting
        return _crumbs(
            (_("Issues raised at meetings"), reverse("activities:issue-list")),
            (str(meeting), meeting.get_absolute_url()),
        )

    def object_response(self, request):
        """An issue sent on as a case is answered there: say so before the answer is typed, not after."""
        if self.object.status == IssueStatus.FORWARDED:
            messages.warning(request, _("This issue was sent on as a citizens' case: it is answered there."))
            return redirect(self.object.get_absolute_url())
        return None

    def get_initial(self):
        return {"answer": self.object.answer}

    def form_valid(self, form):
        try:
            services.issue_answer(
                actor=self.request.user, issue=self.object, answer=form.cleaned_data["answer"]
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Answer recorded."))
        return redirect(self.object.get_absolute_url())


class IssueListView(ScopedListView):
    model = MeetingIssue
    view_permission = "activities.view_meetingissue"
    table_class = IssueTable
    filterset_class = IssueFilter
    page_title = gettext_lazy("Issues raised at meetings")
    export_name = "kien-nghi-tai-sinh-hoat"

    def get_queryset(self):
        return super().get_queryset().select_related("meeting", "meeting__branch")


# --- cadres ---------------------------------------------------------------------------------------


class CadreListView(UnderUnitMixin, ScopedListView):
    model = Cadre
    view_permission = "activities.view_cadre"
    table_class = CadreTable
    filterset_class = CadreFilter
    page_title = gettext_lazy("Cadres")
    export_name = "can-bo"
    create_url_name = "activities:cadre-create"

    def get_queryset(self):
        return super().get_queryset().select_related("organisation", "user")


class CadreDetailView(ScopedDetailView):
    model = Cadre
    template_name = "activities/cadre_detail.html"
    context_object_name = "cadre"

    def get_queryset(self):
        return super().get_queryset().select_related("organisation", "unit", "user")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, cadre = self.request.user, self.object
        today = timezone.localdate()
        rows = []
        for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF_YEAR, PeriodKind.YEAR):
            period = Period.containing(kind, today)
            for p in (period, period.previous()):
                rows.append((p, selectors.cadre_standing(cadre=cadre, period=p)))
        context["standings"] = rows
        context["attendances"] = (
            Attendance.objects.visible_to(user)
            .filter(cadre=cadre)
            .select_related("meeting", "branch")
            .order_by("-held_on")[:30]
        )
        context["reminders"] = QuotaReminder.objects.visible_to(user).filter(cadre=cadre)[:10]
        context["can_change"] = has_scope_permission(
            user, "activities.change_cadre", cadre.unit_path, cadre.org_path
        )
        context["crumbs"] = _crumbs((_("Cadres"), reverse("activities:cadre-list")))
        return context


class CadreFormMixin(ActivitiesFormMixin):
    def get_breadcrumbs(self):
        return _crumbs((_("Cadres"), reverse("activities:cadre-list")))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["actor"] = self.request.user
        return kwargs


class CadreCreateView(PermissionGateMixin, CadreFormMixin, FormView):
    model = Cadre
    permission = "activities.add_cadre"
    form_class = forms.CadreForm
    page_title = gettext_lazy("Register a cadre")
    add_another = True

    def get_cancel_url(self):
        return reverse("activities:cadre-list")

    def get_initial(self):
        org = (
            Organisation.objects.visible_to(self.request.user)
            .filter(pk=_int(self.request.GET.get("organisation")))
            .first()
        )
        return {"organisation": org.pk} if org else {}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            cadre = services.cadre_create(
                actor=self.request.user,
                organisation=data["organisation"],
                full_name=data["full_name"],
                role=data["role"],
                position=data["position"],
                phone=data["phone"],
                email=data["email"],
                user=data["user"],
                active_from=data["active_from"],
                active_until=data["active_until"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Cadre “%(name)s” registered.") % {"name": cadre.full_name})
        if "add_another" in self.request.POST:
            return redirect(reverse("activities:cadre-create") + f"?organisation={cadre.organisation_id}")
        return redirect(cadre)


class CadreUpdateView(ScopedObjectMixin, CadreFormMixin, FormView):
    model = Cadre
    scope_action = "change"
    form_class = forms.CadreForm

    @property
    def page_title(self):
        return _("Edit %(name)s") % {"name": self.object.full_name}

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["with_status"] = True
        return kwargs

    def get_initial(self):
        c = self.object
        return {
            "full_name": c.full_name,
            "organisation": c.organisation_id,
            "role": c.role,
            "position": c.position,
            "phone": c.phone,
            "email": c.email,
            "user": c.user_id,
            "active_from": c.active_from,
            "active_until": c.active_until,
            "is_active": c.is_active,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            cadre = services.cadre_update(
                actor=self.request.user,
                cadre=self.object,
                organisation=data["organisation"],
                full_name=data["full_name"],
                role=data["role"],
                position=data["position"],
                phone=data["phone"],
                email=data["email"],
                user=data["user"],
                active_from=data["active_from"],
                active_until=data["active_until"],
                is_active=data["is_active"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(obj)s") % {"obj": cadre})
        return redirect(cadre)


# --- quota rules and reminders --------------------------------------------------------------------


class QuotaRuleListView(ScopedListView):
    model = QuotaRule
    view_permission = "activities.view_quotarule"
    table_class = QuotaRuleTable
    filterset_class = QuotaRuleFilter
    page_title = gettext_lazy("Attendance quotas")
    export_name = "dinh-muc-du-sinh-hoat"
    create_url_name = "activities:quota-create"
    template_name = "activities/quota_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "org_type")


class QuotaFormMixin(ActivitiesFormMixin):
    def get_breadcrumbs(self):
        return _crumbs((_("Attendance quotas"), reverse("activities:quota-list")))

    def get_cancel_url(self):
        return reverse("activities:quota-list")

    def rule_kwargs(self, data) -> dict:
        return {
            "name": data["name"],
            "reference": data["reference"],
            "org_type": data["org_type"],
            "level": data["level"],
            "role": data["role"],
            "period": data["period"],
            "meetings_required": data["meetings_required"],
            "valid_from": data["valid_from"],
            "valid_to": data["valid_to"],
            "notes": data["notes"],
        }


def _say_replaced(request, rule) -> None:
    """A rule that takes months from others says so: which, from when, for whom."""
    for other in selectors.rules_replaced(rule=rule):
        messages.warning(
            request,
            _(
                "From %(day)s this quota replaces “%(other)s” (%(unit)s) for the cadres both apply to, in "
                "%(place)s."
            )
            % {
                "day": max(rule.valid_from, other.valid_from).strftime("%d/%m/%Y"),
                "other": other.name,
                "unit": other.unit.name,
                "place": rule.unit.name,
            },
        )


class QuotaRuleCreateView(PermissionGateMixin, QuotaFormMixin, FormView):
    model = QuotaRule
    permission = "activities.add_quotarule"
    form_class = forms.QuotaRuleForm
    page_title = gettext_lazy("New attendance quota")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["actor"] = self.request.user
        return kwargs

    def get_initial(self):
        return {"valid_from": timezone.localdate().replace(month=1, day=1), "meetings_required": 1}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            rule = services.quota_rule_create(
                actor=self.request.user, unit=data["unit"], **self.rule_kwargs(data)
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Quota “%(name)s” saved.") % {"name": rule.name})
        _say_replaced(self.request, rule)
        return redirect("activities:quota-list")


class QuotaRuleUpdateView(ScopedObjectMixin, QuotaFormMixin, FormView):
    model = QuotaRule
    scope_action = "change"
    form_class = forms.QuotaRuleForm

    @property
    def page_title(self):
        return _("Edit %(name)s") % {"name": self.object.name}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(actor=self.request.user, fixed_unit=self.object.unit)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fixed"] = [(_("Applies in"), self.object.unit.name)]
        context["delete_url"] = (
            reverse("activities:quota-delete", args=[self.object.pk])
            if has_scope_permission(self.request.user, "activities.delete_quotarule", self.object.unit_path)
            else ""
        )
        context["delete_confirm"] = _("Delete this quota? The compliance figures will no longer use it.")
        return context

    def get_initial(self):
        r = self.object
        return {
            "name": r.name,
            "reference": r.reference,
            "org_type": r.org_type_id,
            "level": r.level,
            "role": r.role,
            "period": r.period,
            "meetings_required": r.meetings_required,
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
            "notes": r.notes,
        }

    def form_valid(self, form):
        try:
            services.quota_rule_update(
                actor=self.request.user, rule=self.object, **self.rule_kwargs(form.cleaned_data)
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(obj)s") % {"obj": self.object})
        self.object.refresh_from_db()
        _say_replaced(self.request, self.object)
        return redirect("activities:quota-list")


class QuotaRuleDeleteView(PostActionView):
    model = QuotaRule
    scope_action = "delete"

    def target(self, obj):
        return reverse("activities:quota-list")

    def act(self, obj):
        services.quota_rule_delete(actor=self.request.user, rule=obj)

    def done_message(self, obj):
        return _("Quota “%(name)s” deleted.") % {"name": obj.name}


class ReminderListView(ScopedListView):
    model = QuotaReminder
    view_permission = "activities.view_quotareminder"
    table_class = ReminderTable
    filterset_class = ReminderFilter
    page_title = gettext_lazy("Quota reminders")
    export_name = "nhac-nho-dinh-muc"

    def get_queryset(self):
        return super().get_queryset().select_related("cadre", "cadre__organisation")


# --- training -------------------------------------------------------------------------------------


class CourseListView(ScopedListView):
    model = TrainingCourse
    table_class = CourseTable
    filterset_class = CourseFilter
    page_title = gettext_lazy("Training courses")
    export_name = "tap-huan-boi-duong"
    create_url_name = "activities:course-create"
    template_name = "activities/course_list.html"
    view_permission = "activities.view_trainingcourse"  # as the figures: refused, not an empty list

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("organiser")
            .annotate(n_participants=Count("participants"))
            .order_by("-starts_on", "-id")
        )


class CourseDetailView(ScopedDetailView):
    model = TrainingCourse
    template_name = "activities/course_detail.html"
    context_object_name = "course"

    def get_queryset(self):
        return super().get_queryset().select_related("organiser", "unit", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, course = self.request.user, self.object
        participants = list(
            Participant.objects.visible_to(user).filter(course=course).select_related("organisation", "cadre")
        )
        context["participants"] = participants
        context["stats"] = {
            "total": len(participants),
            "attended": sum(p.attended for p in participants),
            "passed": sum(p.result in ("excellent", "good", "passed") for p in participants),
            "hours": sum((p.hours_attended or 0) for p in participants),
        }
        context["can"] = {
            "change": has_scope_permission(
                user, "activities.change_trainingcourse", course.unit_path, course.org_path
            ),
            "add_participant": has_scope_permission(
                user, "activities.add_participant", course.unit_path, course.org_path
            ),
            "change_participant": has_scope_permission(
                user, "activities.change_participant", course.unit_path, course.org_path
            ),
            "delete_participant": has_scope_permission(
                user, "activities.delete_participant", course.unit_path, course.org_path
            ),
        }
        context["crumbs"] = _crumbs((_("Training courses"), reverse("activities:course-list")))
        return context


class CourseFormMixin(ActivitiesFormMixin):
    def get_breadcrumbs(self):
        return _crumbs((_("Training courses"), reverse("activities:course-list")))

    def course_kwargs(self, data) -> dict:
        return {
            "title": data["title"],
            "kind": data["kind"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "hours": data["hours"],
            "location": data["location"],
            "description": data["description"],
        }


class CourseCreateView(PermissionGateMixin, CourseFormMixin, FormView):
    model = TrainingCourse
    permission = "activities.add_trainingcourse"
    form_class = forms.CourseForm
    page_title = gettext_lazy("New training course")

    def get_cancel_url(self):
        return reverse("activities:course-list")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["actor"] = self.request.user
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            course = services.course_create(
                actor=self.request.user, organiser=data["organiser"], **self.course_kwargs(data)
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Course “%(name)s” created. Now add its participants.") % {"name": course.title}
        )
        return redirect(course)


class CourseUpdateView(ScopedObjectMixin, CourseFormMixin, FormView):
    model = TrainingCourse
    scope_action = "change"
    form_class = forms.CourseForm

    @property
    def page_title(self):
        return _("Edit %(name)s") % {"name": self.object.title}

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(actor=self.request.user, fixed_organiser=True)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fixed"] = [(_("Organiser"), self.object.organiser.name)]
        if has_scope_permission(
            self.request.user, "activities.delete_trainingcourse", self.object.unit_path, self.object.org_path
        ):
            context["delete_url"] = reverse("activities:course-delete", args=[self.object.pk])
            context["delete_confirm"] = _("Delete this course? This cannot be undone.")
        return context

    def get_initial(self):
        c = self.object
        return {
            "title": c.title,
            "kind": c.kind,
            "starts_on": c.starts_on,
            "ends_on": c.ends_on,
            "hours": c.hours,
            "location": c.location,
            "description": c.description,
        }

    def form_valid(self, form):
        try:
            course = services.course_update(
                actor=self.request.user, course=self.object, **self.course_kwargs(form.cleaned_data)
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(obj)s") % {"obj": course})
        return redirect(course)


class ParticipantCreateView(ScopedObjectMixin, ActivitiesFormMixin, FormView):
    """Add a participant to a course (the pk is the course's)."""

    model = TrainingCourse
    form_class = forms.ParticipantForm
    add_another = True

    def object_response(self, request):
        if not has_scope_permission(
            request.user, "activities.add_participant", self.object.unit_path, self.object.org_path
        ):
            raise PermissionDenied
        return None

    @property
    def page_title(self):
        return _("Participant in %(course)s") % {"course": self.object.title}

    def get_breadcrumbs(self):
        return _crumbs(
            (_("Training courses"), reverse("activities:course-list")),
            (self.object.title, self.object.get_absolute_url()),
        )

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(actor=self.request.user, course=self.object)
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            participant = services.participant_add(
                actor=self.request.user,
                course=self.object,
                cadre=data["cadre"],
                full_name=data["full_name"],
                organisation=data["organisation"],
                position=data["position"],
                attended=data["attended"],
                hours_attended=data["hours_attended"],
                result=data["result"],
                certificate_no=data["certificate_no"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s added.") % {"name": participant.full_name})
        if "add_another" in self.request.POST:
            return redirect("activities:participant-create", pk=self.object.pk)
        return redirect(self.object)


class ParticipantUpdateView(ScopedObjectMixin, ActivitiesFormMixin, FormView):
    model = Participant
    scope_action = "change"
    form_class = forms.ParticipantForm

    @property
    def page_title(self):
        return _("%(name)s in %(course)s") % {
            "name": self.object.full_name,
            "course": self.object.course.title,
        }

    def get_breadcrumbs(self):
        course = self.object.course
        return _crumbs(
            (_("Training courses"), reverse("activities:course-list")),
            (course.title, course.get_absolute_url()),
        )

    def get_cancel_url(self):
        return self.object.course.get_absolute_url()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(actor=self.request.user, editing=True)
        return kwargs

    def get_initial(self):
        p = self.object
        return {
            "attended": p.attended,
            "hours_attended": p.hours_attended,
            "result": p.result,
            "certificate_no": p.certificate_no,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.participant_update(
                actor=self.request.user,
                participant=self.object,
                attended=data["attended"],
                hours_attended=data["hours_attended"],
                result=data["result"],
                certificate_no=data["certificate_no"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(self.get_cancel_url())


class ParticipantDeleteView(PostActionView):
    model = Participant
    scope_action = "delete"

    def target(self, obj):
        return reverse("activities:course-detail", args=[obj.course_id])

    def act(self, obj):
        services.participant_remove(actor=self.request.user, participant=obj)

    def done_message(self, obj):
        return _("%(name)s removed from the course.") % {"name": obj.full_name}


class TrainingFiguresView(LoginRequiredMixin, TemplateView):
    template_name = "activities/training_figures.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if not user.has_perm("activities.view_trainingcourse"):
            raise PermissionDenied
        year = _int(self.request.GET.get("year")) or timezone.localdate().year
        units = selectors.unit_choices(actor=user, perm="activities.view_trainingcourse")
        unit = None
        pk = _int(self.request.GET.get("unit"))
        if pk:
            unit = Unit.objects.visible_to(user).filter(pk=pk).first()
            if unit is not None and not selectors.allowed_unit(
                actor=user, unit=unit, perm="activities.view_trainingcourse"
            ):
                unit = None
        unit = unit or (units[0] if units else None)
        if unit is None:
            raise Http404
        context.update(
            page_title=_("Training figures"),
            unit=unit,
            units=units,
            year=year,
            years=list(range(timezone.localdate().year, timezone.localdate().year - 6, -1)),
            figures=selectors.training_figures(actor=user, unit=unit, year=year),
            crumbs=_crumbs((_("Training courses"), reverse("activities:course-list"))),
        )
        return context
