"""Administrative units, organisation types, organisations and their branches.

Units, organisations and branches are trees stored as materialised paths ending in "/":
a province "86/", a commune "86/29242/", a village "86/29242/v1532/"; a pre-2025 province sits under the
province that succeeded it ("86/L84/"), so its records roll up to today's unit and its scope.
Organisations: "o12/o57/"; a branch lives in the organisation's path: "o12/o57/b301/".
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from danvan.core.scoping import ScopedModel, ScopedQuerySet, tracked


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")
    VILLAGE = "village", _("Village")
    LEGACY_PROVINCE = "legacy_province", _("Former province (before 2025)")


class VillageKind(models.TextChoices):
    THON = "thon", _("Hamlet (thôn)")
    AP = "ap", _("Hamlet (ấp)")
    BAN = "ban", _("Village (bản)")
    KHOM = "khom", _("Neighbourhood (khóm)")
    TO_DAN_PHO = "to_dan_pho", _("Residential group (tổ dân phố)")
    OTHER = "other", _("Other")


class UnitQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(valid_to__isnull=True)

    def current_on(self, day):
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


@tracked
class Unit(ScopedModel):
    scope_unit_field = "path"

    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=UnitLevel.choices)
    division_type = models.CharField(_("division type"), max_length=50, blank=True)
    village_kind = models.CharField(_("village kind"), max_length=20, choices=VillageKind.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True)
    depth = models.PositiveSmallIntegerField(_("depth in the tree"), default=1)
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=10, decimal_places=2, null=True, blank=True)
    center_lon = models.DecimalField(
        _("longitude of its centre"), max_digits=9, decimal_places=5, null=True, blank=True
    )
    center_lat = models.DecimalField(
        _("latitude of its centre"), max_digits=9, decimal_places=5, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    # ScopedModel declares unit_path; for units the path itself is the scope.
    unit_path = None

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["code", "level"], name="unit_code_level_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_period",
            ),
        ]
        indexes = [
            models.Index(fields=["level", "valid_to"]),
            GinIndex(fields=["search_name"], name="unit_search_trgm", opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("structure:unit-detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.valid_to is None or self.valid_to >= timezone.localdate()

    @property
    def kind_label(self) -> str:
        """What the unit is, as people write it: "Phường", "Xã", "Ấp", "Khóm"… (the reference data writes
        the division type in lower case); the level when nothing more is known."""
        if self.village_kind:
            return str(self.get_village_kind_display())
        if self.division_type:
            return self.division_type[:1].upper() + self.division_type[1:]
        return str(self.get_level_display())

    @property
    def current(self) -> Unit:
        """Today's unit this one rolls up to (itself when still in force)."""
        unit = self
        seen = set()
        while unit.successor_id and unit.pk not in seen:
            seen.add(unit.pk)
            unit = unit.successor
        return unit

    def ancestors(self) -> list[Unit]:
        """Units above this one, top first (one query)."""
        parts = self.path.strip("/").split("/")
        prefixes = ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]
        by_path = {u.path: u for u in Unit.objects.filter(path__in=prefixes)}
        return [by_path[p] for p in prefixes if p in by_path]


class OrgKind(models.TextChoices):
    COMMISSION = "commission", _("Party mass-mobilisation commission")
    FRONT = "front", _("Fatherland Front")
    SOCIO_POLITICAL = "socio_political", _("Socio-political organisation")
    MASS_ASSOCIATION = "mass_association", _("Mass association")
    GOVERNMENT = "government", _("Government body")


@tracked
class OrgType(models.Model):
    """An organisation type, as data: the Front, the five socio-political organisations, associations…"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrgKind.choices)
    parent_type = models.ForeignKey(
        "self",
        verbose_name=_("usually under"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("The type of organisation this one usually sits under (e.g. the Front)."),
    )
    branch_label = models.CharField(
        _("name of its branches"), max_length=60, blank=True, help_text=_("e.g. chi hội, chi đoàn, tổ hội")
    )
    member_label = models.CharField(_("name of its members"), max_length=60, blank=True)
    has_members = models.BooleanField(_("has individual members"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("organisation type")
        verbose_name_plural = _("organisation types")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_branches(self) -> bool:
        """Whether its organisations have branches (chi hội, chi đoàn…): a type with members, or one that names
        its branches (the Front's "Ban công tác Mặt trận"). A People's Committee or a commission has none."""
        return self.has_members or bool(self.branch_label)


# The organisation types with branches (OrgType.has_branches), as a condition on an organisation's type.
HAS_BRANCHES = models.Q(type__has_members=True) | ~models.Q(type__branch_label="")


@tracked
class Organisation(ScopedModel):
    scope_org_field = "path"

    type = models.ForeignKey(
        OrgType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="organisations"
    )
    name = models.CharField(_("name"), max_length=255)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="organisations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=1, editable=False)
    search_name = models.CharField(max_length=255, db_index=True, editable=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        indexes = [GinIndex(fields=["search_name"], name="org_search_trgm", opclasses=["gin_trgm_ops"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("structure:organisation-detail", args=[self.pk])


class BranchKind(models.TextChoices):
    CHI_HOI = "chi_hoi", _("Branch (chi hội)")
    TO_HOI = "to_hoi", _("Group (tổ hội)")
    CHI_DOAN = "chi_doan", _("Youth branch (chi đoàn)")
    PHAN_HOI = "phan_hoi", _("Sub-association (phân hội)")
    CONG_DOAN_CO_SO = "cong_doan_co_so", _("Grassroots trade union (công đoàn cơ sở)")
    TO_CONG_DOAN = "to_cong_doan", _("Trade-union group (tổ công đoàn)")
    BAN_CONG_TAC_MAT_TRAN = "ban_cong_tac_mat_tran", _("Front working committee (ban công tác Mặt trận)")
    OTHER = "other", _("Other")


@tracked
class Branch(ScopedModel):
    scope_org_field = "path"

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="branches"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=BranchKind.choices)
    name = models.CharField(_("name"), max_length=255)
    unit = models.ForeignKey(
        Unit, verbose_name=_("located in"), on_delete=models.PROTECT, related_name="branches"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    search_name = models.CharField(max_length=255, db_index=True, editable=False)
    leader_name = models.CharField(_("leader"), max_length=120, blank=True)
    leader_phone = models.CharField(_("leader's phone"), max_length=30, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["path"]
        indexes = [GinIndex(fields=["search_name"], name="branch_search_trgm", opclasses=["gin_trgm_ops"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("structure:branch-detail", args=[self.pk])
