from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "danvan.members"
    label = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from danvan.core import demo as core_demo
        from danvan.core.navigation import NavItem, NavSection, register_section
        from danvan.members import demo

        register_section(
            NavSection(
                _("Members"),
                (
                    NavItem(
                        _("Member list"), "members:membership-list", "person-vcard", "members.view_membership"
                    ),
                    NavItem(_("Figures"), "members:figures", "bar-chart-line", "members.view_membership"),
                    NavItem(_("New member"), "members:register", "person-plus", "members.add_membership"),
                    NavItem(
                        _("Import members"),
                        "members:import",
                        "file-earmark-arrow-up",
                        "members.add_membership",
                    ),
                    NavItem(
                        _("Possible duplicates"), "members:duplicate-list", "people", "members.change_person"
                    ),
                ),
                order=20,
            )
        )
        # The demo province gets members with five years of history (danvan/members/demo.py).
        if demo.extend not in core_demo.EXTENSIONS:
            core_demo.EXTENSIONS.append(demo.extend)
        from danvan.core import home as core_home
        from danvan.members import home

        core_home.register(home.cards)
        from danvan.core import audit

        # the citizen ID's reads (services.person_citizen_id), by their name on the access log page
        audit.register_sensitive_field("members.Person", "citizen_id", _("Citizen ID"))
        from danvan.core import search
        from danvan.members import search_sources

        search.register(*search_sources.SOURCES)
