from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StructureConfig(AppConfig):
    name = "danvan.structure"
    label = "structure"
    verbose_name = _("Administrative structure")

    def ready(self) -> None:
        from danvan.core import search
        from danvan.structure import search_sources

        search.register(*search_sources.SOURCES)
