"""Pages of the cases module: lists (scoped, filtered, exportable), a case's page with its timeline and the
forms of each step, the figures, dialogue sessions and commitments, leaders' reception schedule and its
compliance, the settings administrators edit, and the public portal for citizens (no account).

Every read goes through ``visible_to`` (directly or through a selector); an object outside the user's scope
answers 404 before anything else; every change is a POST that calls a service.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views import View
from django.views.generic import TemplateView

from danvan.cases import forms, letters, reports, selectors, services
from danvan.cases.filters import CaseFilter, CommitmentFilter, DialogueFilter, ReceptionSessionFilter
from danvan.cases.models import (
    HANDLING_STATUSES,
    OPEN_STATUSES,
    PUBLIC_KINDS,
    CalendarDay,
    Case,
    CaseDocument,
    Commitment,
    ConcernField,
    DeadlineRule,
    Dialogue,
    DialogueQuestion,
    Kind,
    LetterKind,
    ReceptionSession,
    Status,
)
from danvan.cases.tables import CaseTable, CommitmentTable, DialogueTable, ReceptionSessionTable
from danvan.core.scoping import has_scope_permission
from danvan.core.views import ScopedListView


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _show_refusal(form, exc: ValidationError | PermissionDenied, *, on_fields: bool = False) -> None:
    """A service's refusal shown on the form that keeps what was typed: a PermissionDenied's reason, a
    ValidationError's messages on top (on their own fields with ``on_fields``, when the form has them all)."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("Not allowed."))
    elif on_fields and hasattr(exc, "error_dict") and set(exc.error_dict) <= set(form.fields):
        form.add_error(None, exc)
    else:
        for message in _errors(exc):
            form.add_error(None, message)


class ObjectMixin(LoginRequiredMixin):
    """``self.object`` from ``model.objects.visible_to(user, "view")``: out of scope → 404, before anything
    else (also before a wrong method is refused). The permission to act is checked after, and by the
    service."""

    model: type | None = None
    post_only = False
    http_method_names = ["get", "post"]

    def get_object(self):
        obj = self.model.objects.visible_to(self.request.user, "view").filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise Http404
        return obj

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if self.post_only and request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return super().dispatch(request, *args, **kwargs)


class PermissionMixin(LoginRequiredMixin):
    permission = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.permission and not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# --- lists ---------------------------------------------------------------------------------------------


class CaseListView(ScopedListView):
    model = Case
    table_class = CaseTable
    filterset_class = CaseFilter
    page_title = gettext_lazy("Citizens' cases")
    export_name = "don-thu"
    create_url_name = "cases:case-create"
    template_name = "cases/case_list.html"
    view_permission = "cases.view_case"

    def get_queryset(self):
        return selectors.case_list(actor=self.request.user)


class OverdueListView(CaseListView):
    page_title = gettext_lazy("Overdue cases")
    export_name = "don-thu-qua-han"

    def get_queryset(self):
        return selectors.overdue_cases(actor=self.request.user)

    def get_table_kwargs(self):
        return {"order_by": ("due_on",)}


# --- a case --------------------------------------------------------------------------------------------


class CaseDetailView(ObjectMixin, TemplateView):
    model = Case
    template_name = "cases/case_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        case = selectors.case_get(actor=user, pk=self.object.pk)
        may_change = services.may_handle(user, case)
        is_head = user.is_superuser or selectors.is_head_of(user, case)
        context.update(
            case=case,
            page_title=case.reference,
            events=selectors.case_timeline(actor=user, case=case),
            documents=selectors.case_documents(actor=user, case=case),
            related=selectors.related_cases(actor=user, case=case),
            similar=selectors.similar_cases(
                actor=user, text=f"{case.title} {case.content[:200]}", exclude_pk=case.pk, limit=5
            )
            if case.status == Status.RECEIVED
            else [],
            may_change=may_change,
            may_identity=selectors.may_read_identity(user, case),
            has_identity=case.kind == Kind.DENUNCIATION,
            is_head=is_head,
            letter_kinds=[(k, LetterKind(k).label) for k in letters.letter_kinds_for(case)]
            if may_change
            else [],
            actions=_actions(case, may_change, is_head, selectors.is_head_of(user, case)),
            rating=selectors.current_rating(case),
            earlier_ratings=selectors.rating_history(case),
            visible_parent=case.parent_id
            and Case.objects.visible_to(user).filter(pk=case.parent_id).exists(),
            visible_source=case.transferred_from_id
            and Case.objects.visible_to(user).filter(pk=case.transferred_from_id).exists(),
            basis=case.deadline_basis,
        )
        return context


def _actions(
    case: Case, may_change: bool, is_head: bool, heads_body: bool = False
) -> list[tuple[str, str, str]]:
    """The steps offered on the case page: (url name, label, button style)."""
    if not may_change:
        return []
    s = case.status
    out = []
    if s == Status.RECEIVED:
        out += [
            ("case-accept", _("Accept"), "primary"),
            ("case-refuse", _("Do not accept"), "outline-danger"),
            ("case-duplicate", _("Duplicate of…"), "outline-secondary"),
        ]
    if s in (Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS) and (
        case.kind != Kind.DENUNCIATION or heads_body  # a denunciation's handler: the head's decision
    ):
        out.append(
            (
                "case-assign",
                _("Assign") if s == Status.ACCEPTED else _("Reassign"),
                "primary" if s == Status.ACCEPTED else "outline-secondary",
            )
        )
    if s == Status.ASSIGNED:
        out.append(("case-start", _("Start handling"), "primary"))
    if s in HANDLING_STATUSES and case.kind in (Kind.COMPLAINT, Kind.DENUNCIATION) and is_head:
        if _may_still_extend(case):
            out.append(("case-extend", _("Extend"), "outline-warning"))
    if s in HANDLING_STATUSES:
        out.append(("case-conclude", _("Conclude"), "outline-primary"))
    if s in (*HANDLING_STATUSES, Status.CONCLUDED):
        out.append(("case-answer", _("Answer the citizen"), "success"))
    if s in (Status.ANSWERED, Status.NOT_ACCEPTED):
        out.append(("case-close", _("Close the case"), "outline-secondary"))
    if s in (Status.ANSWERED, Status.CLOSED, Status.NOT_ACCEPTED):
        out.append(("case-reopen", _("Reopen"), "outline-warning"))
    if s in OPEN_STATUSES:
        out += [
            ("case-classify", _("Classify"), "outline-secondary"),
            ("case-transfer", pgettext("case", "Transfer"), "outline-secondary"),
        ]
    if (
        case.kind == Kind.COMPLAINT
        and case.instance == "first"
        and s in (Status.CONCLUDED, Status.ANSWERED, Status.CLOSED)
    ):
        out.append(("case-appeal", _("Appeal (second instance)"), "outline-secondary"))
    return out


