from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "danvan.cases"
    label = "cases"
    verbose_name = _("Citizens' cases and dialogue")

    def ready(self) -> None:
        from danvan.cases import demo, reference
        from danvan.cases.navigation import register
        from danvan.core import demo as core_demo

        post_migrate.connect(reference.on_post_migrate, sender=self, dispatch_uid="cases.seed_reference")
        register()
        # The demo province gets a few thousand cases, dialogues and reception sessions (demo.py).
        if demo.extend not in core_demo.EXTENSIONS:
            core_demo.EXTENSIONS.append(demo.extend)
        from danvan.cases import home
        from danvan.core import home as core_home

        core_home.register(home.cards)
