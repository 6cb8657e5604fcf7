from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "danvan.activities"
    label = "activities"
    verbose_name = _("Grassroots activities")

    def ready(self) -> None:
        from danvan.core import demo as core_demo
        from danvan.core.navigation import NavItem, NavSection, register_section

        register_section(
            NavSection(
                _("Grassroots activities"),
                (
                    NavItem(_("Overview"), "activities:dashboard", "speedometer2", "activities.view_meeting"),
                    NavItem(
                        _("Laggards"), "activities:laggards", "exclamation-triangle", "activities.view_cadre"
                    ),
                    NavItem(
                        _("Branch meetings"), "activities:meeting-list", "people", "activities.view_meeting"
                    ),
                    NavItem(_("Cadres"), "activities:cadre-list", "person-badge", "activities.view_cadre"),
                    NavItem(
                        _("Attendance quotas"),
                        "activities:quota-list",
                        "sliders",
                        "activities.view_quotarule",
                    ),
                    NavItem(
                        _("Training"),
                        "activities:course-list",
                        "mortarboard",
                        "activities.view_trainingcourse",
                    ),
                ),
                order=30,
            )
        )
        # The demo province gets a year of meetings, attendances and training (danvan/activities/demo.py).
        from danvan.activities import demo

        if demo.extend not in core_demo.EXTENSIONS:
            core_demo.EXTENSIONS.append(demo.extend)
        from danvan.activities import search_sources
        from danvan.core import search

        search.register(*search_sources.SOURCES)