def _may_still_extend(case: Case) -> bool:
    """A complaint is extended once; a denunciation as often as its rule allows a very complex case (the
    service says which complexity allows how many)."""
    if case.kind == Kind.COMPLAINT:
        return case.extension_count < 1
    rule = services.rule_for(case.kind, "resolution", case.instance)
    if rule is None:
        return False
    return case.extension_count < max(rule.max_extensions_complex, rule.max_extensions_very_complex)


class CaseActionView(ObjectMixin, View):
    """GET: the form of one step of the case; POST: the service."""

    model = Case
    form_class = forms.NoteForm
    title = ""
    submit_label = gettext_lazy("Save")
    intro = ""
    danger = False

    def get_form_kwargs(self) -> dict:
        return {}

    def get_initial(self) -> dict:
        return {}

    def check(self) -> None:
        if not services.may_handle(self.request.user, self.object):
            raise PermissionDenied

    def perform(self, form):  # pragma: no cover - overridden
        raise NotImplementedError

    def success_url(self, result) -> str:
        return reverse("cases:case-detail", args=[self.object.pk])

    def get(self, request, *args, **kwargs):
        self.check()
        form = self.form_class(initial=self.get_initial(), **self.get_form_kwargs())
        return self.render(form)

    def post(self, request, *args, **kwargs):
        self.check()
        form = self.form_class(
            request.POST, request.FILES, initial=self.get_initial(), **self.get_form_kwargs()
        )
        if form.is_valid():
            try:
                result = self.perform(form)
            except ValidationError as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            except PermissionDenied as exc:
                # refused where the step would act (another body, another unit): said on the form, with
                # what was typed, not a bare 403 page
                form.add_error(None, self.denied_message(exc))
            else:
                messages.success(request, self.done_message())
                return redirect(self.success_url(result))
        return self.render(form, status=400)

    def denied_message(self, exc: PermissionDenied) -> str:
        return str(exc) or _("You do not have permission to do this in this unit.")

    def done_message(self) -> str:
        # what was done, not just "saved": the officer may have a list of cases to walk through
        return _("Done: %(action)s.") % {"action": self.title} if self.title else _("Saved.")

    def render(self, form, status: int = 200):
        from danvan.structure.forms import mark_invalid

        if form.is_bound:
            mark_invalid(form)
        return render(
            self.request,
            "cases/action.html",
            {
                "case": self.object,
                "form": form,
                "page_title": self.title,
                "submit_label": self.submit_label,
                "intro": self.intro,
                "danger": self.danger,
                "extra": self.extra_context(),
            },
            status=status,
        )

    def extra_context(self) -> dict:
        return {}


class CaseClassifyView(CaseActionView):
    form_class = forms.ClassifyForm
    title = gettext_lazy("Classify the case")

    def get_form_kwargs(self):
        return {"actor": self.request.user}

    def get_initial(self):
        c = self.object
        return {
            "title": c.title,
            "field": c.field_id,
            "people_count": c.people_count,
            "urgency": c.urgency,
            "complexity": c.complexity,
            "is_remote": c.is_remote,
            "unit": c.unit_id,
        }

    def perform(self, form):
        d = form.cleaned_data
        return services.case_classify(
            actor=self.request.user,
            case=self.object,
            field=d["field"],
            urgency=d["urgency"],
            complexity=d["complexity"],
            is_remote=d["is_remote"],
            people_count=d["people_count"],
            unit=d["unit"],
            title=d["title"],
        )


class CaseAcceptView(CaseActionView):
    form_class = forms.AcceptForm
    title = gettext_lazy("Accept the case")
    submit_label = gettext_lazy("Accept")

    def get_initial(self):
        return {"on": timezone.localdate()}

    def extra_context(self):
        rule = services.rule_for(self.object.kind, "resolution", self.object.instance)
        return {"rule": rule}

    def perform(self, form):
        return services.case_accept(
            actor=self.request.user,
            case=self.object,
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
        )

    def done_message(self):
        return _("The case was accepted. Generate the notice of acceptance from the case page.")


class CaseRefuseView(CaseActionView):
    form_class = forms.RefuseForm
    title = gettext_lazy("Do not accept the case")
    submit_label = gettext_lazy("Do not accept")
    danger = True

    def get_form_kwargs(self):
        return {"kind": self.object.kind}

    def perform(self, form):
        return services.case_refuse(
            actor=self.request.user,
            case=self.object,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )


class CaseAssignView(CaseActionView):
    form_class = forms.AssignForm
    title = gettext_lazy("Assign a handler")
    submit_label = gettext_lazy("Assign")

    def get_form_kwargs(self):
        return {"handlers": selectors.handler_choices(case=self.object)}

    def get_initial(self):
        return {"handler": self.object.handler_id}

    def perform(self, form):
        return services.case_assign(
            actor=self.request.user,
            case=self.object,
            handler=form.cleaned_data["handler"],
            note=form.cleaned_data["note"],
        )


class CaseStartView(CaseActionView):
    post_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.check()
        try:
            services.case_start(actor=request.user, case=self.object)
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
        return redirect("cases:case-detail", pk=self.object.pk)


class CaseExtendView(CaseActionView):
    form_class = forms.ExtendForm
    title = gettext_lazy("Extend the time limit")
    submit_label = gettext_lazy("Record the extension decision")

    def check(self):
        super().check()
        if not (self.request.user.is_superuser or selectors.is_head_of(self.request.user, self.object)):
            raise PermissionDenied

    def extra_context(self):
        return {"rule": services.rule_for(self.object.kind, "resolution", self.object.instance)}

    def perform(self, form):
        d = form.cleaned_data
        return services.case_extend(
            actor=self.request.user,
            case=self.object,
            decision_number=d["decision_number"],
            reason=d["reason"],
            complexity=d["complexity"],
            days=d.get("days"),
        )


