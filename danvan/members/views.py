"""Pages of the members registry. Every read goes through ``visible_to`` (directly or through a selector); an
object outside the user's scope for the action answers 404 before anything else; every change is a POST that
calls a service."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from danvan.core import exports
from danvan.core.forms import UploadForm
from danvan.core.scoping import user_scopes
from danvan.core.text import CITIZEN_ID_LIKE
from danvan.core.views import ScopedDetailView, ScopedListView
from danvan.members import forms, imports, selectors, services
from danvan.members.filters import MembershipFilter
from danvan.members.models import (
    DuplicateCandidate,
    ImportBatch,
    ImportStatus,
    Membership,
    Person,
    Status,
)
from danvan.members.tables import MembershipTable
from danvan.structure.forms import service_errors
from danvan.structure.models import Branch, OrgType

LIST_COUNT_CAP = 10_000


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _day(value, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


class ScopedObjectMixin(LoginRequiredMixin):
    """``self.object`` from ``model.objects.visible_to(user, scope_action)``: out of scope → 404, before the
    permission or the method is looked at."""

    model: type | None = None
    scope_action = "view"
    post_only = False

    def get_object(self):
        obj = (
            self.model.objects.visible_to(self.request.user, self.scope_action)
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if obj is None:
            # a record the user can see but not act on is refused (403, "you may not"), not hidden (404,
            # "no such page"): only what is out of the user's scope altogether is a 404
            if (
                self.scope_action != "view"
                and self.model.objects.visible_to(self.request.user, "view")
                .filter(pk=self.kwargs["pk"])
                .exists()
            ):
                raise PermissionDenied
            raise Http404
        return obj

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if self.post_only and request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return super().dispatch(request, *args, **kwargs)


class PermissionGateMixin(LoginRequiredMixin):
    permission = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.permission and not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class FormPageMixin:
    template_name = "members/form.html"
    page_title = ""
    submit_label = gettext_lazy("Save")
    danger = False

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        return [(str(gettext_lazy("Members")), reverse("members:membership-list"))]

    def get_cancel_url(self) -> str:
        return reverse("members:membership-list")

    def get_intro(self) -> str:
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page_title=self.page_title,
            breadcrumbs=self.get_breadcrumbs(),
            cancel_url=self.get_cancel_url(),
            submit_label=self.submit_label,
            intro=self.get_intro(),
            danger=self.danger,
        )
        return context

    def service(self, form, call):
        """Run a service call; its refusal is shown on the form."""
        try:
            with transaction.atomic():
                return call()
        except (ValidationError, PermissionDenied) as exc:
            service_errors(form, exc)
            return None


# --- the member list -------------------------------------------------------------------------------------


class MembershipListView(ScopedListView):
    model = Membership
    table_class = MembershipTable
    filterset_class = MembershipFilter
    page_title = gettext_lazy("Members")
    export_name = "hoi-vien"
    template_name = "members/membership_list.html"
    view_permission = "members.view_membership"
    table_pagination = False  # the page is read by ``selectors.member_page``; the table serves the exports
    paginate_by = None

    def get_queryset(self):
        qs = selectors.member_list(actor=self.request.user, sort=self.request.GET.get("sort", "name"))
        return qs.none() if self.citizen_id_query else qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") not in exports.FORMATS:
            return super().get(request, *args, **kwargs)
        from danvan.members import export

        if not request.user.has_perm(self.view_permission):
            raise PermissionDenied
        fmt = request.GET["export"]
        self.object_list = self.get_queryset()
        filterset = self.get_filterset(self.get_filterset_class())
        qs = filterset.qs if filterset.is_bound and filterset.is_valid() else self.object_list
        if filterset.is_bound and not filterset.is_valid():
            qs = qs.none()
        count = export.count_up_to(qs, export.INLINE_MAX + 1)
        if count > export.INLINE_MAX:
            # a large selection is written in the background, with its progress, then downloaded
            job = services.member_export_start(
                actor=request.user, query=request.GET, fmt=fmt, request=request, language=get_language()
            )
            messages.info(
                request,
                _(
                    "More than %(max)s rows: the export is being prepared in the background. Download it from "
                    "this page when it is ready."
                )
                % {"max": "5.000"},
            )
            return redirect("core:job-detail", pk=job.pk)
        services.member_export_record(
            actor=request.user, fmt=fmt, rows=str(count), query=request.GET, request=request
        )
        with export.write(fmt, export.table_rows(qs)) as out:  # at most INLINE_MAX rows: a few hundred KB
            response = HttpResponse(
                out.read(), content_type="text/csv; charset=utf-8" if fmt == "csv" else exports.XLSX_MIME
            )
        response["Content-Disposition"] = (
            f'attachment; filename="{exports._filename(str(self.export_name), fmt)}"'
        )
        return response

    @cached_property
    def citizen_id_query(self) -> bool:
        """A citizen ID typed in the search box: not searched, not shown again, not kept in the links."""
        return bool(CITIZEN_ID_LIKE.match(self.request.GET.get("q", "")))

    def link_query(self):
        query = super().link_query()
        if self.citizen_id_query:
            query.pop("q", None)
        return query

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if self.citizen_id_query and kwargs.get("data") is not None:
            data = kwargs["data"].copy()
            data["q"] = ""
            kwargs["data"] = data
        return kwargs

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return ["members/_table.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["cap"] = LIST_COUNT_CAP
        context["members"] = selectors.member_page(
            self.object_list,
            sort=self.request.GET.get("sort", "name"),
            page_number=self.request.GET.get("page"),
            cap=LIST_COUNT_CAP,
        )
        query = self.link_query()
        query.pop("sort", None)
        context["citizen_id_query"] = self.citizen_id_query
        context["querystring_nosort"] = query.urlencode()
        context["can_add"] = user.has_perm("members.add_membership")
        context["lookup_form"] = forms.CitizenIdLookupForm()
        return context


class MembershipDetailView(ScopedObjectMixin, View):
    """A membership is shown on its person's page."""

    model = Membership

    def get(self, request, *args, **kwargs):
        return redirect(
            reverse("members:person-detail", args=[self.object.person_id]) + f"#m{self.object.pk}"
        )


