"""Pages of the structure: lists, trees, detail pages, the forms that change villages, organisations and
branches, and the Excel imports. Every read goes through ``visible_to`` (directly or through a selector);
an object outside the user's scope for the action answers 404; every change is a POST that calls a service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from danvan.core import services as core_services
from danvan.core.forms import UploadForm
from danvan.core.models import Job
from danvan.core.scoping import has_scope_permission
from danvan.core.views import ScopedDetailView, ScopedListView
from danvan.structure import forms, imports, selectors, services
from danvan.structure.filters import BranchFilter, OrganisationFilter, UnitFilter
from danvan.structure.models import Branch, Organisation, OrgKind, Unit, UnitLevel
from danvan.structure.tables import BranchTable, OrganisationTable, UnitTable

CHOICES_LIMIT = 50


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _is_partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.boosted


class ScopedObjectMixin(LoginRequiredMixin):
    """Loads ``self.object`` from ``model.objects.visible_to(user, scope_action)``: out of scope → 404,
    before anything else (also before a wrong method is refused)."""

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
            raise Http404
        return obj

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if self.post_only and request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return self.object_response(request) or super().dispatch(request, *args, **kwargs)

    def object_response(self, request):
        """A response that replaces the page for this object (e.g. a redirect), or None."""
        return None


class PermissionGateMixin(LoginRequiredMixin):
    """Pages without an object (create, import) need the permission in some scope; the service checks the place."""

    permission = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.permission and not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class FormPageMixin:
    """Renders ``structure/form.html`` with a title, breadcrumbs and a cancel link."""

    template_name = "structure/form.html"
    page_title = ""
    submit_label = gettext_lazy("Save")
    add_another = False

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        return []

    def get_cancel_url(self) -> str:
        return reverse("core:home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" in context and context["form"].is_bound:
            forms.mark_invalid(context["form"])
        context.update(
            page_title=self.page_title,
            breadcrumbs=self.get_breadcrumbs(),
            cancel_url=self.get_cancel_url(),
            submit_label=self.submit_label,
            add_another=self.add_another,
        )
        return context


def _unit_crumbs(user, unit: Unit, *, include_self: bool = True) -> list[tuple[str, str]]:
    crumbs = [(_("Administrative units"), reverse("structure:unit-tree"))]
    crumbs += [(u.name, u.get_absolute_url()) for u in selectors.unit_ancestors(actor=user, unit=unit)]
    if include_self:
        crumbs.append((unit.name, unit.get_absolute_url()))
    return crumbs


def _organisation_crumbs(
    user, organisation: Organisation, *, include_self: bool = True
) -> list[tuple[str, str]]:
    crumbs = [(_("Organisations"), reverse("structure:organisation-tree"))]
    crumbs += [
        (o.name, o.get_absolute_url())
        for o in selectors.organisation_ancestors(actor=user, organisation=organisation)
    ]
    if include_self:
        crumbs.append((organisation.name, organisation.get_absolute_url()))
    return crumbs


def _branch_crumbs(user, branch: Branch, *, include_self: bool = True) -> list[tuple[str, str]]:
    orgs, parents = selectors.branch_ancestors(actor=user, branch=branch)
    crumbs = [(_("Organisations"), reverse("structure:organisation-tree"))]
    crumbs += [(o.name, o.get_absolute_url()) for o in orgs]
    crumbs += [(b.name, b.get_absolute_url()) for b in parents]
    if include_self:
        crumbs.append((branch.name, branch.get_absolute_url()))
    return crumbs


# --- lists ----------------------------------------------------------------------------------------


class UnitListView(ScopedListView):
    model = Unit
    view_permission = "structure.view_unit"
    table_class = UnitTable
    filterset_class = UnitFilter
    page_title = gettext_lazy("Administrative units")
    export_name = "don-vi-hanh-chinh"
    template_name = "structure/unit_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_import"] = self.request.user.has_perm("structure.add_unit")
        return context


class OrganisationListView(ScopedListView):
    model = Organisation
    view_permission = "structure.view_organisation"
    table_class = OrganisationTable
    filterset_class = OrganisationFilter
    page_title = gettext_lazy("Organisations")
    export_name = "to-chuc"
    template_name = "structure/organisation_list.html"
    create_url_name = "structure:organisation-create"

    def get_queryset(self):
        return super().get_queryset().select_related("type", "unit", "parent")


class BranchListView(ScopedListView):
    model = Branch
    view_permission = "structure.view_branch"
    table_class = BranchTable
    filterset_class = BranchFilter
    page_title = gettext_lazy("Branches")
    export_name = "chi-hoi"
    template_name = "structure/branch_list.html"
    create_url_name = "structure:branch-create"

    def get_queryset(self):
        return super().get_queryset().select_related("organisation", "unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_import"] = self.request.user.has_perm("structure.add_branch")
        return context


# --- trees ----------------------------------------------------------------------------------------


class UnitTreeView(LoginRequiredMixin, TemplateView):
    """Provinces → communes → villages, expanded on demand; the search box finds units at any depth."""

    model = Unit
    template_name = "structure/unit_tree.html"

    def get_template_names(self):
        return ["structure/_unit_tree_body.html"] if _is_partial(self.request) else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        q = self.request.GET.get("q", "").strip()
        context["q"] = q
        context["page_title"] = _("Administrative units")
        if q:
            context["results"], _ancestors = selectors.unit_search(actor=user, q=q, limit=100)
        else:
            context["nodes"] = selectors.unit_tree_roots(actor=user)
        return context


class UnitChildrenView(ScopedObjectMixin, TemplateView):
    model = Unit
    template_name = "structure/_unit_tree_nodes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nodes"] = selectors.unit_tree_children(actor=self.request.user, unit=self.object)
        return context


class OrganisationTreeView(LoginRequiredMixin, TemplateView):
    """Organisations → sub-organisations and branches, expanded on demand, with an accent-insensitive search."""

    model = Organisation
    template_name = "structure/organisation_tree.html"
    roots_limit = 500

    def get_template_names(self):
        return (
            ["structure/_organisation_tree_body.html"] if _is_partial(self.request) else [self.template_name]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        q = self.request.GET.get("q", "").strip()
        context["q"] = q
        context["page_title"] = _("Organisations")
        if q:
            context["org_results"], context["branch_results"] = selectors.organisation_search(actor=user, q=q)
        else:
            roots = list(selectors.organisation_tree_roots(actor=user, limit=self.roots_limit + 1))
            context["more_roots"] = len(roots) > self.roots_limit
            context["orgs"] = roots[: self.roots_limit]
            context["branches"] = []
        return context


class OrganisationChildrenView(ScopedObjectMixin, TemplateView):
    model = Organisation
    template_name = "structure/_organisation_tree_nodes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["orgs"], context["branches"] = selectors.organisation_tree_children(
            actor=self.request.user, organisation=self.object
        )
        return context


class BranchChildrenView(ScopedObjectMixin, TemplateView):
    model = Branch
    template_name = "structure/_organisation_tree_nodes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["orgs"] = []
        context["branches"] = selectors.branch_tree_children(actor=self.request.user, branch=self.object)
        return context


# --- detail pages ---------------------------------------------------------------------------------


class UnitDetailView(ScopedDetailView):
    model = Unit
    template_name = "structure/unit_detail.html"
    context_object_name = "unit"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        visible_units = Unit.objects.visible_to(user)
        context["ancestors"] = selectors.unit_ancestors(actor=user, unit=unit)
        context["children"] = selectors.unit_tree_children(actor=user, unit=unit)
        context["counts"] = selectors.unit_counts(actor=user, unit=unit)
        context["organisations"] = selectors.organisations_visible(actor=user).filter(unit=unit)
        context["branches"] = selectors.branches_visible(actor=user).filter(unit=unit)
        context["successor"] = (
            visible_units.filter(pk=unit.successor_id).first() if unit.successor_id else None
        )
        context["predecessors"] = visible_units.filter(successor=unit).order_by("search_name")
        is_village = unit.level == UnitLevel.VILLAGE
        is_commune = unit.level == UnitLevel.COMMUNE
        active = unit.valid_to is None
        context["can"] = {
            "add_village": is_commune
            and active
            and has_scope_permission(user, "structure.add_unit", unit.path),
            "change": is_village and has_scope_permission(user, "structure.change_unit", unit.path),
            "deactivate": is_village
            and active
            and has_scope_permission(user, "structure.delete_unit", unit.path),
            "add_organisation": active
            and unit.level in (UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.VILLAGE)
            and has_scope_permission(user, "structure.add_organisation", unit.path),
        }
        return context


class OrganisationDetailView(ScopedDetailView):
    model = Organisation
    template_name = "structure/organisation_detail.html"
    context_object_name = "organisation"

    def get_queryset(self):
        return super().get_queryset().select_related("type", "unit", "parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, org = self.request.user, self.object
        context["ancestors"] = selectors.organisation_ancestors(actor=user, organisation=org)
        context["children"] = (
            selectors.organisations_visible(actor=user)
            .filter(parent=org)
            .order_by("-is_active", "search_name")
        )
        context["branches"] = (
            selectors.branches_visible(actor=user).filter(organisation=org).order_by("-is_active", "path")
        )
        context["counts"] = selectors.organisation_counts(actor=user, organisation=org)
        context["unit_visible"] = Unit.objects.visible_to(user).filter(pk=org.unit_id).exists()
        context["can"] = {
            "change": has_scope_permission(user, "structure.change_organisation", org.unit_path, org.path),
            "set_active": has_scope_permission(
                user, "structure.delete_organisation", org.unit_path, org.path
            ),
            "add_child": org.is_active
            and selectors.may_act_within(
                actor=user, perm="structure.add_organisation", unit_path=org.unit_path, org_path=org.path
            ),
            "add_branch": org.is_active
            and org.type.has_branches
            and selectors.may_act_within(
                actor=user, perm="structure.add_branch", unit_path=org.unit_path, org_path=org.path
            ),
        }
        return context


class BranchDetailView(ScopedDetailView):
    model = Branch
    template_name = "structure/branch_detail.html"
    context_object_name = "branch"

    def get_queryset(self):
        return super().get_queryset().select_related("organisation", "organisation__type", "unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, branch = self.request.user, self.object
        orgs, parents = selectors.branch_ancestors(actor=user, branch=branch)
        context["crumbs"] = [(_("Organisations"), reverse("structure:organisation-tree"))]
        context["crumbs"] += [(o.name, o.get_absolute_url()) for o in orgs] + [
            (b.name, b.get_absolute_url()) for b in parents
        ]
        context["parent"] = parents[-1] if parents and parents[-1].pk == branch.parent_id else None
        context["organisation_visible"] = bool(orgs) and orgs[-1].pk == branch.organisation_id
        context["children"] = (
            selectors.branches_visible(actor=user).filter(parent=branch).order_by("-is_active", "search_name")
        )
        context["unit_visible"] = Unit.objects.visible_to(user).filter(pk=branch.unit_id).exists()
        context["can"] = {
            "change": has_scope_permission(user, "structure.change_branch", branch.unit_path, branch.path),
            "set_active": has_scope_permission(
                user, "structure.delete_branch", branch.unit_path, branch.path
            ),
            "add_child": branch.is_active
            and branch.organisation.is_active
            and has_scope_permission(user, "structure.add_branch", branch.unit_path, branch.path),
        }
        context["members"] = None
        if branch.organisation.type.has_members and has_scope_permission(
            user, "members.view_membership", branch.unit_path, branch.path
        ):
            from danvan.members.selectors import memberships_visible

            context["members"] = (
                memberships_visible(actor=user).filter(branch=branch, left_on__isnull=True).count()
            )
        return context


# --- villages -------------------------------------------------------------------------------------


class UnitCreateView(ScopedObjectMixin, FormPageMixin, FormView):
    """Add a village or residential group under a commune (the pk is the commune's)."""

    model = Unit
    scope_action = "add"
    form_class = forms.VillageForm
    add_another = True

    def object_response(self, request):
        if self.object.level != UnitLevel.COMMUNE or self.object.valid_to is not None:
            messages.error(request, _("Villages can only be added to a commune in force."))
            return redirect(self.object)
        return None

    @property
    def page_title(self):
        return _("New village in %(commune)s") % {"commune": self.object.name}

    def get_breadcrumbs(self):
        return _unit_crumbs(self.request.user, self.object)

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            village = services.village_create(
                actor=self.request.user,
                commune=self.object,
                name=data["name"],
                village_kind=data["village_kind"],
                population=data["population"],
            )
        except (ValidationError, PermissionDenied) as exc:
            forms.service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Village “%(name)s” created with code %(code)s.")
            % {"name": village.name, "code": village.code},
        )
        if "add_another" in self.request.POST:
            return redirect("structure:unit-create", pk=self.object.pk)
        return redirect(village)