class CaseConcludeView(CaseActionView):
    form_class = forms.ConcludeForm
    title = gettext_lazy("Conclusion or decision")
    submit_label = gettext_lazy("Record the conclusion")

    def get_initial(self):
        return {"on": timezone.localdate()}

    def perform(self, form):
        return services.case_conclude(
            actor=self.request.user,
            case=self.object,
            conclusion=form.cleaned_data["conclusion"],
            on=form.cleaned_data["on"],
        )


class CaseAnswerView(CaseActionView):
    form_class = forms.AnswerForm
    title = gettext_lazy("Answer the citizen")
    submit_label = gettext_lazy("Send the answer")

    def get_initial(self):
        # a denunciation's answer stays off its tracking page unless the officer decides otherwise
        public = self.object.kind != Kind.DENUNCIATION
        return {"answer": self.object.answer or self.object.conclusion, "public": public}

    def perform(self, form):
        return services.case_answer(
            actor=self.request.user,
            case=self.object,
            answer=form.cleaned_data["answer"],
            public=form.cleaned_data["public"],
        )


class CaseCloseView(CaseActionView):
    title = gettext_lazy("Close the case")
    submit_label = gettext_lazy("Close the case")

    def perform(self, form):
        return services.case_close(actor=self.request.user, case=self.object, note=form.cleaned_data["note"])


class CaseReopenView(CaseActionView):
    form_class = forms.ReasonForm
    title = gettext_lazy("Reopen the case")
    submit_label = gettext_lazy("Reopen")

    def perform(self, form):
        return services.case_reopen(
            actor=self.request.user, case=self.object, reason=form.cleaned_data["reason"]
        )


class CaseTransferView(CaseActionView):
    form_class = forms.BodyTargetForm
    title = gettext_lazy("Transfer to the competent body")
    submit_label = pgettext_lazy("case", "Transfer")
    intro = gettext_lazy(
        "Choose the unit and the kind of body. The receiving body gets the case with its documents; this case "
        "is kept, closed as transferred, with the trace of where it went."
    )

    def perform(self, form):
        return services.case_transfer(
            actor=self.request.user,
            case=self.object,
            to_unit=form.target_unit(),
            to_type=form.cleaned_data["org_type"],
            reason=form.cleaned_data["reason"],
        )

    def success_url(self, result):
        return reverse("cases:case-detail", args=[self.object.pk])


class CaseAppealView(CaseActionView):
    form_class = forms.AppealForm
    title = gettext_lazy("Appeal to the second instance")
    submit_label = gettext_lazy("Record the second complaint")

    def check(self):
        if not Case.objects.visible_to(self.request.user).filter(pk=self.object.pk).exists():
            raise Http404
        if not self.request.user.has_perm("cases.add_case"):
            raise PermissionDenied

    def denied_message(self, exc):
        return _(
            "You may not record cases for this body. Ask the body above to record the second complaint, or "
            "transfer the petition to it."
        )

    def perform(self, form):
        return services.case_appeal(
            actor=self.request.user,
            case=self.object,
            to_unit=form.target_unit(),
            to_type=form.cleaned_data["org_type"],
            content=form.cleaned_data["content"],
        )

    def success_url(self, result):
        if Case.objects.visible_to(self.request.user).filter(pk=result.pk).exists():
            return reverse("cases:case-detail", args=[result.pk])
        return reverse("cases:case-detail", args=[self.object.pk])


class CaseDuplicateView(CaseActionView):
    form_class = forms.DuplicateForm
    title = gettext_lazy("Link to an earlier case")
    submit_label = gettext_lazy("Link")

    def extra_context(self):
        c = self.object
        return {
            "similar": selectors.similar_cases(
                actor=self.request.user, text=f"{c.title} {c.content[:200]}", exclude_pk=c.pk
            )
        }

    def perform(self, form):
        original = (
            Case.objects.visible_to(self.request.user)
            .filter(reference=form.cleaned_data["original"].strip())
            .first()
        )
        if original is None:
            raise ValidationError(_("No case you can see has this reference."))
        return services.case_mark_duplicate(
            actor=self.request.user, case=self.object, original=original, close=form.cleaned_data["close"]
        )


class CaseNoteView(CaseActionView):
    title = gettext_lazy("Add a note")

    def perform(self, form):
        return services.case_note(actor=self.request.user, case=self.object, note=form.cleaned_data["note"])


class CaseDocumentAddView(CaseActionView):
    form_class = forms.DocumentForm
    title = gettext_lazy("Attach a document")
    submit_label = gettext_lazy("Attach")

    def perform(self, form):
        d = form.cleaned_data
        return services.case_document_add(
            actor=self.request.user,
            case=self.object,
            file=d["file"],
            kind=d["kind"],
            confidential=d["confidential"],
        )


class CaseLetterView(CaseActionView):
    form_class = forms.LetterForm
    post_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.check()
        form = forms.LetterForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a letter."))
            return redirect("cases:case-detail", pk=self.object.pk)
        try:
            doc = services.case_letter_generate(
                actor=request.user, case=self.object, kind=form.cleaned_data["kind"], request=request
            )
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
            return redirect("cases:case-detail", pk=self.object.pk)
        if doc.already_attached:
            messages.info(
                request, _("This letter, word for word, is already attached: %(name)s") % {"name": doc.name}
            )
        else:
            messages.success(
                request, _("The letter was generated and attached: %(name)s") % {"name": doc.name}
            )
        return redirect("cases:case-detail", pk=self.object.pk)


class CaseIdentityView(ObjectMixin, View):
    """The denouncer's identity: only for the handler and the head of the handling body; every read logged."""

    model = Case

    def check(self):
        if self.object.status == Status.TRANSFERRED:
            raise Http404  # the identity went with the case to the receiving body: nothing is left here
        if not selectors.may_read_identity(self.request.user, self.object):
            raise PermissionDenied

    def get(self, request, *args, **kwargs):
        self.check()
        identity = services.denouncer_identity_read(
            actor=request.user, case=self.object, purpose="view", request=request
        )
        form = forms.IdentityForm(initial=identity)
        return self.render(identity, form)

    def post(self, request, *args, **kwargs):
        self.check()
        form = forms.IdentityForm(request.POST)
        if form.is_valid():
            try:
                services.denouncer_identity_update(
                    actor=request.user,
                    case=self.object,
                    citizen=services.CitizenData(**form.cleaned_data),
                    request=request,
                )
            except ValidationError as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            else:
                messages.success(request, _("The denouncer's identity was saved (encrypted)."))
                return redirect("cases:case-identity", pk=self.object.pk)
        return self.render({}, form, status=400)

    def render(self, identity, form, status=200):
        response = render(
            self.request,
            "cases/identity.html",
            {
                "case": self.object,
                "identity": identity,
                "form": form,
                "page_title": _("Denouncer's identity"),
            },
            status=status,
        )
        response["Cache-Control"] = "no-store"
        return response


