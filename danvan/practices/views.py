"""Pages of the "Dân vận khéo" registry: the catalogue (filters, full-text search, Excel/CSV/Word exports), a
model's page and its printable version, the lifecycle steps, evidence, awards and the figures.

Every read goes through ``visible_to`` (directly or through a selector); an object outside the user's scope
answers 404; every change is a POST that calls a service.
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from danvan.core import exports as core_exports
from danvan.core.scoping import has_scope_permission
from danvan.core.views import ScopedDetailView, ScopedListView
from danvan.practices import charts, documents, forms, selectors, services
from danvan.practices.filters import AwardFilter, PracticeFilter
from danvan.practices.models import Award, Evidence, Practice, PracticeField, PracticeLevel, PracticeStatus
from danvan.practices.tables import AwardTable, PracticeTable
from danvan.structure.forms import mark_invalid, service_errors
from danvan.structure.models import Unit
from danvan.structure.views import FormPageMixin, PermissionGateMixin, ScopedObjectMixin

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_SYNC_LIMIT = 400


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _crumbs(*extra):
    return [(_("Catalogue of models"), reverse("practices:practice-list")), *extra]


class PracticeFormMixin(FormPageMixin):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" in context and context["form"].is_bound:
            mark_invalid(context["form"])
        return context


# --- catalogue ------------------------------------------------------------------------------------


class PracticeListView(ScopedListView):
    model = Practice
    view_permission = "practices.view_practice"
    table_class = PracticeTable
    filterset_class = PracticeFilter
    page_title = gettext_lazy("Catalogue of “Dân vận khéo” models")
    export_name = "mo-hinh-dan-van-kheo"
    create_url_name = "practices:practice-create"
    template_name = "practices/practice_list.html"

    def get_queryset(self):
        qs = super().get_queryset().select_related("unit", "origin", "organisation")
        origin = _int(self.request.GET.get("origin"))
        return qs.filter(origin_id=origin) if origin else qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "docx":
            return self.word_catalogue(request)
        return super().get(request, *args, **kwargs)

    def word_catalogue(self, request):
        """The Word catalogue of the filtered list: at once for a few hundred models, as a background job
        (with its progress page and the file to download) beyond."""
        qs, _filterset = documents.filtered_catalogue(actor=request.user, query=request.GET)
        count = qs.count()
        if count > DOCX_SYNC_LIMIT:
            from danvan.core.services import job_start

            query = request.GET.copy()
            query.pop("export", None)
            job = job_start(
                actor=request.user,
                kind="practices.word_catalogue",
                title=_("Word catalogue of %(n)s “Dân vận khéo” models") % {"n": count},
                params={"query": query.urlencode()},
            )
            return redirect("core:job-detail", pk=job.pk)
        data, _n = documents.catalogue_for(actor=request.user, query=request.GET)
        response = HttpResponse(data, content_type=DOCX_MIME)
        filename = core_exports._filename("danh-muc-mo-hinh-dan-van-kheo", "docx")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class PracticeDetailView(ScopedDetailView):
    model = Practice
    template_name = "practices/practice_detail.html"
    context_object_name = "practice"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "organisation", "origin", "registered_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, p = self.request.user, self.object
        context.update(selectors.practice_page(actor=user, practice=p))
        latest = context["assessments"][0] if context["assessments"] else None
        stopped = p.status == PracticeStatus.STOPPED
        context["can"] = {
            "change": not stopped
            and has_scope_permission(user, "practices.change_practice", p.unit_path, p.org_path or None),
            "assess": p.status in (PracticeStatus.REGISTERED, PracticeStatus.ASSESSED)
            and has_scope_permission(user, "practices.add_assessment", p.unit_path, p.org_path or None),
            "recognise": p.status == PracticeStatus.ASSESSED
            and latest is not None
            and latest.passed
            and has_scope_permission(user, "practices.recognise_practice", p.unit_path, p.org_path or None),
            "replicate": p.status in (PracticeStatus.RECOGNISED, PracticeStatus.REPLICATED)
            and user.has_perm("practices.add_practice"),
            "evidence": not stopped
            and has_scope_permission(user, "practices.add_evidence", p.unit_path, p.org_path or None),
            "delete_evidence": has_scope_permission(
                user, "practices.delete_evidence", p.unit_path, p.org_path or None
            ),
            "award": p.status != PracticeStatus.REGISTERED
            and has_scope_permission(user, "practices.add_award", p.unit_path, p.org_path or None),
        }
        context["latest_assessment"] = latest
        context["steps"] = [
            (code, label)
            for code, label in PracticeStatus.choices
            if code != PracticeStatus.STOPPED or stopped
        ]
        done = {PracticeStatus.REGISTERED}
        if p.assessed_on:
            done.add(PracticeStatus.ASSESSED)
        if p.recognised_on:
            done.add(PracticeStatus.RECOGNISED)
        if p.replicated_on:
            done.add(PracticeStatus.REPLICATED)
        context["done_steps"] = done
        context["today"] = timezone.localdate()
        context["crumbs"] = _crumbs()
        return context


class PracticePrintView(PracticeDetailView):
    """The model's page laid out for paper (no navigation), for a leader to print or save as PDF."""

    template_name = "practices/practice_print.html"


