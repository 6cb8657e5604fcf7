import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from danvan.members.models import Membership, Status

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle mb-0 members-table"}
STATUS_BADGE = {
    Status.ACTIVE: "text-bg-success",
    Status.TRANSFERRED: "text-bg-info",
    Status.LEFT: "text-bg-secondary",
    Status.DECEASED: "text-bg-dark",
    Status.EXPELLED: "text-bg-danger",
}


class MembershipTable(tables.Table):
    # The page is sorted by ``selectors.member_page`` and the exports by the view's queryset (the same order).
    name = tables.Column(verbose_name=_("Full name"), accessor="person__full_name", orderable=False)
    birth = tables.Column(verbose_name=_("Born"), accessor="person__birth_display", orderable=False)
    sex = tables.Column(verbose_name=_("Sex"), orderable=False)
    ethnicity = tables.Column(verbose_name=_("Ethnicity"), accessor="person__ethnicity_name", orderable=False)
    citizen_id = tables.Column(
        verbose_name=_("Citizen ID"), accessor="person__citizen_id_masked", orderable=False
    )
    branch = tables.Column(verbose_name=_("Branch"), accessor="branch__name", orderable=False)
    org_type = tables.Column(verbose_name=_("Organisation"), accessor="org_type__short_name", orderable=False)
    member_number = tables.Column(verbose_name=_("Member number"), orderable=False)
    # the date of joining the organisation (kept across transfers), then the start of the stay in the branch
    admitted_on = tables.DateColumn(verbose_name=_("Joined on"), format="d/m/Y", orderable=False)
    joined_on = tables.DateColumn(verbose_name=_("In the branch since"), format="d/m/Y", orderable=False)
    status = tables.Column(verbose_name=_("Status"), orderable=False)
    left_on = tables.DateColumn(verbose_name=_("Left on"), format="d/m/Y", orderable=False)

    class Meta:
        model = Membership
        fields = (
            "name",
            "birth",
            "sex",
            "ethnicity",
            "citizen_id",
            "branch",
            "org_type",
            "member_number",
            "admitted_on",
            "joined_on",
            "status",
            "left_on",
        )
        attrs = TABLE_ATTRS

    def render_name(self, record, value):
        return format_html('<a href="{}">{}</a>', record.person.get_absolute_url(), value)

    def value_name(self, record, value):
        return value

    def value_birth(self, record, value):
        # a real date in the exports (a year alone when only the year is known), not the page's text
        return record.person.birth_date or record.person.birth_year

    def render_status(self, record, value):
        return format_html('<span class="badge {}">{}</span>', STATUS_BADGE.get(record.status, ""), value)

    def value_status(self, record, value):
        return value