# --- people ----------------------------------------------------------------------------------------------


class PersonDetailView(ScopedDetailView):
    model = Person
    template_name = "members/person_detail.html"
    context_object_name = "person"

    def get_queryset(self):
        return super().get_queryset().select_related("unit", "unit__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, person = self.request.user, self.object
        memberships = list(selectors.person_memberships(actor=user, person=person))
        # a left membership offers "re-join" only while the person has no later one of that organisation type
        latest = {}
        for m in memberships:
            if m.org_type_id not in latest or m.joined_on > latest[m.org_type_id].joined_on:
                latest[m.org_type_id] = m
        for m in memberships:
            m.can_change = services.has_scope_permission(
                user, "members.change_membership", m.unit_path, m.org_path
            )
            m.can_rejoin = (
                m.status in (Status.LEFT, Status.EXPELLED)
                and latest[m.org_type_id] is m
                and user.has_perm("members.add_membership")
                and not person.deceased_on
            )
            m.can_delete = services.may_delete_membership(user, m)
        context["memberships"] = memberships
        context["timeline"] = selectors.person_timeline(actor=user, person=person)
        context["hidden"] = selectors.hidden_memberships(actor=user, person=person)
        context["duplicates"] = selectors.duplicates_to_review(actor=user).filter(
            person=person
        ) | selectors.duplicates_to_review(actor=user).filter(other=person)
        context["can"] = {
            "change": services.may_person(user, "change", person),
            "join": user.has_perm("members.add_membership") and not person.deceased_on,
            "citizen_id": services.may_view_citizen_id(user, person),
        }
        return context


class CitizenIdRevealView(ScopedObjectMixin, View):
    """POST: the citizen ID in full (permission checked and the read logged by the service)."""

    model = Person
    post_only = True

    def post(self, request, *args, **kwargs):
        purpose = request.POST.get("purpose", "")[:200]
        try:
            value = services.person_citizen_id(
                actor=request.user, person=self.object, request=request, purpose=purpose
            )
        except ValidationError as exc:
            # the purpose is missing: the masked number and the form again, saying what it needs
            return render(
                request,
                "members/_citizen_id_again.html",
                {"person": self.object, "purpose": purpose, "purpose_error": " ".join(exc.messages)},
            )
        response = render(request, "members/_citizen_id.html", {"value": value, "person": self.object})
        response["Cache-Control"] = "no-store"
        return response


class RegisterView(PermissionGateMixin, FormPageMixin, FormView):
    """A new member: the person's record and the branch they join."""

    permission = "members.add_membership"
    form_class = forms.RegisterForm
    page_title = gettext_lazy("New member")
    submit_label = gettext_lazy("Register")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["actor"] = self.request.user
        branch = _int(self.request.GET.get("branch"))
        if branch:
            kwargs.setdefault("initial", {})["branch"] = branch
        return kwargs

    def form_valid(self, form):
        d = form.cleaned_data
        membership = self.service(
            form,
            lambda: services.member_register(
                actor=self.request.user,
                data=form.to_data(),
                branch=d["branch"],
                on=d["on"],
                member_number=d.get("member_number") or "",
                override_reason=d.get("override_reason") or "",
                note=d.get("note") or "",
            ),
        )
        if membership is None:
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Registered: %(name)s joined %(branch)s.")
            % {"name": membership.person.full_name, "branch": membership.branch.name},
        )
        return redirect(membership.person)