class DocumentDownloadView(ObjectMixin, View):
    model = CaseDocument

    def get(self, request, *args, **kwargs):
        handle = services.document_open(actor=request.user, document=self.object, request=request)
        response = FileResponse(handle, as_attachment=True, filename=self.object.name)
        response["Cache-Control"] = "no-store"
        return response


class CaseCreateView(PermissionMixin, View):
    permission = "cases.add_case"

    def get(self, request):
        form = forms.CaseCreateForm(actor=request.user)
        return self.render(form)

    def post(self, request):
        form = forms.CaseCreateForm(request.POST, request.FILES, actor=request.user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                case = services.case_receive(
                    actor=request.user,
                    kind=d["kind"],
                    channel=d["channel"],
                    unit=d["unit"],
                    handling_org=d["handling_org"],
                    title=d["title"],
                    content=d["content"],
                    field=d["field"],
                    instance=d["instance"],
                    people_count=d["people_count"],
                    urgency=d["urgency"],
                    complexity=d["complexity"],
                    is_remote=d["is_remote"],
                    citizen=form.citizen(),
                    received_on=d["received_on"],
                )
                for f in d["documents"]:
                    services.case_document_add(actor=request.user, case=case, file=f, kind="petition")
            except ValidationError as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            except PermissionDenied:
                form.add_error("handling_org", _("You may not record cases for this body."))
            else:
                messages.success(
                    request,
                    _("Case %(ref)s recorded. Tracking code for the citizen: %(code)s")
                    % {"ref": case.reference, "code": case.tracking_code},
                )
                return redirect(case.get_absolute_url())
        return self.render(form, status=400)

    def render(self, form, status=200):
        from danvan.structure.forms import mark_invalid

        if form.is_bound:
            mark_invalid(form)
        return render(
            self.request,
            "cases/case_form.html",
            {"form": form, "page_title": _("Record a case")},
            status=status,
        )


class SimilarCasesView(LoginRequiredMixin, TemplateView):
    """Earlier cases resembling what is being typed (HTMX, on the new-case form)."""

    template_name = "cases/_similar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        text = f"{self.request.GET.get('title', '')} {self.request.GET.get('content', '')[:300]}"
        context["similar"] = selectors.similar_cases(actor=self.request.user, text=text)
        return context


class CommuneOptionsView(LoginRequiredMixin, TemplateView):
    """The official communes of a province (``<option>``s), for the transfer and appeal forms."""

    template_name = "cases/_commune_options.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["communes"] = selectors.public_communes(province_id=_int(self.request.GET.get("province")))
        return context


# --- dashboard, figures, notifications -----------------------------------------------------------------


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "cases/dashboard.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("cases.view_case"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        start, end = selectors.period_range("12m", today.year)
        figures = selectors.case_figures(
            actor=user, start=start, end=end, on=today, breakdowns=("kind", "month")
        )
        context.update(
            page_title=_("Citizens' cases"),
            counts=selectors.home_counts(actor=user),
            figures=figures,
            overdue=list(selectors.overdue_cases(actor=user, on=today)[:10]),
            soon=list(selectors.due_soon_cases(actor=user, on=today)[:10]),
            mine=list(selectors.my_cases(actor=user)[:10]),
            notifications=selectors.notifications_for(actor=user, limit=8),
            chart=reports.chart_data(figures),
            can_add=user.has_perm("cases.add_case"),
        )
        return context


class FiguresView(LoginRequiredMixin, TemplateView):
    template_name = "cases/figures.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("cases.view_case"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        data = request.GET.copy()
        data.setdefault("period", "12m")
        data.setdefault("year", str(today.year))
        form = forms.FiguresForm(data)
        if not form.is_valid():
            # no figures of another period under this one's name, on the page or in a file
            context = self.get_context_data(form=form, page_title=_("Figures of citizens' cases"))
            return self.render_to_response(context, status=400)
        start, end = form.date_range()
        figures = selectors.case_figures(actor=request.user, start=start, end=end, on=today)
        fmt = request.GET.get("export")
        if fmt == "xlsx":
            return reports.figures_xlsx_response(figures)
        if fmt == "docx":
            return reports.figures_docx_response(
                figures, actor=request.user, scope=_scope_label(request.user)
            )
        query = request.GET.copy()
        query.pop("export", None)
        sections = [
            (
                title,
                first,
                [{"label": r["label"], "values": [r[k] for k in reports.COLUMNS]} for r in rows]
                + (
                    [{"label": _("Total"), "values": [figures.totals.get(k, 0) for k in reports.COLUMNS]}]
                    if rows
                    else []
                ),
            )
            for title, first, rows in reports._sections(figures)
        ]
        return self.render_to_response(
            self.get_context_data(
                form=form,
                figures=figures,
                chart=reports.chart_data(figures),
                sections=sections,
                column_labels=reports.column_labels(),
                page_title=_("Figures of citizens' cases"),
                querystring=query.urlencode(),
            )
        )


def _scope_label(user) -> str:
    from danvan.accounts.selectors import scope_summary

    return str(scope_summary(actor=user) or "")


class NotificationsView(LoginRequiredMixin, TemplateView):
    template_name = "cases/notifications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["notifications"] = selectors.notifications_for(actor=self.request.user, limit=200)
        context["page_title"] = _("Notifications")
        return context

    def post(self, request, *args, **kwargs):
        services.notification_mark_read(actor=request.user)
        return redirect("cases:notifications")


class NotificationOpenView(LoginRequiredMixin, View):
    """A notification's link: marks it read, then goes to its case or commitment (whose page checks the
    scope as always)."""

    def get(self, request, pk):
        notification = selectors.notification_get(actor=request.user, pk=pk)
        if notification is None:
            raise Http404
        services.notification_mark_read(actor=request.user, ids=[notification.pk])
        if notification.case_id:
            return redirect("cases:case-detail", notification.case_id)
        if notification.commitment_id:
            return redirect("cases:commitment-detail", notification.commitment_id)
        return redirect("cases:notifications")


# --- dialogue ------------------------------------------------------------------------------------------


class DialogueListView(ScopedListView):
    template_name = "cases/list.html"
    model = Dialogue
    table_class = DialogueTable
    filterset_class = DialogueFilter
    page_title = gettext_lazy("Dialogue sessions")
    export_name = "doi-thoai"
    create_url_name = "cases:dialogue-create"

    def get_queryset(self):
        return selectors.dialogue_list(actor=self.request.user)


class DialogueFormMixin:
    def save(self, form, dialogue=None):
        d = form.cleaned_data
        return services.dialogue_save(
            actor=self.request.user,
            dialogue=dialogue,
            title=d["title"],
            unit=d["unit"],
            organisation=d["organisation"],
            held_on=d["held_on"],
            place=d["place"],
            chair_name=d["chair_name"],
            participants=d["participants"],
            participant_count=d.get("participant_count") or 0,
            topics=d["topics"],
            status=d["status"],
            minutes=d["minutes"],
        )

    def render_form(self, form, title, status=200, dialogue=None):
        from danvan.structure.forms import mark_invalid

        if form.is_bound:
            mark_invalid(form)
        crumbs = [(_("Dialogue sessions"), reverse("cases:dialogue-list"))]
        if dialogue is not None:
            crumbs.append((dialogue.title, dialogue.get_absolute_url()))
        return render(
            self.request,
            "cases/form.html",
            {"form": form, "page_title": title, "back": crumbs[-1][1], "crumbs": crumbs},
            status=status,
        )


class DialogueCreateView(PermissionMixin, DialogueFormMixin, View):
    permission = "cases.add_dialogue"

    def get(self, request):
        return self.render_form(
            forms.DialogueForm(actor=request.user, initial={"held_on": timezone.localdate()}),
            _("New dialogue session"),
        )

    def post(self, request):
        form = forms.DialogueForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                dialogue = self.save(form)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, " ".join(getattr(exc, "messages", [str(exc) or _("Not allowed.")])))
            else:
                return redirect(dialogue.get_absolute_url())
        return self.render_form(form, _("New dialogue session"), status=400)


