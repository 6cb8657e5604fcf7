import django_tables2 as tables
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from danvan.accounts.models import Role, RoleAssignment, User

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}


class UserTable(tables.Table):
    username = tables.Column(
        linkify=("accounts:user-detail", {"pk": tables.A("pk")}), verbose_name=_("Username")
    )
    full_name = tables.Column(verbose_name=_("Full name"))
    email = tables.Column(verbose_name=_("E-mail address"))
    position = tables.Column(verbose_name=_("Position"))
    home_unit = tables.Column(verbose_name=_("Unit"))
    is_active = tables.BooleanColumn(verbose_name=_("Active"))
    last_login = tables.DateTimeColumn(verbose_name=_("Last sign-in"), format="d/m/Y H:i")

    class Meta:
        model = User
        fields = ("username", "full_name", "email", "position", "home_unit", "is_active", "last_login")
        attrs = TABLE_ATTRS


class AssignmentTable(tables.Table):
    user = tables.Column(
        linkify=("accounts:user-detail", {"pk": tables.A("user_id")}), verbose_name=_("User")
    )
    role = tables.Column(
        linkify=("accounts:role-detail", {"pk": tables.A("role_id")}), verbose_name=_("Role")
    )
    unit = tables.Column(verbose_name=_("Unit"))
    organisation = tables.Column(verbose_name=_("Organisation"))
    valid_from = tables.DateColumn(format="d/m/Y", verbose_name=_("Valid from"))
    valid_to = tables.DateColumn(format="d/m/Y", verbose_name=_("Valid until"))
    status = tables.Column(verbose_name=_("Status"), empty_values=(), orderable=False)

    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "unit", "organisation", "valid_from", "valid_to", "status")
        attrs = TABLE_ATTRS

    def render_status(self, record):
        today = timezone.localdate()
        if record.valid_to is not None and record.valid_to < today:
            return _("Ended")
        if record.valid_from > today:
            return _("Upcoming")
        return _("Current")


class RoleTable(tables.Table):
    name = tables.Column(linkify=("accounts:role-detail", {"pk": tables.A("pk")}), verbose_name=_("Name"))
    code = tables.Column(verbose_name=_("Code"))
    requires_2fa = tables.BooleanColumn(verbose_name=_("Requires a second factor"))
    permissions = tables.Column(verbose_name=_("Permissions"), orderable=False, empty_values=())

    class Meta:
        model = Role
        fields = ("name", "code", "requires_2fa", "permissions")
        attrs = TABLE_ATTRS

    def render_permissions(self, record):
        return len(record.permissions.all())