class PersonUpdateView(ScopedObjectMixin, FormPageMixin, FormView):
    model = Person
    scope_action = "change"
    form_class = forms.PersonForm

    @property
    def page_title(self):
        return _("Edit %(name)s") % {"name": self.object.full_name}

    def get_initial(self):
        return forms.PersonForm.initial_for(self.object)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": self.request.user, "person": self.object}

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), (self.object.full_name, self.object.get_absolute_url())]

    def form_valid(self, form):
        person = self.service(
            form,
            lambda: services.person_update(
                actor=self.request.user,
                person=self.object,
                data=form.to_data(),
                override_reason=form.cleaned_data.get("override_reason") or "",
            ),
        )
        if person is None:
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(obj)s") % {"obj": person})
        return redirect(person)


class PersonJoinView(ScopedObjectMixin, FormPageMixin, FormView):
    model = Person
    form_class = forms.JoinForm
    submit_label = gettext_lazy("Join")

    def get_object(self):
        person = super().get_object()
        # only who may record joinings somewhere is given the form (a leader or a commission only looks)
        if not self.request.user.has_perm("members.add_membership"):
            raise PermissionDenied
        return person

    @property
    def page_title(self):
        return _("%(name)s joins a branch") % {"name": self.object.full_name}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": self.request.user}

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), (self.object.full_name, self.object.get_absolute_url())]

    def form_valid(self, form):
        d = form.cleaned_data
        membership = self.service(
            form,
            lambda: services.membership_join(
                actor=self.request.user,
                person=self.object,
                branch=d["branch"],
                on=d["on"],
                member_number=d.get("member_number") or "",
                override_reason=d.get("override_reason") or "",
                note=d.get("note") or "",
            ),
        )
        if membership is None:
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(name)s joined %(branch)s.")
            % {"name": self.object.full_name, "branch": membership.branch.name},
        )
        return redirect(self.object)


class PersonMergeView(ScopedObjectMixin, FormPageMixin, FormView):
    """Merge two records of the same person (from a duplicate candidate, or ``?other=<id>``)."""

    model = Person
    scope_action = "change"
    form_class = forms.MergeForm
    template_name = "members/merge.html"
    submit_label = gettext_lazy("Merge the two records")
    danger = True

    @property
    def page_title(self):
        return _("Merge duplicate records")

    @cached_property
    def other(self) -> Person | None:
        pk = _int(self.request.GET.get("other") or self.request.POST.get("other"))
        if pk is None:
            return None
        other = (
            selectors.persons_visible(actor=self.request.user, action="change")
            .filter(pk=pk)
            .exclude(pk=self.object.pk)
            .first()
        )
        if other is None:
            raise Http404
        return other

    def get(self, request, *args, **kwargs):
        if self.other is None:  # first choose the other record
            candidates = selectors.duplicates_to_review(actor=request.user).filter(
                Q(person=self.object) | Q(other=self.object)
            )
            return render(
                request,
                "members/merge_choose.html",
                {
                    "person": self.object,
                    "page_title": self.page_title,
                    "candidates": [
                        c.other if c.person_id == self.object.pk else c.person for c in candidates
                    ],
                },
            )
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.other is None:
            raise Http404
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "people": (self.object, self.other)}

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["people"] = [
            (p, list(selectors.person_memberships(actor=user, person=p))) for p in (self.object, self.other)
        ]
        return context

    def form_valid(self, form):
        keep_pk = int(form.cleaned_data["keep"])
        keep, other = (self.object, self.other) if keep_pk == self.object.pk else (self.other, self.object)
        person = self.service(
            form, lambda: services.person_merge(actor=self.request.user, keep=keep, other=other)
        )
        if person is None:
            return self.form_invalid(form)
        messages.success(
            self.request, _("The two records were merged into %(name)s.") % {"name": person.full_name}
        )
        return redirect(person)