class PracticeCreateView(PermissionGateMixin, PracticeFormMixin, FormView):
    model = Practice
    permission = "practices.add_practice"
    form_class = forms.PracticeForm
    template_name = "practices/practice_form.html"
    page_title = gettext_lazy("Register a “Dân vận khéo” model")

    def get_breadcrumbs(self):
        return _crumbs()

    def get_cancel_url(self):
        return reverse("practices:practice-list")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["actor"] = self.request.user
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            practice = services.practice_register(
                actor=self.request.user,
                unit=data["unit"],
                organisation=data["organisation"],
                name=data["name"],
                field=data["field"],
                level=data["level"],
                owner_kind=data["owner_kind"],
                owner_name=data["owner_name"],
                started_on=data["started_on"],
                description=data["description"],
                problem=data["problem"],
                people_reached=data["people_reached"],
                results=form.results(),
            )
        except (ValidationError, PermissionDenied) as exc:
            service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Model “%(name)s” registered with code %(code)s.")
            % {"name": practice.name, "code": practice.code},
        )
        return redirect(practice)


class PracticeStepMixin(ScopedObjectMixin, PracticeFormMixin):
    model = Practice

    def get_breadcrumbs(self):
        return _crumbs((self.object.name, self.object.get_absolute_url()))

    def get_cancel_url(self):
        return self.object.get_absolute_url()


