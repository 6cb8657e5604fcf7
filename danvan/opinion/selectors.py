"""Reads of the opinion module for every page. Each starts from ``Model.objects.visible_to(actor)``.

Dashboards read only ``DailyRollup`` (one row per day × commune × field): a province and a month is a few
thousand rows whatever the number of items. Figures over fewer items than the minimum group size are
suppressed (``privacy.suppress_small``): the page shows "fewer than N" instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate

from danvan.core.text import fold
from danvan.opinion.models import (
    OPEN_ISSUE_STATUSES,
    Alert,
    AlertRule,
    CollaboratorReport,
    Correction,
    DailyRollup,
    Forecast,
    Issue,
    Item,
    ModelVersion,
    OpinionSettings,
    Source,
)
from danvan.opinion.privacy import suppress_small


def field_names() -> dict[str, str]:
    """Taxonomy code → Vietnamese name (the shared ConcernField list), with the "not relevant" pseudo-field."""
    from django.utils.translation import gettext

    from danvan.cases.models import ConcernField

    names = dict(ConcernField.objects.values_list("code", "name"))
    names.setdefault("not_relevant", gettext("Not relevant"))
    return names


def visible_or_404(model, actor, pk: int, action: str = "view", *, related: tuple[str, ...] = ()):
    """The row ``pk`` of ``model`` if ``actor`` may see it for ``action``; 404 otherwise (nothing told)."""
    from django.http import Http404

    row = model.objects.visible_to(actor, action).select_related(*related).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


FIGURES = ("volume", "negative", "neutral", "positive", "reach", "toxic")


def _rollups(actor, *, start: dt.date, end: dt.date, unit_path: str = "", field: str = ""):
    qs = DailyRollup.objects.visible_to(actor).filter(day__gte=start, day__lte=end)
    if unit_path:
        qs = qs.filter(unit_path__startswith=unit_path)
    if field:
        qs = qs.filter(field=field)
    return qs


def _sums():
    return {name: Sum(name) for name in FIGURES}


def dashboard_totals(actor, *, start: dt.date, end: dt.date, unit_path: str = "", field: str = "") -> dict:
    row = _rollups(actor, start=start, end=end, unit_path=unit_path, field=field).aggregate(**_sums())
    row = {k: (v or 0) for k, v in row.items()}
    return suppress_small([row])[0]


def series_by_field(
    actor, *, start: dt.date, end: dt.date, unit_path: str = "", field: str = ""
) -> list[dict]:
    """Volume and sentiment per day and field: [{day, field, volume, negative, neutral, positive, ...}]."""
    rows = (
        _rollups(actor, start=start, end=end, unit_path=unit_path, field=field)
        .values("day", "field")
        .annotate(**_sums())
        .order_by("day", "field")
    )
    return suppress_small(rows)


def series_by_sentiment(
    actor, *, start: dt.date, end: dt.date, unit_path: str = "", field: str = ""
) -> list[dict]:
    """Per day over all fields: [{day, volume, negative, neutral, positive, reach, toxic, suppressed}]."""
    rows = (
        _rollups(actor, start=start, end=end, unit_path=unit_path, field=field)
        .values("day")
        .annotate(**_sums())
        .order_by("day")
    )
    return suppress_small(rows)


def totals_by_field(actor, *, start: dt.date, end: dt.date, unit_path: str = "") -> list[dict]:
    rows = (
        _rollups(actor, start=start, end=end, unit_path=unit_path)
        .values("field")
        .annotate(**_sums())
        .order_by("-volume")
    )
    return suppress_small(rows)


def commune_figures(
    actor, *, start: dt.date, end: dt.date, unit_path: str = "", field: str = ""
) -> list[dict]:
    """Per commune (for the map): [{unit_id, unit__code, unit__name, volume, negative, ..., negativity}]."""
    rows = (
        _rollups(actor, start=start, end=end, unit_path=unit_path, field=field)
        .values("unit_id", "unit__code", "unit__name")
        .annotate(**_sums())
        .order_by("unit__code")
    )
    out = []
    for row in suppress_small(rows):
        row["negativity"] = (
            round(row["negative"] / row["volume"], 3) if not row["suppressed"] and row["volume"] else None
        )
        out.append(row)
    return out


# An issue is a matter that several items speak of in one place: the grouping opens one for every item that
# joins none, and most stay at that one item (in the demo 4,599 of 5,166). The issue list, its export and the
# home card count the issues of at least this many items unless asked for fewer.
ISSUE_MIN_ITEMS = 2


def issues_for(
    actor,
    *,
    unit_path: str = "",
    field: str = "",
    status: str | list | None = None,
    min_items: int | None = None,
):
    qs = Issue.objects.visible_to(actor).select_related("unit", "responsible_unit")
    if min_items:
        qs = qs.filter(volume__gte=min_items)
    if unit_path:
        qs = qs.filter(unit_path__startswith=unit_path)
    if field:
        qs = qs.filter(field=field)
    if status == "open":
        qs = qs.filter(status__in=OPEN_ISSUE_STATUSES)
    elif isinstance(status, list | tuple):
        qs = qs.filter(status__in=status)
    elif status:
        qs = qs.filter(status=status)
    return qs


def issue_search(qs, words: str):
    """Issues whose title or summary has every word, accents optional ("duong lay loi" finds "Đường lầy
    lội")."""
    for word in fold(words).split()[:8]:
        qs = qs.filter(Q(title__unaccent__icontains=word) | Q(summary__unaccent__icontains=word))
    return qs


def top_issues(
    actor,
    *,
    limit: int = 10,
    since: dt.datetime | None = None,
    unit_path: str = "",
    field: str = "",
    seen_between: tuple[dt.date, dt.date] | None = None,
):
    """The highest-scoring open issues (at least the minimum group size of items); with ``seen_between``
    (a report's period), the issues that had items in that period, whatever their status now."""
    qs = issues_for(
        actor,
        unit_path=unit_path,
        field=field,
        status=None if seen_between else "open",
        min_items=OpinionSettings.get().min_group_size,
    )
    if since:
        qs = qs.filter(last_seen_at__gte=since)
    if seen_between:
        start, end = seen_between
        qs = qs.filter(last_seen_at__date__gte=start, first_seen_at__date__lte=end)
    return list(qs.order_by("-score", "-last_seen_at")[:limit])


def issue_timeline(actor, issue: Issue) -> list[dict]:
    """Items of the issue per day with their sentiment mix: [{day, volume, negative, neutral, positive, reach}]."""
    issue = Issue.objects.visible_to(actor).get(pk=issue.pk)
    rows = (
        Item.objects.filter(issue=issue)
        .annotate(day=TruncDate("published_at"))
        .values("day")
        .annotate(
            volume=Count("id"),
            negative=Count("id", filter=Q(sentiment="negative")),
            neutral=Count("id", filter=Q(sentiment="neutral")),
            positive=Count("id", filter=Q(sentiment="positive")),
            reach=Sum(F("reach")),
        )
        .order_by("day")
    )
    return list(rows)


def issue_items(actor, issue: Issue, *, limit: int = 50):
    return Item.objects.visible_to(actor).filter(issue=issue).order_by("-published_at", "-id")[:limit]


def representative_quotes(actor, issue: Issue, *, limit: int = 3) -> list[str]:
    """Short quotes without personal data: the texts of the issue's most engaged items (never the author)."""
    rows = (
        Item.objects.visible_to(actor)
        .filter(issue=issue, purged_at__isnull=True, duplicate_of_id__isnull=True)
        .exclude(text="")
        .order_by("-likes", "-shares", "-published_at")
        .values_list("text", flat=True)[: limit * 5]
    )
    quotes: dict[str, str] = {}  # one quote per distinct text (the same comment posted twice is one quote)
    for text in rows:
        quotes.setdefault(fold(" ".join(text.split())), text)
        if len(quotes) == limit:
            break
    return [t if len(t) <= 300 else t[:300].rsplit(" ", 1)[0] + "…" for t in quotes.values()]


def open_alerts(
    actor, *, unit_path: str = "", limit: int | None = None, days: tuple[dt.date, dt.date] | None = None
):
    """Alerts not yet acknowledged (with ``days``, those raised for a day of that period)."""
    qs = (
        Alert.objects.visible_to(actor)
        .filter(acknowledged_at__isnull=True)
        .select_related("unit", "issue", "rule")
        .order_by("-day", "-detected_at")
    )
    if unit_path:
        qs = qs.filter(unit_path__startswith=unit_path)
    if days:
        qs = qs.filter(day__range=days)
    return qs[:limit] if limit else qs


def alerts_for(actor, *, unit_path: str = "", acknowledged: bool | None = None):
    qs = Alert.objects.visible_to(actor).select_related("unit", "issue", "rule", "acknowledged_by")
    if unit_path:
        qs = qs.filter(unit_path__startswith=unit_path)
    if acknowledged is not None:
        qs = qs.filter(acknowledged_at__isnull=not acknowledged)
    return qs


def alert_rules(actor):
    return AlertRule.objects.visible_to(actor).select_related("unit")


def latest_forecast(actor, *, unit, field: str = "") -> Forecast | None:
    """The newest forecast of a unit (and field, "" = all fields) with its history."""
    return Forecast.objects.visible_to(actor).filter(unit=unit, field=field).order_by("-made_on").first()


def forecasts_for(actor, *, unit_path: str = "", field: str | None = None, made_on: dt.date | None = None):
    qs = Forecast.objects.visible_to(actor).select_related("unit")
    if unit_path:
        qs = qs.filter(unit_path__startswith=unit_path)
    if field is not None:
        qs = qs.filter(field=field)
    if made_on:
        qs = qs.filter(made_on=made_on)
    return qs.order_by("-made_on", "unit__code", "field")


def review_queue(actor, *, unit_path: str = "", field: str = "", min_uncertainty: float | None = None):
    """Analysed items whose labels no analyst confirmed yet, that the analyst may correct, most uncertain
    first (an item corrected on one label stays until its labels are confirmed)."""
    qs = Item.objects.visible_to(actor, "change").filter(analysed_at__isnull=False, reviewed_at__isnull=True)
    qs = qs.filter(purged_at__isnull=True)
    if unit_path:
        qs = qs.filter(unit_path__startswith=unit_path)
    if field:
        qs = qs.filter(field=field)
    if min_uncertainty is not None:
        qs = qs.filter(uncertainty__gte=min_uncertainty)
    return qs.select_related("source", "unit").order_by("-uncertainty", "-published_at", "-id")


def items_for(actor, *, source: Source | None = None, unit_path: str = ""):
    qs = Item.objects.visible_to(actor).select_related("source", "unit")
    if source is not None:
        qs = qs.filter(source=source)
    if unit_path:
        qs = qs.filter(unit_path__startswith=unit_path)
    return qs


def item_corrections(actor, item: Item):
    return Correction.objects.visible_to(actor).filter(item=item).select_related("analyst")


def sources_for(actor):
    return Source.objects.visible_to(actor).select_related("unit")


def collaborator_reports(actor):
    return CollaboratorReport.objects.visible_to(actor).select_related("unit", "village", "reporter")


def model_versions() -> list[ModelVersion]:
    return list(ModelVersion.objects.order_by("-trained_at"))


def active_model() -> dict[str, Any]:
    active = ModelVersion.objects.filter(status="active").first()
    if active is not None:
        return {"version": active.version, "card": active.card, "metrics": active.metrics, "row": active}
    from danvan.opinion.pipeline import active_analyzer

    analyzer = active_analyzer()
    return {"version": getattr(analyzer, "version", ""), "card": getattr(analyzer, "card", {}), "row": None}


# --- issue pages: responsible units, linked cases and dialogues -----------------------------------------


def responsible_unit_choices(actor, issue: Issue) -> list:
    """Units the actor may make responsible for ``issue``, a short list whatever the number of units: the
    issue's place and the units above it, the current responsible unit, and the communes of the actor's home
    unit (or of the issue's province) where the actor may change issues."""
    from danvan.core.scoping import has_scope_permission
    from danvan.structure.models import Unit

    place = issue.unit
    above = place.ancestors()
    home = getattr(actor, "home_unit", None)
    base = (
        home if home is not None and home.level in ("province", "commune") else (above[0] if above else place)
    )
    rows = [*above, place]
    if issue.responsible_unit_id and issue.responsible_unit not in rows:
        rows.append(issue.responsible_unit)
    communes = Unit.objects.filter(path__startswith=base.path, level="commune", valid_to__isnull=True)
    rows += list(communes.order_by("search_name")[:1000])
    if base.level == "commune" and base not in rows:
        rows.append(base)
    out, seen = [], set()
    for unit in rows:
        if unit.pk in seen:
            continue
        seen.add(unit.pk)
        if (
            unit.pk == issue.responsible_unit_id
            or issue.unit_path.startswith(unit.path)
            or has_scope_permission(actor, "opinion.change_issue", unit.path)
        ):
            out.append(unit)
    return out


def issue_cases(actor, issue: Issue) -> list:
    """The cases linked to ``issue`` that the actor may see (the others are not mentioned)."""
    from danvan.cases.models import Case

    return list(
        Case.objects.visible_to(actor).filter(pk__in=issue.cases.values("pk")).select_related("unit")
        .order_by("-pk")
    )  # fmt: skip


def issue_dialogues(actor, issue: Issue) -> list:
    from danvan.cases.models import Dialogue

    return list(
        Dialogue.objects.visible_to(actor).filter(pk__in=issue.dialogues.values("pk")).select_related("unit")
        .order_by("-held_on", "-pk")
    )  # fmt: skip


def case_by_reference(actor, reference: str):
    """The visible case whose reference (or tracking code) is ``reference``, or None."""
    from danvan.cases.models import Case

    reference = (reference or "").strip()
    if not reference:
        return None
    qs = Case.objects.visible_to(actor)
    return (
        qs.filter(reference__iexact=reference).first() or qs.filter(tracking_code__iexact=reference).first()
    )


def dialogue_choices(actor, issue: Issue, *, limit: int = 200) -> list:
    """Visible dialogues held in the issue's place or below it, newest first, not yet linked."""
    from danvan.cases.models import Dialogue

    return list(
        Dialogue.objects.visible_to(actor)
        .filter(unit_path__startswith=issue.unit_path)
        .exclude(pk__in=issue.dialogues.values("pk"))
        .select_related("unit")
        .order_by("-held_on", "-pk")[:limit]
    )


def merge_choices(actor, issue: Issue, *, limit: int = 100) -> list[Issue]:
    """The other issues of the issue's commune that the actor may change, the most recent first: where a
    matter that grouping split can be merged."""
    return list(
        Issue.objects.visible_to(actor, "change")
        .filter(unit_id=issue.unit_id)
        .exclude(pk=issue.pk)
        .order_by("-last_seen_at", "-pk")[:limit]
    )


# --- forecasts -------------------------------------------------------------------------------------------


def latest_forecasts(actor, *, unit) -> list[Forecast]:
    """The newest forecasts of ``unit`` (one per field, "" = all fields), all made on the same day."""
    qs = Forecast.objects.visible_to(actor).filter(unit=unit)
    made_on = qs.order_by("-made_on").values_list("made_on", flat=True).first()
    if made_on is None:
        return []
    return list(qs.filter(made_on=made_on).order_by("field"))


def forecast_week(forecast: Forecast) -> dict:
    """The expected volume of the forecast's horizon: the sums of the daily means and of the daily bounds
    (the bounds of the sum are wider than its 90 % interval: a cautious range), never below zero."""
    points = forecast.points or []
    return {
        "mean": max(0.0, sum(float(p.get("mean") or 0) for p in points)),
        "lower": max(0.0, sum(float(p.get("lower") or 0) for p in points)),
        "upper": max(0.0, sum(float(p.get("upper") or 0) for p in points)),
        "days": len(points),
    }


def daily_volume(actor, *, start: dt.date, end: dt.date, unit_path: str = "", field: str = "") -> list[dict]:
    """Every day from ``start`` to ``end`` with its volume from the rollups: [{day, volume, suppressed}]
    (a day without items has 0; a day with fewer items than the minimum group size has None)."""
    by_day = {
        r["day"]: r
        for r in series_by_sentiment(actor, start=start, end=end, unit_path=unit_path, field=field)
    }
    out = []
    for n in range((end - start).days + 1):
        day = start + dt.timedelta(days=n)
        row = by_day.get(day)
        out.append(
            {"day": day, "volume": row["volume"] if row else 0, "suppressed": bool(row and row["suppressed"])}
        )
    return out


def commission_of(unit):
    """The unit's mass-mobilisation commission (Ban Tuyên giáo và Dân vận): the body that reports on public
    opinion for a user who holds a role for the whole unit."""
    from danvan.structure.models import Organisation, OrgKind

    return (
        Organisation.objects.filter(unit=unit, is_active=True, type__kind=OrgKind.COMMISSION)
        .select_related("parent", "unit")
        .order_by("path")
        .first()
    )


def map_province_code(actor, *, unit_path: str = "") -> str:
    """The code of the province whose map (static/opinion/geo/<code>.json) the dashboard draws: that of
    ``unit_path``, else of the user's home unit, else of the first unit in the user's scope. Read without
    scoping on purpose: a commune's user cannot see the province row, but its code and outline are public
    (only the commune's own figures are coloured, and those come from the scoped rollups)."""
    from danvan.structure.models import Unit

    path = unit_path or getattr(actor, "home_unit_path", "") or ""
    if not path:
        first = Unit.objects.visible_to(actor).order_by("path").values_list("path", flat=True).first()
        path = first or ""
    if not path:
        return ""
    code = (
        Unit.objects.filter(path=path.split("/")[0] + "/", level="province")
        .values_list("code", flat=True)
        .first()
    )
    return code or ""


def forecast_history_now(forecast: Forecast) -> float:
    """The relevant items now counted over the days the forecast was fitted on (same unit subtree, field)."""
    days = [dt.date.fromisoformat(h["date"]) for h in forecast.history or []]
    if not days:
        return 0.0
    rows = DailyRollup.objects.filter(
        day__gte=min(days), day__lte=max(days), unit_path__startswith=forecast.unit_path
    )
    if forecast.field:
        rows = rows.filter(field=forecast.field)
    return float(rows.aggregate(n=Sum("volume"))["n"] or 0)


def forecast_is_stale(forecast: Forecast, *, now_total: float | None = None) -> bool:
    """Items of the fitted days arrived (or left) after the forecast was made: more than 5 % and 5 items."""
    then = float(sum(float(h.get("value") or 0) for h in forecast.history or []))
    now = forecast_history_now(forecast) if now_total is None else now_total
    return abs(now - then) > max(5.0, 0.05 * then)


METRIC_KEYS = ("field_accuracy", "field_macro_f1", "relevance_f1", "sentiment_weighted_f1")


def default_model_card() -> dict[str, Any]:
    """The shipped default bundle's card (read from its model_card.json, without loading the model): the
    version items show when no trained version is active, and its cross-validation figures."""
    import json

    from danvan.opinion.pipeline import DEFAULT_BUNDLE

    path = DEFAULT_BUNDLE / "model_card.json"
    if not path.exists():
        return {}
    card = json.loads(path.read_text(encoding="utf-8"))
    cv = card.get("cv") or {}
    figures = []
    for key in METRIC_KEYS:
        value = cv.get(key)
        mean = value.get("mean") if isinstance(value, dict) else value
        if mean is not None:
            figures.append(
                {"key": key, "mean": mean, "sd": value.get("sd") if isinstance(value, dict) else None}
            )
    return {"version": card.get("version", ""), "trained_at": card.get("trained_at", ""), "cv": figures,
            "sizes": card.get("sizes") or {}, "card": card}  # fmt: skip


def comparison_rows(version: ModelVersion) -> list[dict[str, Any]]:
    """The candidate's hold-out figures beside the active version's on the same items, metric by metric."""
    comparison = version.comparison if isinstance(version.comparison, dict) else {}
    current = comparison.get("current") or {}
    candidate = comparison.get("candidate") or version.metrics or {}
    delta = comparison.get("delta") or {}
    return [
        {"key": key, "current": current.get(key), "candidate": candidate.get(key), "delta": delta.get(key)}
        for key in METRIC_KEYS
        if candidate.get(key) is not None or current.get(key) is not None
    ]


def issue_period_figures(actor, issues, *, start: dt.date, end: dt.date) -> dict[int, dict[str, Any]]:
    """Each issue's items published within [start, end] (local days): volume, share negative and reach
    (as the rollups count it: the larger of the declared reach and likes + shares + comments), relevant
    items only. A briefing reports these, not the issue's lifetime totals."""
    from django.db.models import Case, IntegerField, Value, When
    from django.db.models.functions import Greatest

    from danvan.opinion.pipeline import TZ

    ids = [i.pk for i in issues]
    if not ids:
        return {}
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=TZ)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=TZ)
    rows = (
        Item.objects.visible_to(actor)
        .filter(issue_id__in=ids, published_at__gte=lo, published_at__lt=hi, relevant=True)
        .values("issue_id")
        .annotate(
            volume=Count("id"),
            negative=Sum(
                Case(When(sentiment="negative", then=Value(1)), default=Value(0), output_field=IntegerField())
            ),
            reach=Sum(Greatest(F("reach"), F("likes") + F("shares") + F("comments_count"))),
        )
    )
    out = {}
    for r in rows:
        out[r["issue_id"]] = {
            "volume": r["volume"],
            "negativity": (r["negative"] or 0) / r["volume"] if r["volume"] else None,
            "reach": r["reach"] or 0,
        }
    return out