class CitizenIdLookupView(LoginRequiredMixin, View):
    """POST a citizen ID (never in an address, so never in a log): go to the person's page."""

    def post(self, request, *args, **kwargs):
        form = forms.CitizenIdLookupForm(request.POST)
        if form.is_valid():
            value_hash = services.citizen_id_hash(form.cleaned_data["citizen_id"])
            person = selectors.persons_visible(actor=request.user).filter(citizen_id_hash=value_hash).first()
            if person is not None:
                return redirect(person)
        else:  # not a citizen ID at all: say what is wrong with it, not that nobody has it
            messages.error(request, " ".join(form.errors["citizen_id"]))
            return redirect("members:membership-list")
        messages.warning(request, _("No person with this citizen ID in your scope."))
        return redirect("members:membership-list")


# --- movements -------------------------------------------------------------------------------------------


class MembershipFormMixin(ScopedObjectMixin, FormPageMixin):
    model = Membership
    scope_action = "change"

    def get_cancel_url(self):
        return self.object.person.get_absolute_url()

    def get_breadcrumbs(self):
        person = self.object.person
        return [*super().get_breadcrumbs(), (person.full_name, person.get_absolute_url())]

    def get_intro(self):
        m = self.object
        return _("%(name)s — %(org)s, %(branch)s, since %(day)s.") % {
            "name": m.person.full_name,
            "org": m.org_type.name,
            "branch": m.branch.name,
            "day": m.joined_on.strftime("%d/%m/%Y"),
        }

    def done(self, message: str):
        messages.success(self.request, message)
        return redirect(self.object.person)


