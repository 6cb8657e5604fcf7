from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionConfig(AppConfig):
    name = "danvan.opinion"
    label = "opinion"
    verbose_name = _("Public opinion")

    def ready(self) -> None:
        # Navigation (navigation.py) and the demo extension (demo.py) register themselves when present.
        from importlib import import_module

        from danvan.core import demo as core_demo

        for module_name, hook in (("navigation", "register"), ("demo", "extend")):
            try:
                module = import_module(f"{self.name}.{module_name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{self.name}.{module_name}":
                    raise
                continue
            function = getattr(module, hook)
            if module_name == "demo":
                if function not in core_demo.EXTENSIONS:
                    core_demo.EXTENSIONS.append(function)
            else:
                function()
        from danvan.core import home as core_home
        from danvan.opinion import home

        core_home.register(home.cards)
        from danvan.core import search
        from danvan.opinion import search_sources

        search.register(*search_sources.SOURCES)
