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

        _cache_table_signatures()


def _cache_table_signatures() -> None:
    """django-tables2 inspects the signature of a column's render/value function for every cell it renders
    or exports (``utils.signature``: ``inspect.signature`` each time, ~90 µs): the signatures are computed
    once per function instead. A list export of 5,000 members spent half its time there (bench/core)."""
    from functools import lru_cache

    from django_tables2 import utils

    if getattr(utils.signature, "cached", False):
        return
    original = utils.signature

    @lru_cache(maxsize=4096)
    def _of(function, bound: bool):
        return original(function.__get__(object()) if bound else function)

    def signature(fn):
        function = getattr(fn, "__func__", None)  # a bound method: cached by its function
        try:
            return _of(function, True) if function is not None else _of(fn, False)
        except TypeError:  # not hashable
            return original(fn)

    signature.cached = True
    signature.original = original  # for bench/core, which measures both
    utils.signature = signature