class ActiveMembershipMixin:
    """The forms of a movement of an active membership (transfer, leave): an ended one is not offered the form
    at all — the person's page says why — rather than refused only once the form is sent."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if self.object.left_on is not None:
            messages.error(request, _("This membership has already ended."))
            return redirect(self.object.person)
        return super().dispatch(request, *args, **kwargs)


class MembershipTransferView(ActiveMembershipMixin, MembershipFormMixin, FormView):
    form_class = forms.TransferForm
    submit_label = gettext_lazy("Transfer")

    @property
    def page_title(self):
        return _("Transfer to another branch")

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "org_type_id": self.object.org_type_id,
            "exclude": self.object.branch_id,
        }

    def form_valid(self, form):
        d = form.cleaned_data
        new = self.service(
            form,
            lambda: services.membership_transfer(
                actor=self.request.user,
                membership=self.object,
                to_branch=d["to_branch"],
                on=d["on"],
                note=d.get("note") or "",
                move_residence=bool(d.get("move_residence")),
            ),
        )
        if new is None:
            return self.form_invalid(form)
        return self.done(_("Transferred to %(branch)s.") % {"branch": new.branch.name})


class MembershipLeaveView(ActiveMembershipMixin, MembershipFormMixin, FormView):
    form_class = forms.LeaveForm
    submit_label = gettext_lazy("Record the leaving")
    danger = True

    @property
    def page_title(self):
        return _("Leaving the organisation")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "membership": self.object}

    def form_valid(self, form):
        d = form.cleaned_data
        m = self.service(
            form,
            lambda: services.membership_leave(
                actor=self.request.user,
                membership=self.object,
                on=d["on"],
                reason=d["reason"],
                note=d.get("note") or "",
            ),
        )
        if m is None:
            return self.form_invalid(form)
        if getattr(m, "also_ended", 0):
            return self.done(
                ngettext(
                    "Recorded: %(name)s died on %(day)s; her or his membership of %(count)s other organisation "
                    "ended on that day too.",
                    "Recorded: %(name)s died on %(day)s; her or his memberships of %(count)s other "
                    "organisations ended on that day too.",
                    m.also_ended,
                )
                % {"name": m.person.full_name, "day": m.left_on.strftime("%d/%m/%Y"), "count": m.also_ended}
            )
        return self.done(
            _("Recorded: %(name)s left %(branch)s.") % {"name": m.person.full_name, "branch": m.branch.name}
        )


class MembershipRejoinView(MembershipFormMixin, FormView):
    scope_action = "view"
    form_class = forms.RejoinForm
    submit_label = gettext_lazy("Re-join")

    @property
    def page_title(self):
        return _("Re-joining")

    def get_initial(self):
        return {"branch": self.object.branch_id}

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "actor": self.request.user,
            "org_type_id": self.object.org_type_id,
        }

    def form_valid(self, form):
        d = form.cleaned_data
        m = self.service(
            form,
            lambda: services.membership_rejoin(
                actor=self.request.user,
                membership=self.object,
                on=d["on"],
                branch=d["branch"],
                override_reason=d.get("override_reason") or "",
                note=d.get("note") or "",
            ),
        )
        if m is None:
            return self.form_invalid(form)
        return self.done(
            _("%(name)s re-joined %(branch)s.") % {"name": m.person.full_name, "branch": m.branch.name}
        )


class MembershipNumberView(MembershipFormMixin, FormView):
    form_class = forms.MemberNumberForm

    @property
    def page_title(self):
        return _("Member number")

    def get_initial(self):
        return {"member_number": self.object.member_number}

    def form_valid(self, form):
        m = self.service(
            form,
            lambda: services.membership_update(
                actor=self.request.user,
                membership=self.object,
                member_number=form.cleaned_data["member_number"],
            ),
        )
        if m is None:
            return self.form_invalid(form)
        if m.member_number:
            # a card number is the organisation's to give once: say who else holds it (not refused: an old
            # card may be re-issued, and the officer decides)
            other = (
                selectors.memberships_visible(actor=self.request.user)
                .filter(org_type_id=m.org_type_id, member_number=m.member_number, left_on__isnull=True)
                .exclude(pk=m.pk)
                .select_related("person", "branch")
                .first()
            )
            if other is not None:
                messages.warning(
                    self.request,
                    _("This member number is also held by %(name)s (%(branch)s).")
                    % {"name": other.person.full_name, "branch": other.branch.name},
                )
        return self.done(_("Saved: %(obj)s") % {"obj": m.member_number or "—"})


class MembershipDeleteView(MembershipFormMixin, FormView):
    # seen where the user may see it (else 404); removed by whom ``services.may_delete_membership`` says (else
    # 403): an administrator, or the branch's officers for a joining recorded by mistake lately
    scope_action = "view"
    form_class = forms.ConfirmForm
    submit_label = gettext_lazy("Remove this membership")
    danger = True

    def get_object(self):
        membership = super().get_object()
        if not services.may_delete_membership(self.request.user, membership):
            raise PermissionDenied
        return membership

    @property
    def page_title(self):
        return _("Remove a membership recorded by mistake")

    def get_intro(self):
        return (
            super().get_intro()
            + " "
            + _(
                "Removing it changes the figures as if it had never been recorded (a correction, not a movement). "
                "To record that the person left, use “Leave” instead."
            )
        )

    def form_valid(self, form):
        person = self.object.person
        done = self.service(
            form, lambda: services.membership_delete(actor=self.request.user, membership=self.object) or True
        )
        if done is None:
            return self.form_invalid(form)
        messages.success(self.request, _("The membership was removed."))
        if not selectors.persons_visible(actor=self.request.user).filter(pk=person.pk).exists():
            # an organisation officer sees people through their memberships: this one is out of her sight now
            return redirect("members:membership-list")
        return redirect(person)


class BranchTransferView(ScopedObjectMixin, FormPageMixin, FormView):
    """A whole branch moves to another branch of the same type (e.g. after two villages merged)."""

    model = Branch
    form_class = forms.BranchTransferForm
    submit_label = gettext_lazy("Transfer every member")

    def get_object(self):
        branch = super().get_object()
        # the form (and its count of the branch's members) only for who may move them
        if not services.has_scope_permission(
            self.request.user, "members.change_membership", branch.unit_path, branch.path
        ):
            raise PermissionDenied
        return branch

    @property
    def page_title(self):
        return _("Transfer every member of %(branch)s") % {"branch": self.object.name}

    def get_intro(self):
        active = (
            selectors.memberships_visible(actor=self.request.user)
            .filter(branch=self.object, left_on__isnull=True)
            .count()
        )
        return _(
            "%(count)s active members will move, each with a movement recorded; their history stays with this branch."
        ) % {"count": active}

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "org_type_id": self.object.organisation.type_id,
            "exclude": self.object.pk,
        }

    def get_cancel_url(self):
        return reverse("members:membership-list") + f"?branch={self.object.pk}"

    def form_valid(self, form):
        d = form.cleaned_data
        moved = self.service(
            form,
            lambda: services.branch_transfer(
                actor=self.request.user,
                from_branch=self.object,
                to_branch=d["to_branch"],
                on=d["on"],
                note=d.get("note") or "",
            ),
        )
        if moved is None:
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(count)s members were transferred to %(branch)s.")
            % {"count": moved, "branch": d["to_branch"].name},
        )
        return redirect(reverse("members:membership-list") + f"?branch={d['to_branch'].pk}")


class MemberBookView(ScopedObjectMixin, View):
    """The branch's member book (sổ đoàn viên / hội viên) as PDF: members active at ``?on=``."""

    model = Branch

    def get(self, request, *args, **kwargs):
        from danvan.members.book import member_book

        on = _day(request.GET.get("on"), timezone.localdate())
        data = member_book(actor=request.user, branch=self.object, on=on)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="so-hoi-vien-{self.object.pk}-{on:%Y%m%d}.pdf"'
        return response


