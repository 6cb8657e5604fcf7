from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

EMPTY_CHOICE = _("— Choose —")


class CoreConfig(AppConfig):
    name = "danvan.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        # Django's empty choice of a select is the untranslatable "---------": every form of the platform
        # (model fields with choices and foreign keys) shows the Vietnamese prompt instead. A form that sets
        # its own ``empty_label`` ("Tất cả"…) keeps it.
        from django.db.models import fields
        from django.forms import models

        fields.BLANK_CHOICE_DASH[:] = [("", EMPTY_CHOICE)]
        models.ModelChoiceField.__init__.__kwdefaults__["empty_label"] = EMPTY_CHOICE
