"""What the top bar's search finds in branch activities: meetings, cadres, training courses (registered
from ActivitiesConfig.ready())."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from danvan.activities.filters import CadreFilter, CourseFilter, MeetingFilter
from danvan.activities.models import Cadre, Meeting, TrainingCourse
from danvan.core.search import SearchHit, SearchSource, by_filterset


def _meeting(meeting: Meeting) -> SearchHit:
    return SearchHit(str(meeting), meeting.get_absolute_url(), str(meeting.get_kind_display()))


def _cadre(cadre: Cadre) -> SearchHit:
    detail = " · ".join(p for p in (cadre.position, cadre.organisation.name) if p)
    return SearchHit(cadre.full_name, cadre.get_absolute_url(), detail)


def _course(course: TrainingCourse) -> SearchHit:
    return SearchHit(
        course.title, course.get_absolute_url(), date_format(course.starts_on, "SHORT_DATE_FORMAT")
    )


SOURCES = [
    SearchSource(
        _("Branch meetings"),
        "activities:meeting-list",
        "activities.view_meeting",
        lambda user: Meeting.objects.visible_to(user).select_related("branch").order_by("-held_on", "-id"),
        by_filterset(MeetingFilter),
        _meeting,
        order=40,
    ),
    SearchSource(
        _("Cadres"),
        "activities:cadre-list",
        "activities.view_cadre",
        lambda user: (
            Cadre.objects.visible_to(user).select_related("organisation").order_by("full_name", "id")
        ),
        by_filterset(CadreFilter),
        _cadre,
        order=41,
    ),
    SearchSource(
        _("Training courses"),
        "activities:course-list",
        "activities.view_trainingcourse",
        lambda user: TrainingCourse.objects.visible_to(user).order_by("-starts_on", "-id"),
        by_filterset(CourseFilter),
        _course,
        order=42,
    ),
]