class DialogueDetailView(ObjectMixin, TemplateView):
    model = Dialogue
    template_name = "cases/dialogue_detail.html"

    @classmethod
    def page(cls, request, dialogue, *, status=200, **forms_given):
        """The session's page with the forms given (bound, with their errors and what was typed)."""
        view = cls(request=request, kwargs={"pk": dialogue.pk})
        view.object = dialogue
        context = view.get_context_data()
        context.update(forms_given)
        return render(request, cls.template_name, context, status=status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        d = self.object
        may_change = has_scope_permission(user, "cases.change_dialogue", d.unit_path, d.org_path or None)
        context.update(
            dialogue=d,
            page_title=d.title,
            questions=selectors.dialogue_questions(actor=user, dialogue=d),
            commitments=list(
                Commitment.objects.visible_to(user).filter(dialogue=d).select_related("owner_org")
            ),
            may_change=may_change,
            # a question becomes a case of the dialogue's place (services.dialogue_question_to_case)
            may_make_case=may_change
            and has_scope_permission(user, "cases.add_case", d.unit_path, d.org_path or None),
            question_form=forms.QuestionForm(),
            commitment_form=forms.CommitmentForm(actor=user, initial={"owner_org": d.organisation_id}),
        )
        return context


class DialogueUpdateView(ObjectMixin, DialogueFormMixin, View):
    model = Dialogue

    def _check(self):
        d = self.object
        if not has_scope_permission(
            self.request.user, "cases.change_dialogue", d.unit_path, d.org_path or None
        ):
            raise PermissionDenied

    def get(self, request, *args, **kwargs):
        self._check()
        d = self.object
        initial = {
            f: getattr(d, f)
            for f in (
                "title",
                "held_on",
                "place",
                "chair_name",
                "participant_count",
                "participants",
                "topics",
                "status",
                "minutes",
            )
        }
        initial.update(unit=d.unit_id, organisation=d.organisation_id)
        return self.render_form(
            forms.DialogueForm(actor=request.user, initial=initial), _("Edit the session"), dialogue=d
        )

    def post(self, request, *args, **kwargs):
        self._check()
        form = forms.DialogueForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                self.save(form, dialogue=self.object)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, " ".join(getattr(exc, "messages", [_("Not allowed.")])))
            else:
                return redirect(self.object.get_absolute_url())
        return self.render_form(form, _("Edit the session"), status=400, dialogue=self.object)