class PracticeUpdateView(PracticeStepMixin, FormView):
    scope_action = "change"
    form_class = forms.PracticeForm
    template_name = "practices/practice_form.html"

    @property
    def page_title(self):
        return _("Edit %(name)s") % {"name": self.object.name}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(actor=self.request.user, fixed_unit=True)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fixed"] = [(_("Unit"), self.object.unit.name)]
        return context

    def get_initial(self):
        p = self.object
        return {
            "name": p.name,
            "field": p.field,
            "level": p.level,
            "owner_kind": p.owner_kind,
            "owner_name": p.owner_name,
            "organisation": p.organisation_id,
            "started_on": p.started_on,
            "description": p.description,
            "problem": p.problem,
            "people_reached": p.people_reached,
            **forms.PracticeForm.initial_results(p),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            practice = services.practice_update(
                actor=self.request.user,
                practice=self.object,
                organisation=data["organisation"],
                name=data["name"],
                field=data["field"],
                level=data["level"] or self.object.level,
                owner_kind=data["owner_kind"],
                owner_name=data["owner_name"],
                started_on=data["started_on"],
                description=data["description"],
                problem=data["problem"],
                people_reached=data["people_reached"],
                results=form.results(),
            )
        except (ValidationError, PermissionDenied) as exc:
            service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(obj)s") % {"obj": practice})
        return redirect(practice)


class PracticeAssessView(PracticeStepMixin, FormView):
    scope_action = "view"
    form_class = forms.AssessForm
    submit_label = gettext_lazy("Record the assessment")

    def object_response(self, request):
        p = self.object
        if not has_scope_permission(
            request.user, "practices.add_assessment", p.unit_path, p.org_path or None
        ):
            raise PermissionDenied
        return None

    @property
    def page_title(self):
        return _("Assessment of %(name)s") % {"name": self.object.name}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["scheme"] = selectors.active_scheme()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scheme = selectors.active_scheme()
        if scheme is not None:
            context["intro"] = _(
                "Criteria: %(scheme)s. The model passes with %(share)s%% of the maximum score."
            ) % {
                "scheme": scheme.name,
                "share": int(scheme.pass_share * 100),
            }
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            assessment = services.practice_assess(
                actor=self.request.user,
                practice=self.object,
                scheme=form.scheme,
                council=data["council"],
                assessed_on=data["assessed_on"],
                scores=form.scores(),
                conclusion=data["conclusion"],
            )
        except (ValidationError, PermissionDenied) as exc:
            service_errors(form, exc)
            return self.form_invalid(form)
        if assessment.passed:
            messages.success(
                self.request,
                _("Assessment recorded: passed (%(total)s points).") % {"total": assessment.total},
            )
        else:
            messages.warning(
                self.request,
                _("Assessment recorded: not passed (%(total)s points).") % {"total": assessment.total},
            )
        return redirect(self.object)


class PracticeRecogniseView(PracticeStepMixin, FormView):
    form_class = forms.RecogniseForm
    submit_label = gettext_lazy("Recognise")

    def object_response(self, request):
        p = self.object
        if not has_scope_permission(
            request.user, "practices.recognise_practice", p.unit_path, p.org_path or None
        ):
            raise PermissionDenied
        return None

    @property
    def page_title(self):
        return _("Recognition of %(name)s") % {"name": self.object.name}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.practice_recognise(
                actor=self.request.user,
                practice=self.object,
                decision_no=data["decision_no"],
                decided_on=data["decided_on"],
                level=data["level"],
                issuer=data["issuer"],
            )
        except (ValidationError, PermissionDenied) as exc:
            service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The model is recognised."))
        return redirect(self.object)


class PracticeReplicateView(PracticeStepMixin, FormView):
    form_class = forms.ReplicateForm
    submit_label = gettext_lazy("Register the replication")

    def object_response(self, request):
        if not request.user.has_perm("practices.add_practice"):
            raise PermissionDenied
        return None

    @property
    def page_title(self):
        return _("Replicate %(name)s") % {"name": self.object.name}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["actor"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intro"] = _(
            "A replication is a new model at another place, linked to this one; it is assessed and recognised there "
            "in its turn."
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            replica = services.practice_replicate(
                actor=self.request.user,
                origin=self.object,
                unit=data["unit"],
                organisation=data["organisation"],
                owner_kind=data["owner_kind"],
                owner_name=data["owner_name"],
                name=data["name"],
                started_on=data["started_on"],
            )
        except (ValidationError, PermissionDenied) as exc:
            service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Replication registered with code %(code)s.") % {"code": replica.code}
        )
        return redirect(replica)


class PracticeStopView(PracticeStepMixin, FormView):
    scope_action = "change"
    form_class = forms.StopForm
    submit_label = gettext_lazy("Stop the model")

    @property
    def page_title(self):
        return _("Stop %(name)s") % {"name": self.object.name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["danger"] = True
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.practice_stop(
                actor=self.request.user, practice=self.object, on=data["on"], reason=data["reason"]
            )
        except (ValidationError, PermissionDenied) as exc:
            service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The model is recorded as stopped."))
        return redirect(self.object)


# --- evidence -------------------------------------------------------------------------------------


class EvidenceCreateView(PracticeStepMixin, FormView):
    form_class = forms.EvidenceForm
    template_name = "practices/upload_form.html"
    submit_label = gettext_lazy("Upload")

    def object_response(self, request):
        p = self.object
        if not has_scope_permission(request.user, "practices.add_evidence", p.unit_path, p.org_path or None):
            raise PermissionDenied
        return None

    @property
    def page_title(self):
        return _("Evidence for %(name)s") % {"name": self.object.name}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.evidence_add(
                actor=self.request.user, practice=self.object, title=data["title"], file=data["file"]
            )
        except (ValidationError, PermissionDenied) as exc:
            service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Evidence added."))
        return redirect(self.object)


class EvidenceDownloadView(ScopedObjectMixin, TemplateView):
    """The file itself, only through the scope check (``?inline=1`` shows a photo in the page)."""

    model = Evidence

    def get(self, request, *args, **kwargs):
        evidence = self.object
        name = evidence.file_name or evidence.file.name.rsplit("/", 1)[-1]
        content_type = evidence.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        inline = request.GET.get("inline") == "1" and content_type.startswith("image/")
        response = FileResponse(
            evidence.file.open("rb"), as_attachment=not inline, filename=name, content_type=content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class EvidenceDeleteView(ScopedObjectMixin, TemplateView):
    model = Evidence
    scope_action = "delete"
    post_only = True

    def post(self, request, *args, **kwargs):
        evidence = self.object
        practice_url = reverse("practices:practice-detail", args=[evidence.practice_id])
        try:
            services.evidence_delete(actor=request.user, evidence=evidence)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Evidence deleted."))
        return redirect(practice_url)


# --- awards ---------------------------------------------------------------------------------------


class AwardListView(ScopedListView):
    model = Award
    view_permission = "practices.view_award"
    table_class = AwardTable
    filterset_class = AwardFilter
    page_title = gettext_lazy("Awards")
    export_name = "khen-thuong-dan-van-kheo"
    create_url_name = "practices:award-create"

    def get_queryset(self):
        return super().get_queryset().select_related("practice")


class AwardDetailView(ScopedDetailView):
    model = Award
    template_name = "practices/award_detail.html"
    context_object_name = "award"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        award = self.object
        context["practice_visible"] = (
            award.practice_id is not None
            and Practice.objects.visible_to(self.request.user).filter(pk=award.practice_id).exists()
        )
        context["crumbs"] = [(_("Awards"), reverse("practices:award-list"))]
        return context


class AwardCreateView(PermissionGateMixin, PracticeFormMixin, FormView):
    """A new award, to a person or a collective; ``?practice=`` records it against a model."""

    model = Award
    permission = "practices.add_award"
    form_class = forms.AwardForm
    page_title = gettext_lazy("Record an award")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.practice = None
        if getattr(request.user, "is_authenticated", False):
            pk = _int(request.GET.get("practice"))
            if pk:
                self.practice = Practice.objects.visible_to(request.user).filter(pk=pk).first()

    def get_breadcrumbs(self):
        if self.practice is not None:
            return _crumbs((self.practice.name, self.practice.get_absolute_url()))
        return [(_("Awards"), reverse("practices:award-list"))]

    def get_cancel_url(self):
        return self.practice.get_absolute_url() if self.practice else reverse("practices:award-list")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(actor=self.request.user, practice=self.practice)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.practice is not None:
            context["fixed"] = [(_("Model"), self.practice.name)]
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            award = services.award_create(
                actor=self.request.user,
                practice=self.practice,
                unit=data.get("unit") or (self.practice.unit if self.practice else None),
                organisation=data.get("organisation"),
                recipient_kind=data["recipient_kind"],
                recipient_name=data["recipient_name"],
                title=data["title"],
                level=data["level"],
                awarded_on=data["awarded_on"],
                decision_no=data["decision_no"],
                issuer=data["issuer"],
                note=data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Award recorded."))
        return redirect(self.practice or award)


# --- figures and criteria -------------------------------------------------------------------------


class FiguresView(LoginRequiredMixin, TemplateView):
    template_name = "practices/figures.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if not user.has_perm("practices.view_practice"):
            raise PermissionDenied
        units = selectors.scope_units(actor=user)
        unit = None
        pk = _int(self.request.GET.get("unit"))
        if pk:
            unit = Unit.objects.visible_to(user).filter(pk=pk).first()
            if unit is not None and not any(unit.path.startswith(u.path) for u in units):
                unit = None
        unit = unit or (units[0] if units else None)
        if unit is None:
            raise PermissionDenied
        if unit not in units:
            units = [*units, unit]
        year = _int(self.request.GET.get("year"))
        figures = selectors.figures(actor=user, unit=unit, year=year)
        labels_field, labels_level = dict(PracticeField.choices), dict(PracticeLevel.choices)
        context.update(
            page_title=_("Figures of “Dân vận khéo” models"),
            unit=unit,
            units=units,
            children=list(Unit.objects.visible_to(user).filter(parent=unit).order_by("search_name"))
            if unit.level == "province"
            else [],
            year=year,
            years=selectors.years_with_practices(actor=user),
            figures=figures,
            field_rows=[(code, labels_field.get(code, code), c) for code, c in figures.by_field],
            level_rows=[(code, labels_level.get(code, code), c) for code, c in figures.by_level],
            chart_field=charts.by_field(figures),
            chart_year=charts.by_year(figures),
            chart_unit=charts.by_unit(figures),
            crumbs=_crumbs(),
            list_url=reverse("practices:practice-list"),
        )
        return context


class CriteriaView(LoginRequiredMixin, TemplateView):
    template_name = "practices/criteria.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.request.user.has_perm("practices.view_practice"):
            raise PermissionDenied
        context["scheme"] = selectors.active_scheme()
        context["page_title"] = _("Assessment criteria")
        context["crumbs"] = _crumbs()
        return context
