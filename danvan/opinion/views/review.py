"""Opinion pages: the analysts' review queue, most uncertain first, with one keystroke per correction
(static/opinion/review.js: 1–9/0 field, n/u/p sentiment, r relevance, Enter accepts, arrows move)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from danvan.opinion.models import Sentiment
from danvan.opinion.selectors import field_names, review_queue

KEYS = "1234567890"
SENTIMENT_KEYS = {"n": Sentiment.NEGATIVE, "u": Sentiment.NEUTRAL, "p": Sentiment.POSITIVE}


def field_keys() -> list[tuple[str, str, str]]:
    """(key, code, name) for the fields, in the taxonomy's order; "0" is "not relevant" when space allows."""
    from danvan.cases.models import ConcernField

    fields = list(
        ConcernField.objects.filter(is_active=True).order_by("sort_order", "name").values_list("code", "name")
    )
    return [(KEYS[i], code, name) for i, (code, name) in enumerate(fields[:10])]


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