class UnitUpdateView(ScopedObjectMixin, FormPageMixin, FormView):
    model = Unit
    scope_action = "change"
    form_class = forms.VillageForm

    def object_response(self, request):
        if self.object.level != UnitLevel.VILLAGE:
            messages.error(
                request,
                _("Only villages can be edited here; provinces and communes follow the official list."),
            )
            return redirect(self.object)
        return None

    @property
    def page_title(self):
        return _("Edit %(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return _unit_crumbs(self.request.user, self.object)

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_initial(self):
        v = self.object
        return {"name": v.name, "village_kind": v.village_kind, "population": v.population}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            village = services.village_update(
                actor=self.request.user,
                village=self.object,
                name=data["name"],
                village_kind=data["village_kind"],
                population=data["population"],
            )
        except (ValidationError, PermissionDenied) as exc:
            forms.service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(obj)s") % {"obj": village})
        return redirect(village)


class UnitDeactivateView(ScopedObjectMixin, FormPageMixin, FormView):
    """End a village's validity; its branches can move to a successor village (GET shows the form)."""

    model = Unit
    scope_action = "delete"
    form_class = forms.VillageDeactivateForm
    submit_label = gettext_lazy("Deactivate")

    def object_response(self, request):
        if self.object.level != UnitLevel.VILLAGE:
            messages.error(request, _("Only villages can be deactivated here."))
            return redirect(self.object)
        if self.object.valid_to is not None:
            messages.info(request, _("This village is already no longer in force."))
            return redirect(self.object)
        return None

    @property
    def page_title(self):
        return _("Deactivate %(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return _unit_crumbs(self.request.user, self.object)

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(actor=self.request.user, village=self.object)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["danger"] = True
        context["intro"] = _(
            "The village stays in the records with its history, but no longer appears as in force. "
            "Branches located in it must move to a successor village, or be moved or closed first."
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            village = services.unit_deactivate(
                actor=self.request.user, unit=self.object, on=data["on"], successor=data["successor"]
            )
        except (ValidationError, PermissionDenied) as exc:
            forms.service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s is no longer in force.") % {"name": village.name})
        return redirect(village)


# --- organisations --------------------------------------------------------------------------------


class OrganisationCreateView(PermissionGateMixin, FormPageMixin, FormView):
    model = Organisation
    permission = "structure.add_organisation"
    form_class = forms.OrganisationCreateForm
    page_title = gettext_lazy("New organisation")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        user = request.user
        self.parent = self.unit = None
        if getattr(user, "is_authenticated", False):
            parent_pk, unit_pk = _int(request.GET.get("parent")), _int(request.GET.get("unit"))
            if parent_pk:
                self.parent = (
                    Organisation.objects.visible_to(user)
                    .filter(pk=parent_pk, is_active=True)
                    .select_related("type")
                    .first()
                )
            if unit_pk:
                self.unit = Unit.objects.visible_to(user).filter(pk=unit_pk, valid_to__isnull=True).first()

    def get_breadcrumbs(self):
        if self.parent is not None:
            return _organisation_crumbs(self.request.user, self.parent)
        if self.unit is not None:
            return _unit_crumbs(self.request.user, self.unit)
        return [(_("Organisations"), reverse("structure:organisation-tree"))]

    def get_cancel_url(self):
        target = self.parent or self.unit
        return target.get_absolute_url() if target else reverse("structure:organisation-tree")

    def get_initial(self):
        initial = {}
        if self.parent is not None:
            initial["parent"] = self.parent.pk
            initial["unit"] = self.parent.unit_id
            if self.parent.type.kind not in (OrgKind.FRONT, OrgKind.GOVERNMENT, OrgKind.COMMISSION):
                initial["type"] = self.parent.type_id  # a union's sub-organisation is usually of its type
        if self.unit is not None:
            initial["unit"] = self.unit.pk
        return initial

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["actor"] = self.request.user
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            organisation = services.organisation_create(
                actor=self.request.user,
                type=data["type"],
                unit=data["unit"],
                name=data["name"],
                parent=data["parent"],
                address=data["address"],
                phone=data["phone"],
                email=data["email"],
            )
        except (ValidationError, PermissionDenied) as exc:
            forms.service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Organisation “%(name)s” created.") % {"name": organisation.name})
        return redirect(organisation)


class OrganisationUpdateView(ScopedObjectMixin, FormPageMixin, FormView):
    model = Organisation
    scope_action = "change"
    form_class = forms.OrganisationUpdateForm

    @property
    def page_title(self):
        return _("Edit %(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return _organisation_crumbs(self.request.user, self.object)

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_initial(self):
        o = self.object
        return {"name": o.name, "address": o.address, "phone": o.phone, "email": o.email}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            organisation = services.organisation_update(
                actor=self.request.user,
                organisation=self.object,
                name=data["name"],
                address=data["address"],
                phone=data["phone"],
                email=data["email"],
            )
        except (ValidationError, PermissionDenied) as exc:
            forms.service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(obj)s") % {"obj": organisation})
        return redirect(organisation)


class SetActiveView(ScopedObjectMixin, View):
    """POST only: deactivate or reactivate an organisation or a branch, then back to its page."""

    scope_action = "delete"
    post_only = True
    active = False

    def change(self, obj):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        obj = self.object
        try:
            self.change(obj)
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        else:
            if self.active:
                messages.success(request, _("%(name)s is active again.") % {"name": obj.name})
            else:
                messages.success(request, _("%(name)s has been deactivated.") % {"name": obj.name})
        return redirect(obj)


class OrganisationDeactivateView(SetActiveView):
    model = Organisation

    def change(self, obj):
        services.organisation_set_active(actor=self.request.user, organisation=obj, active=self.active)


class OrganisationActivateView(OrganisationDeactivateView):
    active = True


# --- branches -------------------------------------------------------------------------------------


class BranchCreateView(PermissionGateMixin, FormPageMixin, FormView):
    """Add a branch to an organisation (``?organisation=``); without one, first choose the organisation."""

    model = Branch
    permission = "structure.add_branch"
    form_class = forms.BranchForm
    add_another = True

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.organisation = self.parent = None
        self.org_pk = _int(request.GET.get("organisation"))

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if getattr(user, "is_authenticated", False) and self.org_pk:
            self.organisation = (
                Organisation.objects.visible_to(user)
                .filter(pk=self.org_pk, is_active=True)
                .select_related("type")
                .first()
            )
            if self.organisation is None:
                raise Http404
            if not self.organisation.type.has_branches:
                messages.error(
                    request,
                    _(
                        "An organisation of the type “%(type)s” has no branches: choose a mass organisation or the Front."
                    )
                    % {"type": self.organisation.type.name},
                )
                return redirect(self.organisation)
            parent_pk = _int(request.GET.get("parent"))
            if parent_pk:
                self.parent = (
                    Branch.objects.visible_to(user)
                    .filter(pk=parent_pk, organisation=self.organisation, is_active=True)
                    .first()
                )
        return super().dispatch(request, *args, **kwargs)

    @property
    def page_title(self):
        if self.organisation is None:
            return _("New branch")
        return _("New branch of %(organisation)s") % {"organisation": self.organisation.name}

    def get_breadcrumbs(self):
        if self.parent is not None:
            return _branch_crumbs(self.request.user, self.parent)
        if self.organisation is not None:
            return _organisation_crumbs(self.request.user, self.organisation)
        return [(_("Branches"), reverse("structure:branch-list"))]

    def get_cancel_url(self):
        target = self.parent or self.organisation
        return target.get_absolute_url() if target else reverse("structure:branch-list")

    def get_form_class(self):
        return forms.BranchForm if self.organisation is not None else forms.BranchOrganisationForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["actor"] = self.request.user
        if self.organisation is not None:
            kwargs["organisation"] = self.organisation
        return kwargs

    def get_initial(self):
        initial = {}
        if self.parent is not None:
            initial["parent"] = self.parent.pk
            initial["unit"] = self.parent.unit_id
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.organisation is None:
            context.update(method="get", submit_label=_("Continue"), add_another=False)
            context["intro"] = _("Choose the organisation the new branch belongs to.")
        else:
            context["fixed"] = [(_("Organisation"), self.organisation.name)]
            if not context["form"].fields["unit"].queryset.exists():
                context["warning"] = _(
                    "There is no commune or village in your scope where a branch of this organisation could be located."
                )
        return context

    def post(self, request, *args, **kwargs):
        if self.organisation is None:
            return HttpResponseNotAllowed(["GET"])
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            branch = services.branch_create(
                actor=self.request.user,
                organisation=self.organisation,
                unit=data["unit"],
                name=data["name"],
                kind=data["kind"],
                parent=data.get("parent"),
                leader_name=data["leader_name"],
                leader_phone=data["leader_phone"],
                founded_on=data["founded_on"],
            )
        except (ValidationError, PermissionDenied) as exc:
            forms.service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Branch “%(name)s” created.") % {"name": branch.name})
        if "add_another" in self.request.POST:
            return redirect(f"{reverse('structure:branch-create')}?organisation={self.organisation.pk}")
        return redirect(branch)

    def get(self, request, *args, **kwargs):
        if self.organisation is None and "organisation" in request.GET:
            # The first step was submitted without a valid choice: show it again with the error.
            form = forms.BranchOrganisationForm(request.GET, actor=request.user)
            form.is_valid()
            return self.render_to_response(self.get_context_data(form=form))
        return super().get(request, *args, **kwargs)


class BranchUpdateView(ScopedObjectMixin, FormPageMixin, FormView):
    model = Branch
    scope_action = "change"
    form_class = forms.BranchForm

    @property
    def page_title(self):
        return _("Edit %(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return _branch_crumbs(self.request.user, self.object)

    def get_cancel_url(self):
        return self.object.get_absolute_url()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(actor=self.request.user, organisation=self.object.organisation, branch=self.object)
        return kwargs

    def get_initial(self):
        b = self.object
        return {
            "name": b.name,
            "kind": b.kind,
            "unit": b.unit_id,
            "leader_name": b.leader_name,
            "leader_phone": b.leader_phone,
            "founded_on": b.founded_on,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["fixed"] = [(_("Organisation"), self.object.organisation.name)]
        if "unit" not in context["form"].fields:
            context["fixed"].append((_("Located in"), self.object.unit.name))
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            branch = services.branch_update(
                actor=self.request.user,
                branch=self.object,
                name=data["name"],
                kind=data["kind"],
                unit=data.get("unit") or self.object.unit,
                leader_name=data["leader_name"],
                leader_phone=data["leader_phone"],
                founded_on=data["founded_on"],
            )
        except (ValidationError, PermissionDenied) as exc:
            forms.service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved: %(obj)s") % {"obj": branch})
        return redirect(branch)


class BranchDeactivateView(SetActiveView):
    model = Branch

    def change(self, obj):
        services.branch_set_active(actor=self.request.user, branch=obj, active=self.active)


class BranchActivateView(BranchDeactivateView):
    active = True


# --- imports --------------------------------------------------------------------------------------


class ImportView(PermissionGateMixin, FormView):
    """Upload a file; the import runs as a background job whose page shows progress and the result."""

    template_name = "structure/import.html"
    form_class = UploadForm
    importer: imports.Importer
    page_title = ""
    template_url_name = ""
    back_url_name = ""
    back_label = ""
    job_title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page_title=self.page_title,
            importer=self.importer,
            columns=self.importer.columns,
            kinds=imports.choice_terms(self.importer.kind_choices),
            max_rows=imports.MAX_ROWS,
            template_url=reverse(self.template_url_name),
            back_url=reverse(self.back_url_name),
            back_label=self.back_label,
            recent_jobs=Job.objects.visible_to(self.request.user).filter(kind=self.importer.kind)[:10],
        )
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        job = core_services.job_start(
            actor=self.request.user,
            kind=self.importer.kind,
            title=self.job_title % {"file": upload.name},
            params={"filename": upload.name, "language": get_language()},
            input_file=upload,
        )
        messages.info(self.request, _("The file was received; the import runs in the background."))
        return redirect("core:job-detail", pk=job.pk)


class VillageImportView(ImportView):
    permission = "structure.add_unit"
    importer = imports.IMPORTERS[imports.VillageImporter.kind]
    page_title = gettext_lazy("Import villages")
    template_url_name = "structure:unit-import-template"
    back_url_name = "structure:unit-tree"
    back_label = gettext_lazy("Administrative units")
    job_title = gettext_lazy("Import villages from %(file)s")


class BranchImportView(ImportView):
    permission = "structure.add_branch"
    importer = imports.IMPORTERS[imports.BranchImporter.kind]
    page_title = gettext_lazy("Import branches")
    template_url_name = "structure:branch-import-template"
    back_url_name = "structure:branch-list"
    back_label = gettext_lazy("Branches")
    job_title = gettext_lazy("Import branches from %(file)s")


class ImportTemplateView(PermissionGateMixin, View):
    importer: imports.Importer
    filename = ""

    def get(self, request, *args, **kwargs):
        data = imports.template_bytes(self.importer, actor=request.user)
        response = HttpResponse(data, content_type=imports.XLSX_MIME)
        response["Content-Disposition"] = f'attachment; filename="{self.filename}"'
        return response


class VillageImportTemplateView(ImportTemplateView):
    permission = "structure.add_unit"
    importer = imports.IMPORTERS[imports.VillageImporter.kind]
    filename = "mau-nhap-thon-to-dan-pho.xlsx"


class BranchImportTemplateView(ImportTemplateView):
    permission = "structure.add_branch"
    importer = imports.IMPORTERS[imports.BranchImporter.kind]
    filename = "mau-nhap-chi-hoi.xlsx"


# --- options for the searchable selects of the forms ----------------------------------------------


class ChoicesView(LoginRequiredMixin, TemplateView):
    """``<option>`` elements matching ``q`` among the rows the user may see (for ``forms.SearchSelect``)."""

    template_name = "structure/_choice_options.html"
    label = staticmethod(str)

    def get_queryset(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        qs = selectors.folded_search(
            self.get_queryset(), self.request.GET.get("q", ""), code_field=self.code_field
        )
        exclude = _int(self.request.GET.get("exclude"))
        if exclude:
            qs = qs.exclude(pk=exclude)
        rows = list(qs[: CHOICES_LIMIT + 1])
        context["options"] = [(o.pk, self.label(o)) for o in rows[:CHOICES_LIMIT]]
        context["more"] = len(rows) > CHOICES_LIMIT
        return context


class UnitChoicesView(ChoicesView):
    model = Unit
    code_field = "code"
    label = staticmethod(forms.unit_label)

    def get_queryset(self):
        levels = [v for v in self.request.GET.get("levels", "").split(",") if v in UnitLevel.values]
        qs = selectors.unit_choices(
            actor=self.request.user, levels=levels or None, within=self.request.GET.get("within") or None
        )
        parent = _int(self.request.GET.get("parent"))
        if parent:
            qs = qs.filter(parent_id=parent)
        return qs


class OrganisationChoicesView(ChoicesView):
    model = Organisation
    code_field = None
    label = staticmethod(forms.organisation_label)

    def get_queryset(self):
        return selectors.organisation_choices(
            actor=self.request.user, with_branches=self.request.GET.get("branches") == "1"
        )


class BranchChoicesView(ChoicesView):
    model = Branch
    code_field = None
    label = staticmethod(forms.branch_label)

    def get_queryset(self):
        user = self.request.user
        organisation = (
            Organisation.objects.visible_to(user)
            .filter(pk=_int(self.request.GET.get("organisation")))
            .first()
        )
        if organisation is None:
            return Branch.objects.visible_to(user).none()
        return selectors.branch_choices(actor=user, organisation=organisation)
