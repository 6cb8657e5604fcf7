import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from danvan.practices.models import Award, Practice

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}


class StatusColumn(tables.Column):
    def render(self, value, record):
        return format_html(
            '<span class="badge badge-status-{}">{}</span>', record.status, record.get_status_display()
        )

    def value(self, value, record):
        return record.get_status_display()


class PracticeTable(tables.Table):
    code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(verbose_name=_("Name"), linkify=True, attrs={"td": {"class": "fw-semibold"}})
    field = tables.Column(verbose_name=_("Field"))
    level = tables.Column(verbose_name=_("Level"))
    owner_name = tables.Column(verbose_name=_("Owner"), visible=False)
    organisation = tables.Column(
        verbose_name=_("Organisation"), accessor="organisation__name", visible=False, default=""
    )
    unit = tables.Column(verbose_name=_("Unit"), accessor="unit__name")
    status = StatusColumn(verbose_name=_("Status"))
    registered_on = tables.DateColumn(verbose_name=_("Registered on"), format="d/m/Y")
    recognised_on = tables.DateColumn(verbose_name=_("Recognised on"), format="d/m/Y", default="—")
    recognition_no = tables.Column(verbose_name=_("Decision"), default="", visible=False)
    origin = tables.Column(
        verbose_name=_("Replicated from"), accessor="origin__name", default="", visible=False
    )
    people_reached = tables.Column(verbose_name=_("People reached"), default="", visible=False)
    started_on = tables.DateColumn(verbose_name=_("Started on"), format="d/m/Y", visible=False)
    problem = tables.Column(verbose_name=_("Problem it solved"), visible=False)
    description = tables.Column(verbose_name=_("Description"), visible=False)

    class Meta:
        model = Practice
        fields = (
            "code",
            "name",
            "field",
            "level",
            "owner_name",
            "organisation",
            "unit",
            "status",
            "registered_on",
            "recognised_on",
            "recognition_no",
            "origin",
            "people_reached",
            "started_on",
            "problem",
            "description",
        )
        attrs = TABLE_ATTRS
        order_by = ("-registered_on",)


class AwardTable(tables.Table):
    awarded_on = tables.DateColumn(verbose_name=_("Awarded on"), format="d/m/Y", linkify=True)
    title = tables.Column(verbose_name=_("Award"))
    recipient_name = tables.Column(verbose_name=_("Recipient's name"))
    recipient_kind = tables.Column(verbose_name=_("Recipient"))
    level = tables.Column(verbose_name=_("Level"))
    practice = tables.Column(verbose_name=_("Model"), linkify=True, default="—")
    decision_no = tables.Column(verbose_name=_("Decision number"))
    issuer = tables.Column(verbose_name=_("Awarded by"))

    class Meta:
        model = Award
        fields = (
            "awarded_on",
            "title",
            "recipient_name",
            "recipient_kind",
            "level",
            "practice",
            "decision_no",
            "issuer",
        )
        attrs = TABLE_ATTRS