class BranchChoicesView(LoginRequiredMixin, TemplateView):
    """``<option>``s for the searchable branch selects: where a member may be transferred (``type``), or
    where the user may add members (``scope=add``)."""

    template_name = "structure/_choice_options.html"
    limit = 50

    def get_context_data(self, **kwargs):
        from danvan.structure.forms import branch_place_label
        from danvan.structure.selectors import branch_search

        context = super().get_context_data(**kwargs)
        user = self.request.user
        type_id = _int(self.request.GET.get("type"))
        if self.request.GET.get("scope") == "add":
            qs = selectors.branch_choices(actor=user, action="add")
            if type_id:
                qs = qs.filter(organisation__type_id=type_id)
        elif type_id:
            qs = selectors.transfer_targets(
                actor=user, org_type_id=type_id, exclude=_int(self.request.GET.get("exclude"))
            )
        else:
            qs = Branch.objects.visible_to(user).none()
        rows = list(branch_search(qs, self.request.GET.get("q", ""))[: self.limit + 1])
        province = self.request.GET.get("scope") != "add"  # a transfer may go to another province
        context["options"] = [(b.pk, branch_place_label(b, province=province)) for b in rows[: self.limit]]
        context["more"] = len(rows) > self.limit
        return context


# --- duplicates ------------------------------------------------------------------------------------------


class DuplicateListView(LoginRequiredMixin, TemplateView):
    template_name = "members/duplicates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        qs = selectors.duplicates_to_review(actor=user).order_by("-created_at", "id")
        context["page_obj"] = Paginator(qs, 30).get_page(self.request.GET.get("page"))
        context["page_title"] = _("Possible duplicates")
        context["scan_unit"] = selectors.default_figure_unit(actor=user)
        context["can_scan"] = context["scan_unit"] is not None and services.has_scope_permission(
            user, "members.change_person", context["scan_unit"].path
        )
        return context


class DuplicateDismissView(ScopedObjectMixin, View):
    model = DuplicateCandidate
    post_only = True

    def post(self, request, *args, **kwargs):
        try:
            services.duplicate_dismiss(actor=request.user, candidate=self.object)
        except PermissionDenied:
            raise
        messages.success(request, _("Marked as two different people."))
        return redirect("members:duplicate-list")


class DuplicateScanView(LoginRequiredMixin, View):
    def post(self, request, *args, **kwargs):
        unit = selectors.default_figure_unit(actor=request.user)
        if unit is None:
            raise PermissionDenied
        found = services.duplicates_scan(actor=request.user, unit_path=unit.path)
        messages.info(request, _("%(count)s new possible duplicates found.") % {"count": found})
        return redirect("members:duplicate-list")


# --- figures ---------------------------------------------------------------------------------------------


# What each date of the figures is, in the notices that say which date was used instead of the one given.
FIGURE_DATES = {
    "on": gettext_lazy("the date of the figures"),
    "start": gettext_lazy("the start of the period"),
    "end": gettext_lazy("the end of the period"),
}