class DialogueQuestionAddView(ObjectMixin, View):
    model = Dialogue
    post_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        from danvan.structure.forms import mark_invalid

        form = forms.QuestionForm(request.POST)
        if form.is_valid():
            try:
                services.dialogue_question_add(actor=request.user, dialogue=self.object, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                _show_refusal(form, exc)
            else:
                messages.success(request, _("The question was added."))
                return redirect(self.object.get_absolute_url())
        mark_invalid(form)  # what was typed stays, with the error on its field
        return DialogueDetailView.page(request, self.object, status=400, question_form=form)


class DialogueCommitmentAddView(ObjectMixin, View):
    model = Dialogue
    post_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = forms.CommitmentForm(request.POST, actor=request.user)
        if form.is_valid():
            d = form.cleaned_data
            owner = d["owner_org"]
            question = (
                DialogueQuestion.objects.visible_to(request.user)
                .filter(pk=_int(request.POST.get("question")), dialogue=self.object)
                .first()
            )
            try:
                services.commitment_create(
                    actor=request.user,
                    dialogue=self.object,
                    text=d["text"],
                    unit=owner.unit if owner else self.object.unit,
                    owner_org=owner,
                    owner_name=d["owner_name"],
                    due_on=d["due_on"],
                    question=question,
                )
            except (ValidationError, PermissionDenied) as exc:
                _show_refusal(form, exc, on_fields=True)  # "due_on" on its field
            else:
                messages.success(request, _("The commitment was added."))
                return redirect(self.object.get_absolute_url())
        from danvan.structure.forms import mark_invalid

        mark_invalid(form)  # what was typed stays, with the error on its field
        return DialogueDetailView.page(request, self.object, status=400, commitment_form=form)


class DialogueMinutesView(ObjectMixin, View):
    model = Dialogue

    def get(self, request, *args, **kwargs):
        user = request.user
        d = self.object
        content = reports.minutes_docx(
            d,
            questions=selectors.dialogue_questions(actor=user, dialogue=d),
            commitments=list(
                Commitment.objects.visible_to(user).filter(dialogue=d).select_related("owner_org")
            ),
        )
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        response["Content-Disposition"] = f'attachment; filename="bien-ban-doi-thoai-{d.pk}.docx"'
        return response


class QuestionAnswerView(ObjectMixin, View):
    model = DialogueQuestion
    post_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = forms.AnswerQuestionForm(request.POST)
        if form.is_valid():
            try:
                services.dialogue_question_answer(
                    actor=request.user, question=self.object, **form.cleaned_data
                )
            except ValidationError as exc:
                messages.error(request, " ".join(_errors(exc)))
        return redirect(self.object.dialogue.get_absolute_url())


class QuestionToCaseView(ObjectMixin, View):
    model = DialogueQuestion
    post_only = True
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            case = services.dialogue_question_to_case(
                actor=request.user, question=self.object, kind=request.POST.get("kind", Kind.RECOMMENDATION)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
            return redirect(self.object.dialogue.get_absolute_url())
        messages.success(request, _("Case %(ref)s recorded from the question.") % {"ref": case.reference})
        return redirect(case.get_absolute_url())


class CommitmentListView(ScopedListView):
    template_name = "cases/list.html"
    model = Commitment
    table_class = CommitmentTable
    filterset_class = CommitmentFilter
    page_title = gettext_lazy("Commitments")
    export_name = "cam-ket"

    def get_queryset(self):
        return selectors.commitment_list(actor=self.request.user)


class CommitmentDetailView(ObjectMixin, View):
    model = Commitment

    def get(self, request, *args, **kwargs):
        form = forms.CommitmentUpdateForm(
            initial={"status": self.object.status, "done_on": self.object.done_on}
        )
        return self.render(form)

    def post(self, request, *args, **kwargs):
        form = forms.CommitmentUpdateForm(request.POST)
        if form.is_valid():
            try:
                services.commitment_update(actor=request.user, commitment=self.object, **form.cleaned_data)
            except ValidationError as exc:
                for m in _errors(exc):
                    form.add_error(None, m)
            else:
                messages.success(request, _("Saved."))
                return redirect(self.object.get_absolute_url())
        return self.render(form, status=400)

    def render(self, form, status=200):
        c = self.object
        may_change = has_scope_permission(
            self.request.user, "cases.change_commitment", c.unit_path, c.org_path or None
        )
        if not may_change and c.dialogue_id:
            d = c.dialogue
            may_change = has_scope_permission(
                self.request.user, "cases.change_dialogue", d.unit_path, d.org_path or None
            )
        dialogue_visible = bool(
            c.dialogue_id and Dialogue.objects.visible_to(self.request.user).filter(pk=c.dialogue_id).exists()
        )
        return render(
            self.request,
            "cases/commitment_detail.html",
            {
                "commitment": c,
                "form": form,
                "updates": c.updates.select_related("actor"),
                "may_change": may_change,
                "dialogue_visible": dialogue_visible,
                "page_title": _("Commitment"),
            },
            status=status,
        )


# --- leaders' reception ---------------------------------------------------------------------------------


class ReceptionListView(ScopedListView):
    template_name = "cases/list.html"
    model = ReceptionSession
    table_class = ReceptionSessionTable
    filterset_class = ReceptionSessionFilter
    page_title = gettext_lazy("Leaders' reception schedule")
    export_name = "lich-tiep-cong-dan"
    create_url_name = "cases:reception-create"

    def get_queryset(self):
        return selectors.reception_sessions(actor=self.request.user)

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "user": self.request.user}


class ReceptionFormMixin:
    def save(self, form, session=None):
        d = form.cleaned_data
        return services.reception_session_save(
            actor=self.request.user,
            session=session,
            unit=d["unit"],
            organisation=d["organisation"],
            position=d["position"],
            leader_name=d["leader_name"],
            on=d["on"],
            start_time=d["start_time"],
            end_time=d["end_time"],
            place=d["place"],
            status=d["status"],
            citizens_received=d.get("citizens_received") or 0,
            note=d["note"],
        )

    def render_form(self, form, title, status=200):
        from danvan.structure.forms import mark_invalid

        if form.is_bound:
            mark_invalid(form)
        return render(
            self.request,
            "cases/form.html",
            {
                "form": form,
                "page_title": title,
                "back": reverse("cases:reception-list"),
                "crumbs": [(_("Leaders' reception schedule"), reverse("cases:reception-list"))],
            },
            status=status,
        )

    def handle(self, form, title, session=None):
        if form.is_valid():
            try:
                self.save(form, session)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, " ".join(getattr(exc, "messages", [_("Not allowed.")])))
            else:
                messages.success(self.request, _("Saved."))
                return redirect("cases:reception-list")
        return self.render_form(form, title, status=400)


class ReceptionCreateView(PermissionMixin, ReceptionFormMixin, View):
    permission = "cases.add_receptionsession"

    def get(self, request):
        return self.render_form(forms.ReceptionSessionForm(actor=request.user), _("New reception session"))

    def post(self, request):
        return self.handle(
            forms.ReceptionSessionForm(request.POST, actor=request.user), _("New reception session")
        )


class ReceptionUpdateView(ObjectMixin, ReceptionFormMixin, View):
    model = ReceptionSession

    def _check(self):
        s = self.object
        if not has_scope_permission(
            self.request.user, "cases.change_receptionsession", s.unit_path, s.org_path or None
        ):
            raise PermissionDenied

    def get(self, request, *args, **kwargs):
        self._check()
        s = self.object
        initial = {
            f: getattr(s, f)
            for f in (
                "leader_name",
                "on",
                "start_time",
                "end_time",
                "place",
                "status",
                "citizens_received",
                "note",
            )
        }
        initial.update(unit=s.unit_id, organisation=s.organisation_id, position=s.position_id)
        return self.render_form(
            forms.ReceptionSessionForm(actor=request.user, initial=initial), _("Edit the reception session")
        )

    def post(self, request, *args, **kwargs):
        self._check()
        return self.handle(
            forms.ReceptionSessionForm(request.POST, actor=request.user),
            _("Edit the reception session"),
            session=self.object,
        )


class ReceptionComplianceView(PermissionMixin, TemplateView):
    """Only for users who may see the reception sessions: anyone else would read "below the minimum" for
    leaders whose sessions they cannot see."""

    permission = "cases.view_receptionsession"
    template_name = "cases/compliance.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        year = _int(self.request.GET.get("year")) or today.year
        month = _int(self.request.GET.get("month")) or today.month
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            year, month = today.year, today.month
        rows = selectors.reception_compliance(actor=self.request.user, year=year, month=month)
        context.update(
            rows=rows,
            year=year,
            month=month,
            months=range(1, 13),
            page_title=_("Reception compliance"),
            missing=sum(1 for r in rows if not r.compliant),
            truncated=getattr(rows, "truncated", False),
            max_units=selectors.COMPLIANCE_MAX_UNITS,
        )
        return context


