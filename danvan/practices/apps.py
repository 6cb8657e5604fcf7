from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "danvan.practices"
    label = "practices"
    verbose_name = _("Skilful mobilisation models")

    def ready(self) -> None:
        from danvan.core import demo as core_demo
        from danvan.core.navigation import NavItem, NavSection, register_section

        register_section(
            NavSection(
                _("“Dân vận khéo”"),
                (
                    NavItem(
                        _("Catalogue of models"),
                        "practices:practice-list",
                        "stars",
                        "practices.view_practice",
                    ),
                    NavItem(_("Figures"), "practices:figures", "bar-chart", "practices.view_practice"),
                    NavItem(_("Awards"), "practices:award-list", "award", "practices.view_award"),
                ),
                order=35,
            )
        )
        from danvan.practices import demo

        if demo.extend not in core_demo.EXTENSIONS:
            core_demo.EXTENSIONS.append(demo.extend)
        from danvan.core import search
        from danvan.practices import search_sources

        search.register(*search_sources.SOURCES)
