"""Opinion pages: the analysts' review queue, most uncertain first, with one keystroke per correction
(static/opinion/review.js: 1–9, 0 then a, s, d, f, g, h… field, n/u/p sentiment, r relevance, Enter accepts,
arrows or j/k move)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from danvan.opinion.models import Sentiment
from danvan.opinion.selectors import field_names, review_queue

# the fields' keys: the digits, then letters that no other command of the queue uses (n u p r j k)
KEYS = "1234567890asdfghlqwetyiovbcmxz"
SENTIMENT_KEYS = {"n": Sentiment.NEGATIVE, "u": Sentiment.NEUTRAL, "p": Sentiment.POSITIVE}


def field_keys() -> list[tuple[str, str, str]]:
    """(key, code, name) for every active field, in the taxonomy's order: one keystroke each."""
    from danvan.cases.models import ConcernField

    fields = list(
        ConcernField.objects.filter(is_active=True).order_by("sort_order", "name").values_list("code", "name")
    )
    return [(KEYS[i], code, name) for i, (code, name) in enumerate(fields[: len(KEYS)])]


class ReviewView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm("opinion.add_correction"):
            raise PermissionDenied
        items = list(review_queue(request.user).defer("signature", "field_scores")[:25])
        fkeys = field_keys()
        names = field_names()
        for item in items:
            item.field_label = names.get(item.field, item.field or "—")
        context = {
            "items": items,
            "field_keys": fkeys,
            "sentiment_keys": [(k, v, Sentiment(v).label) for k, v in SENTIMENT_KEYS.items()],
            "page_title": _("Review queue"),
        }
        template = "opinion/review/_queue.html" if request.htmx else "opinion/review/queue.html"
        return render(request, template, context)


urlpatterns = [path("review/", ReviewView.as_view(), name="review")]