# --- settings ------------------------------------------------------------------------------------------


class RulesView(PermissionMixin, TemplateView):
    permission = "cases.view_deadlinerule"
    template_name = "cases/rules.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rules = list(DeadlineRule.objects.order_by("pk"))
        if not rules:
            from danvan.cases.reference import seed_rules

            seed_rules()
            rules = list(DeadlineRule.objects.order_by("pk"))
        edit = _int(self.request.GET.get("edit"))
        context.update(
            rules=rules,
            page_title=_("Deadline rules"),
            edit=edit,
            may_change=self.request.user.has_perm("cases.change_deadlinerule"),
        )
        for rule in rules:
            if rule.pk == edit:
                context["form"] = kwargs.get("form") or forms.DeadlineRuleForm(
                    initial={
                        f: getattr(rule, f)
                        for f in (
                            "days",
                            "complex_days",
                            "remote_days",
                            "remote_complex_days",
                            "day_type",
                            "legal_basis",
                            "is_active",
                        )
                    }
                )
                context["editing"] = rule
        return context

    def post(self, request, *args, **kwargs):
        rule = DeadlineRule.objects.filter(pk=_int(request.POST.get("rule"))).first()
        if rule is None:
            raise Http404
        form = forms.DeadlineRuleForm(request.POST)
        if form.is_valid():
            try:
                services.deadline_rule_update(actor=request.user, rule=rule, **form.cleaned_data)
            except ValidationError as exc:
                for m in _errors(exc):
                    form.add_error(None, m)
            else:
                messages.success(request, _("Rule saved. Cases already received keep their deadlines."))
                return redirect("cases:rules")
        self.request.GET = self.request.GET.copy()
        self.request.GET["edit"] = str(rule.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CalendarView(PermissionMixin, TemplateView):
    permission = "cases.view_calendarday"
    template_name = "cases/calendar.html"

    def get_context_data(self, **kwargs):
        from danvan.cases.reference import calendar_years, work_calendar

        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        year = _int(self.request.GET.get("year")) or today.year
        cal = work_calendar()
        days = list(CalendarDay.objects.filter(day__year=year))
        years = sorted(calendar_years() | {year})
        context.update(
            year=year,
            days=days,
            years=years,
            page_title=_("Working-day calendar"),
            form=kwargs.get("form") or forms.CalendarDayForm(),
            may_change=self.request.user.has_perm("cases.change_calendarday"),
            working_days=sum(1 for i in range(366) if _in_year(year, i) and cal.is_working(_day(year, i))),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        year = _int(request.POST.get("year")) or timezone.localdate().year
        try:
            if action == "delete":
                day = CalendarDay.objects.filter(pk=_int(request.POST.get("day"))).first()
                if day is None:
                    raise Http404
                services.calendar_day_delete(actor=request.user, day=day)
            elif action == "fill":
                n = services.calendar_year_fill(actor=request.user, year=year)
                messages.success(request, _("%(n)s days added for %(year)s.") % {"n": n, "year": year})
            else:
                form = forms.CalendarDayForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form), status=400)
                services.calendar_day_save(actor=request.user, **form.cleaned_data)
                year = form.cleaned_data["day"].year
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
        return redirect(f"{reverse('cases:calendar')}?year={year}")


def _in_year(year: int, i: int) -> bool:
    return (date(year, 1, 1).toordinal() + i) < date(year + 1, 1, 1).toordinal()


def _day(year: int, i: int) -> date:
    return date.fromordinal(date(year, 1, 1).toordinal() + i)