class FiguresMixin(LoginRequiredMixin):
    def may_see_members(self) -> bool:
        user = self.request.user
        return user.is_superuser or bool(user_scopes(user, "members.view_membership"))

    def figure_day(self, name: str, default: date, today: date) -> date:
        """The date ``name`` of the query, or ``default`` when none is given. Figures are what the history
        says: a date after today is replaced by today (it would show today's figures under its own), and a
        value that is not a date by the default; either way the page says which date it used."""
        raw = (self.request.GET.get(name) or "").strip()
        if not raw:
            return default
        what = FIGURE_DATES[name]
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            self.notices.append(
                _("“%(value)s” is not a valid date for %(what)s: %(used)s was used instead.")
                % {"value": raw[:20], "what": what, "used": default.strftime("%d/%m/%Y")}
            )
            self.replaced[name] = default
            return default
        if value > today:
            self.notices.append(
                _("%(day)s, given for %(what)s, is after today: today, %(used)s, was used instead.")
                % {"day": value.strftime("%d/%m/%Y"), "what": what, "used": today.strftime("%d/%m/%Y")}
            )
            self.replaced[name] = today
            return today
        return value

    def params(self):
        """(unit, on, start, end, org_type) of the query. ``self.notices`` says what was used instead of a
        date given that could not be used; ``unit`` is None for a user who may see members nowhere."""
        request, user = self.request, self.request.user
        today = timezone.localdate()
        self.notices: list[str] = []
        self.replaced: dict[str, date] = {}
        on = self.figure_day("on", today, today)
        start = self.figure_day("start", date(today.year, 1, 1), today)
        end = self.figure_day("end", today, today)
        if end < start:
            self.notices.append(
                _("The period ended (%(end)s) before it started (%(start)s): the two dates were swapped.")
                % {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")}
            )
            start, end = end, start
            self.replaced.update(start=start, end=end)
        org_type = OrgType.objects.filter(pk=_int(request.GET.get("type")), has_members=True).first()
        if not self.may_see_members():
            # no unit at all, whatever ``?unit=`` says: the page says so, the breakdown and the export refuse
            return None, on, start, end, org_type
        unit = None
        unit_id = _int(request.GET.get("unit"))
        if unit_id:
            unit = selectors.figure_units(actor=user).filter(pk=unit_id).first()
            if unit is None:
                raise Http404
        unit = unit or selectors.default_figure_unit(actor=user)
        return unit, on, start, end, org_type

    def require_unit(self, unit):
        """The breakdown and the export need a unit: refused to a user who may see members nowhere."""
        if unit is None:
            if not self.may_see_members():
                raise PermissionDenied
            raise Http404
        return unit


class FiguresView(FiguresMixin, TemplateView):
    template_name = "members/figures.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            unit, on, start, end, org_type = self.params()
            self.require_unit(unit)
            from danvan.members.book import figures_xlsx

            data = figures_xlsx(actor=request.user, unit=unit, on=on, start=start, end=end, org_type=org_type)
            response = HttpResponse(data, content_type=exports.XLSX_MIME)
            response["Content-Disposition"] = (
                f'attachment; filename="so-lieu-hoi-vien-{unit.code}-{on:%Y%m%d}.xlsx"'
            )
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit, on, start, end, org_type = self.params()
        context.update(
            page_title=_("Membership figures"),
            unit=unit,
            on=on,
            start=start,
            end=end,
            org_type=org_type,
            notices=self.notices,
        )
        context["types"] = OrgType.objects.filter(has_members=True, is_active=True)
        if unit is None:
            return context
        user = self.request.user
        f = selectors.figures(actor=user, unit=unit, on=on, start=start, end=end, org_type=org_type)
        context["f"] = f
        context["ancestors"] = [
            u for u in unit.ancestors() if selectors.figure_units(actor=user).filter(pk=u.pk).exists()
        ]
        context["units"] = selectors.figure_units(actor=user).filter(level__in=["province", "commune"])
        for row in f.rows:
            row.cells = [row.active.get(t.pk, 0) for t in f.types]
        f.totals.cells = [f.totals.active.get(t.pk, 0) for t in f.types]
        context["chart"] = {
            "categories": [r.label for r in f.rows],
            "series": [
                {"name": t.short_name or t.name, "data": [r.active.get(t.pk, 0) for r in f.rows]}
                for t in f.types
            ],
            "flows": {
                "labels": [
                    str(_("Joined")),
                    str(_("Transferred in")),
                    str(_("Transferred out")),
                    str(_("Left")),
                ],
                "values": [
                    f.totals.joined,
                    f.totals.flows["transfer_in"],
                    f.totals.flows["transfer_out"],
                    f.totals.left,
                ],
            },
        }
        query = self.request.GET.copy()
        query.pop("unit", None)
        query.pop("export", None)
        for name, day in self.replaced.items():  # the links carry the dates used, not those refused
            query[name] = day.isoformat()
        context["keep"] = query.urlencode()
        context["list_query"] = f"active_on={on.isoformat()}" + (
            f"&org_type={org_type.pk}" if org_type else ""
        )
        return context


class FiguresBreakdownView(FiguresMixin, TemplateView):
    """The part of the figures read from the memberships themselves (people, sex, age, ethnicity), loaded
    after the page so that the page itself stays instant."""

    template_name = "members/_breakdown.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit, on, _start, _end, org_type = self.params()
        self.require_unit(unit)
        b = selectors.breakdown(actor=self.request.user, unit=unit, on=on, org_type=org_type)
        places = selectors.place_labels(unit=unit, keys=list(b.persons_by_child))
        context.update(
            b=b, unit=unit, on=on, places=[(label, b.persons_by_child[key]) for key, label in places]
        )
        context["chart"] = {
            "sex": [{"name": label, "value": n} for _c, label, n, _p in b.by_sex],
            "age": {
                "labels": [label for _c, label, _n, _p in b.by_age],
                "values": [n for _c, _l, n, _p in b.by_age],
            },
            "ethnicity": [{"name": label, "value": n} for _c, label, n, _p in b.by_ethnicity[:8]],
        }
        return context


# --- imports ---------------------------------------------------------------------------------------------


class ImportView(PermissionGateMixin, FormView):
    permission = "members.add_membership"
    template_name = "members/import.html"

    def get_form(self, form_class=None):
        return UploadForm(**self.get_form_kwargs(), max_mb=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page_title=_("Import members"),
            columns=imports.COLUMNS,
            max_rows=imports.max_rows(),
            recent=selectors.imports_visible(actor=self.request.user)[:10],
        )
        return context

    def form_valid(self, form):
        batch = services.import_start(
            actor=self.request.user, upload=form.cleaned_data["file"], language=get_language()
        )
        messages.info(self.request, _("The file was received; it is being checked in the background."))
        return redirect(batch)


class ImportTemplateView(PermissionGateMixin, View):
    permission = "members.add_membership"

    def get(self, request, *args, **kwargs):
        response = HttpResponse(imports.template_bytes(actor=request.user), content_type=imports.XLSX_MIME)
        response["Content-Disposition"] = 'attachment; filename="mau-nhap-hoi-vien.xlsx"'
        return response


class ImportDetailView(ScopedObjectMixin, TemplateView):
    """The preview of a checked file: every row with its errors and possible duplicates."""

    model = ImportBatch

    def get_template_names(self):
        if self.request.htmx and self.request.GET.get("partial"):
            return ["members/_import_status.html"]
        return ["members/import_detail.html"]

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if self.request.htmx and self.request.GET.get("partial") and not context["working"]:
            response["HX-Refresh"] = "true"  # the check or the import ended: show the whole preview
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = self.object
        show = self.request.GET.get("show", "all")
        rows = selectors.import_rows(batch=batch, show=show)
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        ids = {r.branch_id for r in page if r.branch_id}
        names = dict(
            Branch.objects.visible_to(self.request.user).filter(pk__in=ids).values_list("pk", "name")
        )
        for r in page:
            r.branch_name = names.get(r.branch_id, "")
            r.error_list = [e for e in r.errors.split("\n") if e]
            r.duplicate_list = [e for e in r.duplicate_note.split("\n") if e]
        context.update(
            batch=batch,
            page_obj=page,
            show=show,
            page_title=batch.filename,
            working=batch.status in (ImportStatus.CHECKING, ImportStatus.COMMITTING),
        )
        return context


class ImportCommitView(ScopedObjectMixin, View):
    model = ImportBatch
    post_only = True

    def post(self, request, *args, **kwargs):
        try:
            services.import_commit_start(actor=request.user, batch=self.object)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.info(request, _("The valid rows are being imported in the background."))
        return redirect(self.object)


class ImportDiscardView(ScopedObjectMixin, View):
    model = ImportBatch
    post_only = True

    def post(self, request, *args, **kwargs):
        try:
            services.import_discard(actor=request.user, batch=self.object)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(self.object)
        messages.success(request, _("The file was discarded; nothing was imported."))
        return redirect("members:import")


class ImportRejectedView(ScopedObjectMixin, View):
    """The rejected rows with their reasons (the file written by the check; or written now from the preview)."""

    model = ImportBatch

    def get(self, request, *args, **kwargs):
        from django.http import FileResponse

        if self.object.rejected_file:
            return FileResponse(
                self.object.rejected_file.open("rb"),
                as_attachment=True,
                filename=self.object.rejected_file.name.rsplit("/")[-1],
            )
        response = HttpResponse(imports.rejected_bytes(self.object), content_type=imports.XLSX_MIME)
        response["Content-Disposition"] = f'attachment; filename="dong-bi-loai-{self.object.pk}.xlsx"'
        return response
