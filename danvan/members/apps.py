from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "danvan.members"
    label = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        # The demo province gets members with five years of history (danvan/members/demo.py).
        from danvan.core import demo as core_demo
        from danvan.members import demo

        if demo.extend not in core_demo.EXTENSIONS:
            core_demo.EXTENSIONS.append(demo.extend)
