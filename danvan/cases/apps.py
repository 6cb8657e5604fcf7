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
        from django.utils.translation import pgettext_lazy

        from danvan.core import audit

        # what the access log's rows written by services.py mean
        audit.register_sensitive_field("cases.Case", "denouncer_identity", _("Denouncer's identity"))
        audit.register_purpose("moved with the transferred case", pgettext_lazy("case", "Transfer"))
        audit.register_purpose("document", _("Confidential document #%(id)s"), numbered=True)
        audit.register_purpose(
            "confidential documents moved with the transferred case",
            _("Confidential documents moved with the transferred case"),
        )
        from django.utils.text import format_lazy

        from danvan.cases.models import LetterKind

        for kind in LetterKind:  # services.case_letter_generate writes "letter <kind>"
            audit.register_purpose(f"letter {kind.value}", format_lazy(_("Letter: {kind}"), kind=kind.label))
        from danvan.cases import search_sources
        from danvan.core import search

        search.register(*search_sources.SOURCES)
        from danvan.activities import services as activities_services
        from danvan.cases import services

        # issues raised at branch meetings are sent on as cases (activities cannot import cases)
        if services.meeting_issue_to_case not in activities_services.ISSUE_FORWARDERS:
            activities_services.ISSUE_FORWARDERS.append(services.meeting_issue_to_case)