class LetterTemplatesView(PermissionMixin, TemplateView):
    permission = "cases.view_lettertemplate"
    template_name = "cases/letter_templates.html"

    def get(self, request, *args, **kwargs):
        kind = request.GET.get("download")
        if kind in LetterKind.values:
            response = HttpResponse(
                letters.template_bytes(kind),
                content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
            response["Content-Disposition"] = f'attachment; filename="mau-{letters.file_stem(kind)}.docx"'
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from danvan.cases.models import LetterTemplate

        context = super().get_context_data(**kwargs)
        custom = {t.kind: t for t in LetterTemplate.objects.select_related("updated_by")}
        context.update(
            kinds=[(k, label, custom.get(k)) for k, label in LetterKind.choices],
            placeholders=sorted(letters.PLACEHOLDERS.items()),
            form=kwargs.get("form") or forms.LetterTemplateForm(),
            may_change=self.request.user.has_perm("cases.change_lettertemplate"),
            page_title=_("Letter templates"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "reset":
            services.letter_template_reset(actor=request.user, kind=request.POST.get("kind", ""))
            messages.success(request, _("The built-in template is used again."))
            return redirect("cases:letter-templates")
        form = forms.LetterTemplateForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.letter_template_upload(
                    actor=request.user, kind=form.cleaned_data["kind"], file=form.cleaned_data["file"]
                )
            except ValidationError as exc:
                for m in _errors(exc):
                    form.add_error("file", m)
            else:
                messages.success(request, _("Template saved."))
                return redirect("cases:letter-templates")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FieldsView(PermissionMixin, TemplateView):
    permission = "cases.view_concernfield"
    template_name = "cases/fields.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            fields=ConcernField.objects.all(),
            page_title=_("Fields of concern"),
            may_change=self.request.user.has_perm("cases.change_concernfield"),
        )
        return context

    def post(self, request, *args, **kwargs):
        field = ConcernField.objects.filter(pk=_int(request.POST.get("field"))).first()
        try:
            services.concern_field_save(
                actor=request.user,
                field=field,
                code=request.POST.get("code", field.code if field else ""),
                name=request.POST.get("name", ""),
                sort_order=_int(request.POST.get("sort_order")) or 100,
                is_active=request.POST.get("is_active") == "on",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
        else:
            messages.success(request, _("Saved."))
        return redirect("cases:fields")


class RequirementsView(PermissionMixin, TemplateView):
    """How often each position must receive citizens (data, with its basis), edited by administrators."""

    permission = "cases.view_receptionrequirement"
    template_name = "cases/requirements.html"

    def get_context_data(self, **kwargs):
        from danvan.cases.models import ReceptionRequirement

        context = super().get_context_data(**kwargs)
        context.update(
            requirements=ReceptionRequirement.objects.order_by("level", "code"),
            page_title=_("Reception requirements"),
            may_change=self.request.user.has_perm("cases.change_receptionrequirement"),
            periods=[("week", _("per week")), ("month", _("per month"))],
        )
        return context

    def post(self, request, *args, **kwargs):
        from danvan.cases.models import ReceptionRequirement

        requirement = ReceptionRequirement.objects.filter(pk=_int(request.POST.get("requirement"))).first()
        if requirement is None:
            raise Http404
        try:
            services.reception_requirement_update(
                actor=request.user,
                requirement=requirement,
                min_days=_int(request.POST.get("min_days")) or 0,
                period=request.POST.get("period", ""),
                legal_basis=request.POST.get("legal_basis", ""),
                is_active=request.POST.get("is_active") == "on",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
        else:
            messages.success(request, _("Saved."))
        return redirect("cases:requirements")


# --- the public portal (no account) ---------------------------------------------------------------------

SUBMIT_LIMITS = ((5, 600), (20, 86_400))  # at most 5 submissions in 10 minutes, 20 a day, per address
RETRY_LIMITS = ((30, 600),)  # forms sent back with errors: 30 in 10 minutes per address
TRACK_LIMITS = ((30, 600),)  # lookups of tracking codes: 30 per 10 minutes per address


def _limited(request, scope: str, limits) -> bool:
    return services.rate_limit_hit(key=services.client_key(request, scope), limits=limits)


def _public(request, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


class PublicHomeView(View):
    def get(self, request):
        return _public(request, "cases/public/home.html", {"page_title": _("Citizens' portal")})


class PublicSubmitView(View):
    def get(self, request):
        return _public(
            request,
            "cases/public/submit.html",
            {
                "form": forms.PublicSubmitForm(initial={"kind": Kind.REPORT}),
                "page_title": _("Send a report, recommendation or comment"),
                "public_kinds": PUBLIC_KINDS,
            },
        )

    def post(self, request):
        form = forms.PublicSubmitForm(request.POST, request.FILES)
        if request.POST.get("website"):
            # A robot filled in the hidden field: answer as if it worked, keep nothing.
            request.session["cases_receipt"] = services.new_tracking_code()
            return redirect("cases:public-receipt")
        # Only submissions that would be received count toward the limit: a citizen correcting a mistake in the
        # form is not held back by it. Refused forms have a looser limit of their own (they store nothing).
        valid = form.is_valid()
        if _limited(request, "submit", SUBMIT_LIMITS) if valid else _limited(request, "retry", RETRY_LIMITS):
            return _public(
                request,
                "cases/public/submit.html",
                {
                    "form": form,
                    "limited": True,
                    "page_title": _("Send a report, recommendation or comment"),
                    "public_kinds": PUBLIC_KINDS,
                },
                status=429,
            )
        if valid:
            d = form.cleaned_data
            try:
                case = services.public_case_submit(
                    kind=d["kind"],
                    unit=form.unit(),
                    title=d["title"],
                    content=d["content"],
                    field=d["field"],
                    citizen=form.citizen(),
                    files=d["documents"],
                )
            except ValidationError as exc:
                for m in _errors(exc):
                    form.add_error(None, m)
            else:
                request.session["cases_receipt"] = case.tracking_code
                return redirect("cases:public-receipt")
        from danvan.structure.forms import mark_invalid

        mark_invalid(form)
        return _public(
            request,
            "cases/public/submit.html",
            {
                "form": form,
                "page_title": _("Send a report, recommendation or comment"),
                "public_kinds": PUBLIC_KINDS,
                # a browser cannot refill a file input: the citizen must be told to attach the files again
                "files_lost": bool(request.FILES),
            },
            status=400,
        )


class PublicReceiptView(View):
    def get(self, request):
        code = request.session.pop("cases_receipt", None)
        if not code:
            return redirect("cases:public-home")
        return _public(request, "cases/public/receipt.html", {"code": code, "page_title": _("Received")})


class PublicTrackView(View):
    """The tracking code is posted (not in the address), so it stays out of logs and browser history."""

    def get(self, request):
        return _public(
            request,
            "cases/public/track.html",
            {"form": forms.TrackForm(), "page_title": _("Follow your case")},
        )

    def post(self, request):
        form = forms.TrackForm(request.POST)
        if _limited(request, "track", TRACK_LIMITS):
            return _public(
                request,
                "cases/public/track.html",
                {"form": form, "limited": True, "page_title": _("Follow your case")},
                status=429,
            )
        view = selectors.public_case(tracking_code=request.POST.get("code", "")) if form.is_valid() else None
        if view is None:
            return _public(
                request,
                "cases/public/track.html",
                {"form": form, "not_found": form.is_valid(), "page_title": _("Follow your case")},
                status=404 if form.is_valid() else 400,
            )
        return _public(
            request,
            "cases/public/status.html",
            {
                "case": view,
                "rate_form": forms.RateForm(initial={"code": view.tracking_code}),
                "page_title": _("Your case"),
            },
        )


class PublicRateView(View):
    http_method_names = ["post"]

    def post(self, request):
        form = forms.RateForm(request.POST)
        if _limited(request, "track", TRACK_LIMITS):
            return _public(
                request,
                "cases/public/track.html",
                {"form": forms.TrackForm(), "limited": True, "page_title": _("Follow your case")},
                status=429,
            )
        if form.is_valid():
            try:
                services.case_rate(
                    tracking_code=form.cleaned_data["code"],
                    satisfied=form.cleaned_data["satisfied"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(_errors(exc)))
            else:
                messages.success(request, _("Thank you: your rating was recorded."))
                form = None
        view = selectors.public_case(tracking_code=request.POST.get("code", ""))
        if view is None:
            return redirect("cases:public-track")
        return _public(
            request,
            "cases/public/status.html",
            {
                "case": view,
                # a rating refused keeps what the citizen wrote, with the reason on its field
                "rate_form": form or forms.RateForm(initial={"code": view.tracking_code}),
                "page_title": _("Your case"),
            },
        )


class PublicCommunesView(View):
    def get(self, request):
        communes = selectors.public_communes(province_id=_int(request.GET.get("province")))
        return render(request, "cases/_commune_options.html", {"communes": communes})
