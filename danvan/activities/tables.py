import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from danvan.activities.models import (
    Attendance,
    Cadre,
    Meeting,
    MeetingIssue,
    QuotaReminder,
    QuotaRule,
    TrainingCourse,
)

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}


NUMBER_ATTRS = {"th": {"class": "text-end"}, "td": {"class": "text-end"}}


class MeetingTable(tables.Table):
    held_on = tables.DateColumn(verbose_name=_("Date"), format="d/m/Y", linkify=True)
    # The branch names keep a readable width (they were squeezed to a word a line beside the topics); the
    # topics are cut to one line, whole on hover; the counts are right-aligned.
    branch = tables.Column(
        verbose_name=_("Branch"), accessor="branch__name", attrs={"td": {"style": "min-width: 9rem"}}
    )
    unit = tables.Column(
        verbose_name=_("Place"), accessor="unit__name", attrs={"td": {"class": "text-nowrap"}}
    )
    kind = tables.Column(verbose_name=_("Kind"))
    topics = tables.Column(
        verbose_name=_("Topics"),
        attrs={
            "td": {
                "class": "text-truncate",
                "style": "max-width: 13rem",
                "title": lambda record: record.topics,
            }
        },
    )
    members_present = tables.Column(verbose_name=_("Present"), attrs=NUMBER_ATTRS)
    members_total = tables.Column(verbose_name=_("Members"), attrs=NUMBER_ATTRS)
    cadre_count = tables.Column(verbose_name=_("Cadres attending"), attrs=NUMBER_ATTRS)

    class Meta:
        model = Meeting
        fields = (
            "held_on",
            "branch",
            "unit",
            "kind",
            "topics",
            "members_present",
            "members_total",
            "cadre_count",
        )
        attrs = TABLE_ATTRS
        order_by = ("-held_on",)


class AttendanceTable(tables.Table):
    held_on = tables.DateColumn(
        verbose_name=_("Date"), format="d/m/Y", linkify=lambda record: record.meeting.get_absolute_url()
    )
    cadre = tables.Column(verbose_name=_("Cadre"), linkify=True)
    organisation = tables.Column(verbose_name=_("Cadre's organisation"), accessor="organisation__name")
    level = tables.Column(verbose_name=_("Level"))
    branch = tables.Column(verbose_name=_("Branch"), accessor="branch__name")
    contribution = tables.Column(
        verbose_name=_("Contribution"), attrs={"td": {"class": "text-truncate", "style": "max-width: 18rem"}}
    )
    undertakings = tables.Column(
        verbose_name=_("Undertook to solve"),
        attrs={"td": {"class": "text-truncate", "style": "max-width: 18rem"}},
    )

    class Meta:
        model = Attendance
        fields = ("held_on", "cadre", "organisation", "level", "branch", "contribution", "undertakings")
        attrs = TABLE_ATTRS
        order_by = ("-held_on",)


class CadreTable(tables.Table):
    full_name = tables.Column(verbose_name=_("Full name"), linkify=True)
    position = tables.Column(verbose_name=_("Position"))
    organisation = tables.Column(verbose_name=_("Organisation"), accessor="organisation__name")
    level = tables.Column(verbose_name=_("Level"))
    role = tables.Column(verbose_name=_("Role"))
    user = tables.Column(verbose_name=_("Account"), accessor="user__username")
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta:
        model = Cadre
        fields = ("full_name", "position", "organisation", "level", "role", "user", "is_active")
        attrs = TABLE_ATTRS


class IssueTable(tables.Table):
    summary = tables.Column(verbose_name=_("Issue"), linkify=True)
    meeting = tables.Column(
        verbose_name=_("Meeting"), linkify=lambda record: record.meeting.get_absolute_url()
    )
    raised_by = tables.Column(verbose_name=_("Raised by"))
    status = tables.Column(verbose_name=_("Status"))
    case_reference = tables.Column(verbose_name=_("Case reference"))
    created_at = tables.DateColumn(verbose_name=_("Recorded on"), format="d/m/Y")

    class Meta:
        model = MeetingIssue
        fields = ("summary", "meeting", "raised_by", "status", "case_reference", "created_at")
        attrs = TABLE_ATTRS


class QuotaRuleTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"))
    unit = tables.Column(verbose_name=_("Applies in"), accessor="unit__name")
    org_type = tables.Column(verbose_name=_("Organisation type"), default="—")
    level = tables.Column(verbose_name=_("Level"), default="—")
    role = tables.Column(verbose_name=_("Role"), default="—")
    meetings_required = tables.Column(verbose_name=_("Meetings"))
    period = tables.Column(verbose_name=_("Per"))
    valid_from = tables.DateColumn(verbose_name=_("Valid from"), format="d/m/Y")
    valid_to = tables.DateColumn(verbose_name=_("Valid until"), format="d/m/Y", default="—")
    reference = tables.Column(verbose_name=_("Legal basis"))

    class Meta:
        model = QuotaRule
        fields = (
            "name",
            "unit",
            "org_type",
            "level",
            "role",
            "meetings_required",
            "period",
            "valid_from",
            "valid_to",
            "reference",
        )
        attrs = TABLE_ATTRS
        order_by = ("unit", "name")

    def render_name(self, value, record):
        """A link to the edit page only for those who may change the rule (rules from above are read-only)."""
        from django.utils.html import format_html

        from danvan.core.scoping import has_scope_permission

        request = getattr(self, "request", None)
        if request is not None and has_scope_permission(
            request.user, "activities.change_quotarule", record.unit_path
        ):
            return format_html('<a href="{}">{}</a>', record.get_absolute_url(), value)
        return value


class ReminderTable(tables.Table):
    cadre = tables.Column(verbose_name=_("Cadre"), linkify=True)
    organisation = tables.Column(verbose_name=_("Organisation"), accessor="cadre__organisation__name")
    period_kind = tables.Column(verbose_name=_("Period"))
    period_start = tables.DateColumn(verbose_name=_("Period start"), format="d/m/Y")
    attended = tables.Column(verbose_name=_("Attended"))
    required = tables.Column(verbose_name=_("Required"))
    emailed = tables.BooleanColumn(verbose_name=_("Sent by e-mail"))
    sent_at = tables.DateTimeColumn(verbose_name=_("Sent at"), format="d/m/Y H:i")

    class Meta:
        model = QuotaReminder
        fields = (
            "cadre",
            "organisation",
            "period_kind",
            "period_start",
            "attended",
            "required",
            "emailed",
            "sent_at",
        )
        attrs = TABLE_ATTRS


class CourseTable(tables.Table):
    title = tables.Column(verbose_name=_("Topic"), linkify=True)
    kind = tables.Column(verbose_name=_("Kind"))
    organiser = tables.Column(verbose_name=_("Organiser"), accessor="organiser__name")
    level = tables.Column(verbose_name=_("Level"))
    starts_on = tables.DateColumn(verbose_name=_("From"), format="d/m/Y")
    ends_on = tables.DateColumn(verbose_name=_("To"), format="d/m/Y")
    hours = tables.Column(verbose_name=_("Hours"))
    participants = tables.Column(
        verbose_name=_("Participants"), accessor="n_participants", orderable=False, default=0
    )

    class Meta:
        model = TrainingCourse
        fields = ("title", "kind", "organiser", "level", "starts_on", "ends_on", "hours", "participants")
        attrs = TABLE_ATTRS
