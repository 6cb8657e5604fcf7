"""Writes of the opinion module (ingestion is in ingestion.py): corrections, issues, alerts, forecasts,
settings, retraining, promotion and rollback of model versions. Keyword-only, permission-checked, atomic."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.core.jobs import LONG_QUEUE
from danvan.core.scoping import has_scope_permission
from danvan.core.services import job_start
from danvan.core.text import clean
from danvan.opinion import pipeline
from danvan.opinion.models import (
    NOT_RELEVANT,
    OPEN_ISSUE_STATUSES,
    Alert,
    AlertRule,
    AlertTarget,
    Correction,
    DailyRollup,
    Forecast,
    Issue,
    IssueNote,
    IssueStatus,
    Item,
    ModelStatus,
    ModelVersion,
    OpinionSettings,
    Sentiment,
)

logger = logging.getLogger(__name__)


def _require(actor, perm: str, unit_path: str = "") -> None:
    if not has_scope_permission(actor, perm, unit_path):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _require_global(actor, perm: str) -> None:
    """Permissions on rows without a place (model versions, settings): held anywhere, or superuser."""
    from danvan.core.scoping import user_scopes

    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("You do not have permission to do this here."))
    if actor.is_superuser or user_scopes(actor, perm):
        return
    raise PermissionDenied(_("You do not have permission to do this here."))


# --- corrections ---------------------------------------------------------------------------------------

FIELD_CODES: set[str] | None = None


def field_codes() -> set[str]:
    from danvan.cases.models import ConcernField

    codes = set(ConcernField.objects.values_list("code", flat=True))
    return codes | {NOT_RELEVANT}


@transaction.atomic
def item_correct(*, actor, item: Item, what: str, value: Any) -> Correction:
    """An analyst corrects one label (field, sentiment, relevant, unit) of an item. The correction wins over
    every later model run and becomes a training label; the item's issue and rollups follow at once."""
    _require(actor, "opinion.add_correction", item.unit_path)
    item = Item.objects.select_for_update().get(pk=item.pk)
    if what == "field":
        new = str(value)
        if new not in field_codes():
            raise ValidationError(_("Unknown field."))
        previous = item.field
    elif what == "sentiment":
        new = str(value)
        if new not in Sentiment.values:
            raise ValidationError(_("Unknown sentiment."))
        previous = item.sentiment
    elif what == "relevant":
        flag = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        new, previous = ("1" if flag else "0"), ("1" if item.relevant else "0")
    elif what == "unit":
        from danvan.structure.models import Unit

        unit = value if isinstance(value, Unit) else Unit.objects.filter(pk=value).first()
        if unit is None or not has_scope_permission(actor, "opinion.add_correction", unit.path):
            raise ValidationError(_("Choose a place within your scope."))
        new, previous = str(unit.pk), str(item.unit_id)
    else:
        raise ValidationError(_("This label cannot be corrected."))
    correction = Correction.objects.create(item=item, analyst=actor, what=what, previous=previous, new=new)
    before = {item.pk: (pipeline._group_key(item), item.issue_id, pipeline._rollup_key(item))}
    item.corrected = True
    pipeline.finish_items([item], before=before)
    Item.objects.filter(pk=item.pk).update(corrected=True)
    return correction


def _labels_needed(item: Item) -> list[tuple[str, str]]:
    """The labels an analyst confirms on an item, with their current values (field and sentiment only when
    the item is relevant)."""
    out = [("relevant", "1" if item.relevant else "0")]
    if item.relevant:
        out += [("field", item.field or NOT_RELEVANT), ("sentiment", item.sentiment or Sentiment.NEUTRAL)]
    return out


@transaction.atomic
def item_confirm(*, actor, item: Item) -> list[Correction]:
    """The analyst confirms the item's labels as they now are (the review queue's Enter): each label not yet
    corrected gets a correction with its current value (so a later model run keeps it), the item leaves the
    queue and becomes a training label. Returns the corrections written (for undo)."""
    _require(actor, "opinion.add_correction", item.unit_path)
    item = Item.objects.select_for_update().get(pk=item.pk)
    done = set(Correction.objects.filter(item_id=item.pk).values_list("what", flat=True))
    written = [
        item_correct(actor=actor, item=item, what=what, value=value)
        for what, value in _labels_needed(item)
        if what not in done
    ]
    Item.objects.filter(pk=item.pk).update(reviewed_at=timezone.now(), corrected=True, uncertainty=0)
    return written


@transaction.atomic
def item_undo(*, actor, item: Item, corrections: list[int], unconfirm: bool = False) -> Item:
    """Undo the analyst's own last keystrokes on an item: their corrections are deleted (the label goes back
    to the previous correction, else to the model's), and ``unconfirm`` puts the item back in the queue.
    Corrections already used to train a model stay (they are part of that model's record)."""
    _require(actor, "opinion.add_correction", item.unit_path)
    item = Item.objects.select_for_update().get(pk=item.pk)
    rows = Correction.objects.filter(item_id=item.pk, pk__in=corrections, analyst=actor, used_in_model="")
    if len(set(corrections)) != rows.count():
        raise ValidationError(_("This correction can no longer be undone."))
    rows.delete()
    left = Correction.objects.filter(item_id=item.pk).exists()
    update: dict[str, Any] = {"corrected": left}
    if unconfirm:
        update["reviewed_at"] = None
    Item.objects.filter(pk=item.pk).update(**update)
    pipeline.analyse_items([item.pk], force=True)
    item.refresh_from_db()
    return item


# --- issues --------------------------------------------------------------------------------------------


@transaction.atomic
def issue_update(
    *,
    actor,
    issue: Issue,
    status: str | None = None,
    responsible_unit=None,
    clear_responsible_unit: bool = False,
    title: str | None = None,
    summary: str | None = None,
    note: str = "",
    cases: list | None = None,
    dialogues: list | None = None,
) -> Issue:
    """Change an issue's status, responsible unit, title or summary, add a note, link cases and dialogues.

    ``cases`` and ``dialogues`` are the complete lists the actor wants linked: every row newly linked must be
    visible to the actor (else nothing changes); links to rows the actor cannot see are kept as they are.
    Each link and unlink is written as a note of the issue (row history records who and when)."""
    _require(actor, "opinion.change_issue", issue.unit_path)
    from danvan.cases.models import Case, Dialogue

    case_change = dialogue_change = None
    if cases is not None:
        case_change = _link_change(
            actor,
            issue.cases,
            Case,
            cases,
            _("The case %(name)s is not within your scope; it was not linked."),
        )
    if dialogues is not None:
        dialogue_change = _link_change(
            actor,
            issue.dialogues,
            Dialogue,
            dialogues,
            _("The dialogue %(name)s is not within your scope; it was not linked."),
        )
    changes = []
    if status is not None:
        if status not in IssueStatus.values:
            raise ValidationError(_("Unknown status."))
        if status != issue.status:
            changes.append(
                _("Status: %(old)s → %(new)s.")
                % {"old": IssueStatus(issue.status).label, "new": IssueStatus(status).label}
            )
        issue.status = status
    if clear_responsible_unit:
        issue.responsible_unit = None
    elif responsible_unit is not None:
        if not has_scope_permission(actor, "opinion.change_issue", responsible_unit.path) and not (
            issue.unit_path.startswith(responsible_unit.path)
        ):
            raise ValidationError(_("Choose a responsible unit within your scope."))
        if responsible_unit.pk != issue.responsible_unit_id:
            changes.append(_("Responsible unit: %(name)s.") % {"name": responsible_unit.name})
        issue.responsible_unit = responsible_unit
    if title is not None:
        title = clean(title)
        if not title:
            raise ValidationError(_("An issue needs a title."))
        issue.title = title[:500]
    if summary is not None:
        issue.summary = clean(summary)
    issue.save()
    if changes:  # the issue's handling is read from its notes: who changed its status or owner, and when
        IssueNote.objects.create(issue=issue, author=actor, text=" ".join(str(c) for c in changes))
    if note:
        issue_note_add(actor=actor, issue=issue, text=note)
    if case_change is not None:
        _apply_links(
            actor,
            issue,
            issue.cases,
            case_change,
            _("Linked the case %(name)s."),
            _("Unlinked the case %(name)s."),
        )
    if dialogue_change is not None:
        _apply_links(
            actor,
            issue,
            issue.dialogues,
            dialogue_change,
            _("Linked the dialogue %(name)s."),
            _("Unlinked the dialogue %(name)s."),
        )
    return issue


@transaction.atomic
def issue_merge(*, actor, issue: Issue, into: Issue) -> Issue:
    """Merge ``issue`` into ``into`` (one matter that grouping split): its items, notes, alerts and links to
    cases and dialogues move to ``into``, whose keyword profile takes ``issue``'s words, and ``issue`` is
    deleted. Both must be issues of the same commune that the actor may change. An alert that ``into``
    already has for the same rule and day is not copied."""
    _require(actor, "opinion.change_issue", issue.unit_path)
    _require(actor, "opinion.change_issue", into.unit_path)
    if issue.pk == into.pk:
        raise ValidationError(_("An issue cannot be merged into itself."))
    if issue.unit_id != into.unit_id:
        raise ValidationError(_("Only issues of the same commune can be merged."))
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    into = Issue.objects.select_for_update().get(pk=into.pk)
    moved = Item.objects.filter(issue=issue).update(issue=into)
    IssueNote.objects.filter(issue=issue).update(issue=into)
    taken = set(into.alerts.values_list("rule_id", "unit_id", "field", "day"))
    for alert in issue.alerts.all():
        if (alert.rule_id, alert.unit_id, alert.field, alert.day) not in taken:
            alert.issue = into
            alert.save(update_fields=["issue"])
    into.cases.add(*issue.cases.all())
    into.dialogues.add(*issue.dialogues.all())
    profile = Counter(into.keywords or {})
    profile.update(issue.keywords or {})
    into.keywords = pipeline.stored_profile(profile)
    into.save(update_fields=["keywords", "updated_at"])
    title, old_pk = issue.title, issue.pk
    issue.delete()
    pipeline.rescore_issues([into.pk])
    IssueNote.objects.create(
        issue=into,
        author=actor,
        text=_("Merged the issue “%(title)s” (%(items)d items) into this one.")
        % {"title": title, "items": moved},
    )
    logger.info("issue %s merged into %s (%s items)", old_pk, into.pk, moved)
    into.refresh_from_db()
    return into


def _link_label(row) -> str:
    return getattr(row, "reference", "") or str(row)


def _link_change(actor, manager, model, wanted, refused: str) -> tuple[list, list]:
    """(rows to link, rows to unlink) of one many-to-many of an issue; refuses a row the actor cannot see."""
    current = {row.pk: row for row in manager.all()}
    visible = set(
        model.objects.visible_to(actor).filter(pk__in=[r.pk for r in wanted]).values_list("pk", flat=True)
    )
    wanted_pks = set()
    for row in wanted:
        if row.pk not in current and row.pk not in visible:
            raise ValidationError(refused % {"name": _link_label(row)})
        wanted_pks.add(row.pk)
    seen = set(model.objects.visible_to(actor).filter(pk__in=list(current)).values_list("pk", flat=True))
    add = [row for row in wanted if row.pk not in current]
    remove = [row for pk, row in current.items() if pk not in wanted_pks and pk in seen]
    return add, remove


def _apply_links(actor, issue: Issue, manager, change: tuple[list, list], linked: str, unlinked: str) -> None:
    add, remove = change
    if add:
        manager.add(*add)
    if remove:
        manager.remove(*remove)
    notes = [IssueNote(issue=issue, author=actor, text=linked % {"name": _link_label(r)}) for r in add]
    notes += [IssueNote(issue=issue, author=actor, text=unlinked % {"name": _link_label(r)}) for r in remove]
    for note in notes:
        note.save()  # one by one: the row history trigger records each with the request's user


@transaction.atomic
def issue_note_add(*, actor, issue: Issue, text: str) -> IssueNote:
    _require(actor, "opinion.add_issuenote", issue.unit_path)
    text = clean(text)
    if not text:
        raise ValidationError(_("The note is empty."))
    return IssueNote.objects.create(issue=issue, author=actor, text=text)


# --- alerts --------------------------------------------------------------------------------------------


@dataclass
class AlertReport:
    rules: int = 0
    series: int = 0
    created: int = 0
    emailed: int = 0
    alerts: list[int] = field(default_factory=list)


def _field_name(code: str) -> str:
    from danvan.cases.models import ConcernField

    if not code:
        return "mọi lĩnh vực"
    name = ConcernField.objects.filter(code=code).values_list("name", flat=True).first()
    return name or code


def _fmt(value: float) -> str:
    return (
        f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else f"{value:.1f}".replace(".", ",")
    )


def alert_reason(*, what: str, place: str, day: dt.date, observed: float, baseline: float, threshold: float,
                 baseline_days: int, window_days: int, negative_only: bool) -> str:  # fmt: skip
    """The reason shown with an alert (Vietnamese, data): what rose, where, against which baseline."""
    span = f"ngày {day:%d/%m/%Y}" if window_days <= 1 else f"{window_days} ngày đến {day:%d/%m/%Y}"
    kind = "ý kiến tiêu cực" if negative_only else "ý kiến"
    return (
        f"Số {kind} về {what} tại {place} trong {span} là {_fmt(observed)}, tăng đột biến so với mức nền "
        f"{_fmt(baseline)} (trung vị {baseline_days} ngày trước đó); ngưỡng cảnh báo {_fmt(threshold)}."
    )


def _series(rows: dict[dt.date, float], start: dt.date, end: dt.date) -> list[float]:
    days = (end - start).days + 1
    return [float(rows.get(start + dt.timedelta(days=i), 0.0)) for i in range(days)]


def _windowed(values: list[float], window: int) -> list[float]:
    if window <= 1:
        return values
    out, acc = [], 0.0
    for i, v in enumerate(values):
        acc += v
        if i >= window:
            acc -= values[i - window]
        out.append(acc)
    return out


def _evaluate(values: list[float], rule: AlertRule) -> tuple[bool, float, float, float]:
    """(fires, observed, baseline, threshold) for the last bucket of ``values``."""
    from danvan.nlp.bursts import robust_zscores

    values = _windowed(values, rule.window_days)
    baseline, scale, z = robust_zscores(
        values, window=rule.baseline_days, min_periods=min(7, rule.baseline_days)
    )
    observed = values[-1]
    b, s, zz = float(baseline[-1]), float(scale[-1]), float(z[-1])
    if math.isnan(b) or math.isnan(zz):
        return False, observed, 0.0, 0.0
    threshold = b + rule.sensitivity * s
    return (
        (zz >= rule.sensitivity and observed >= rule.min_volume),
        observed,
        round(b, 3),
        round(threshold, 3),
    )


def alerts_detect(*, day: dt.date | None = None, rules=None, notify: bool = True) -> AlertReport:
    """Run every active rule for ``day`` (default: today): one alert per (rule, unit, field, issue, day)."""
    from danvan.structure.models import Unit

    day = day or timezone.localdate()
    report = AlertReport()
    rules = list(rules if rules is not None else AlertRule.objects.filter(is_active=True))
    for rule in rules:
        report.rules += 1
        start = day - dt.timedelta(days=rule.baseline_days + rule.window_days + 1)
        found: list[tuple[int, str, Issue | None, tuple[bool, float, float, float]]] = []
        if rule.target == AlertTarget.FIELD_UNIT:
            qs = DailyRollup.objects.filter(
                unit_path__startswith=rule.unit_path, day__gte=start, day__lte=day
            )
            if rule.field:
                qs = qs.filter(field=rule.field)
            metric = "negative" if rule.negative_only else "volume"
            series: dict[tuple[int, str], dict[dt.date, float]] = defaultdict(dict)
            for unit_id, code, d, v in qs.values_list("unit_id", "field", "day", metric):
                series[(unit_id, code)][d] = v
            for (unit_id, code), rows in series.items():
                report.series += 1
                if rows.get(day, 0) < rule.min_volume and rule.window_days <= 1:
                    continue
                found.append((unit_id, code, None, _evaluate(_series(rows, start, day), rule)))
        else:
            issues = Issue.objects.filter(
                unit_path__startswith=rule.unit_path,
                status__in=OPEN_ISSUE_STATUSES,
                last_seen_at__date__gte=day - dt.timedelta(days=rule.window_days + 1),
            )
            if rule.field:
                issues = issues.filter(field=rule.field)
            for issue in issues:
                report.series += 1
                items = Item.objects.filter(issue=issue, published_at__date__gte=start)
                if rule.negative_only:
                    items = items.filter(sentiment=Sentiment.NEGATIVE)
                rows = dict(
                    items.annotate(d=TruncDate("published_at"))
                    .values("d")
                    .annotate(n=Count("id"))
                    .values_list("d", "n")
                )
                found.append((issue.unit_id, issue.field, issue, _evaluate(_series(rows, start, day), rule)))
        for unit_id, code, issue, (fires, observed, baseline, threshold) in found:
            if not fires:
                continue
            unit = Unit.objects.get(pk=unit_id)
            what = f"vụ việc “{issue.title}”" if issue else f"lĩnh vực {_field_name(code)}"
            reason = alert_reason(
                what=what,
                place=unit.name,
                day=day,
                observed=observed,
                baseline=baseline,
                threshold=threshold,
                baseline_days=rule.baseline_days,
                window_days=rule.window_days,
                negative_only=rule.negative_only,
            )
            alert, created = Alert.objects.get_or_create(
                rule=rule,
                unit=unit,
                field=code,
                issue=issue,
                day=day,
                defaults={
                    "unit_path": unit.path,
                    "observed": observed,
                    "baseline": baseline,
                    "threshold": threshold,
                    "reason": reason,
                },
            )
            if created:
                report.created += 1
                report.alerts.append(alert.pk)
                if notify and rule.notify_email:
                    report.emailed += alert_notify(alert=alert)
    return report


def alert_recipients(alert: Alert):
    """The responsible unit's users: active users who may see opinion alerts, with an assignment at the
    alert's unit or one of the units above it (commune, province)."""
    from danvan.accounts.models import RoleAssignment, User

    path = alert.unit_path
    if alert.issue_id and alert.issue.responsible_unit_id:
        path = alert.issue.responsible_unit.path
    prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
    rows = RoleAssignment.objects.active_on(timezone.localdate()).filter(
        role__permissions__codename="view_alert",
        role__permissions__content_type__app_label="opinion",
        unit_path__in=prefixes,
    )
    return User.objects.filter(pk__in=rows.values("user_id"), is_active=True).order_by("pk")


def alert_notify(*, alert: Alert) -> int:
    """E-mail the alert to its recipients (the in-app list is the alert list itself)."""
    emails = [u.email for u in alert_recipients(alert) if u.email]
    if not emails:
        return 0
    link = ""
    base = getattr(settings, "DANVAN_BASE_URL", "")
    if base:
        link = f"\n\n{base.rstrip('/')}/opinion/alerts/"
    send_mail(
        _("Dân Vận Số: public opinion alert"),
        alert.reason + link,
        None,
        emails,
        fail_silently=True,
    )
    Alert.objects.filter(pk=alert.pk).update(emailed_at=timezone.now())
    return len(emails)


@transaction.atomic
def alert_acknowledge(*, actor, alert: Alert) -> Alert:
    _require(actor, "opinion.acknowledge_alert", alert.unit_path)
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = actor, timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert


RULE_FIELDS = (
    "name",
    "field",
    "target",
    "sensitivity",
    "min_volume",
    "window_days",
    "baseline_days",
    "negative_only",
    "notify_email",
    "is_active",
)


def _rule_validate(data: dict[str, Any]) -> None:
    if data.get("sensitivity") is not None and not 0.5 <= float(data["sensitivity"]) <= 20:
        raise ValidationError(_("The sensitivity must be between 0.5 and 20."))
    if data.get("baseline_days") is not None and not 7 <= int(data["baseline_days"]) <= 365:
        raise ValidationError(_("The baseline must cover 7 to 365 days."))
    if data.get("window_days") is not None and not 1 <= int(data["window_days"]) <= 30:
        raise ValidationError(_("The window must be 1 to 30 days."))
    if data.get("field") and data["field"] not in field_codes():
        raise ValidationError(_("Unknown field."))


@transaction.atomic
def alertrule_create(*, actor, unit, **data: Any) -> AlertRule:
    _require(actor, "opinion.add_alertrule", unit.path)
    _rule_validate(data)
    values = {k: v for k, v in data.items() if k in RULE_FIELDS}
    values["name"] = clean(values.get("name", "")) or _("Rule")
    return AlertRule.objects.create(unit=unit, unit_path=unit.path, created_by=actor, **values)


@transaction.atomic
def alertrule_update(*, actor, rule: AlertRule, unit=None, **data: Any) -> AlertRule:
    _require(actor, "opinion.change_alertrule", rule.unit_path)
    _rule_validate(data)
    if unit is not None:
        _require(actor, "opinion.change_alertrule", unit.path)
        rule.unit, rule.unit_path = unit, unit.path
    for key, value in data.items():
        if key in RULE_FIELDS:
            setattr(rule, key, clean(value) if key == "name" else value)
    rule.save()
    return rule


# --- forecasts -----------------------------------------------------------------------------------------


@dataclass
class ForecastReport:
    made: int = 0
    skipped: int = 0


def forecasts_make(*, on: dt.date | None = None, history_days: int = 56, horizon: int = 7, min_total: int = 10,
                   units=None) -> ForecastReport:  # fmt: skip
    """For every province and commune with enough relevant items, per field and over all fields: a 7-day
    forecast of the daily volume with a 90 % interval (ETS, danvan.nlp.forecast) and its back-test error."""
    from danvan.nlp.bursts import backtest, forecast
    from danvan.structure.models import Unit

    on = on or timezone.localdate()
    start = on - dt.timedelta(days=history_days)
    end = on - dt.timedelta(days=1)
    report = ForecastReport()
    rows = DailyRollup.objects.filter(day__gte=start, day__lte=end)
    by_commune: dict[tuple[int, str], dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    path_of: dict[int, str] = {}
    for unit_id, path, code, d, volume in rows.values_list("unit_id", "unit_path", "field", "day", "volume"):
        path_of[unit_id] = path
        province = path.split("/", 1)[0] + "/"
        for key in ((unit_id, code), (unit_id, ""), (province, code), (province, "")):
            by_commune[key][d] += volume  # type: ignore[index]
    provinces = {
        p: u
        for p, u in Unit.objects.filter(level="province", valid_to__isnull=True).values_list("path", "id")
    }
    wanted_units = {u.pk for u in units} if units is not None else None
    for (unit_key, code), series in by_commune.items():
        unit_id = provinces.get(unit_key) if isinstance(unit_key, str) else unit_key
        if unit_id is None or (wanted_units is not None and unit_id not in wanted_units):
            continue
        values = _series(series, start, end)
        if sum(values) < min_total:
            report.skipped += 1
            continue
        result = forecast(values, horizon=horizon, seasonal_periods=7)
        try:
            bt = backtest(values, horizon=horizon, seasonal_periods=7, origins=3)
        except ValueError:
            bt = {}
        bt = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in bt.items()}
        points = [
            {
                "date": (on + dt.timedelta(days=i)).isoformat(),
                "mean": result.mean[i],
                "lower": result.lower[i],
                "upper": result.upper[i],
            }
            for i in range(horizon)
        ]
        history = [
            {"date": (start + dt.timedelta(days=i)).isoformat(), "value": v} for i, v in enumerate(values)
        ]
        path = unit_key if isinstance(unit_key, str) else path_of[unit_id]
        Forecast.objects.update_or_create(
            unit_id=unit_id,
            field=code,
            made_on=on,
            defaults={
                "unit_path": path,
                "horizon": horizon,
                "history": history,
                "points": points,
                "method": result.model,
                "backtest_error": bt.get("mae"),
                "backtest": bt,
                "made_at": timezone.now(),
            },
        )
        report.made += 1
    return report


def forecasts_refresh(*, on: dt.date | None = None) -> ForecastReport:
    """Make again the forecasts of ``on`` (today) whose history changed since they were made: items are
    back-dated (the cases' and meetings' flows, imports of older posts), so a forecast made in the morning
    may predate most of its own history (audit #9). Checked on the all-fields forecast of each unit; a stale
    unit gets all its fields made again."""
    from danvan.opinion import selectors

    on = on or timezone.localdate()
    stale = [
        f.unit_id
        for f in Forecast.objects.filter(made_on=on, field="").only(
            "unit_id", "unit_path", "field", "history"
        )
        if selectors.forecast_is_stale(f)
    ]
    if not stale:
        return ForecastReport()
    from danvan.structure.models import Unit

    return forecasts_make(on=on, units=list(Unit.objects.filter(pk__in=stale)))


# --- settings ------------------------------------------------------------------------------------------

SETTINGS_FIELDS = (
    "min_group_size",
    "retention_days",
    "grouping_window_days",
    "grouping_similarity",
    "duplicate_threshold",
    "review_uncertainty",
)


@transaction.atomic
def settings_update(*, actor, **data: Any) -> OpinionSettings:
    _require_global(actor, "opinion.change_opinionsettings")
    row = OpinionSettings.get()
    if "min_group_size" in data and not 1 <= int(data["min_group_size"]) <= 100:
        raise ValidationError(_("The smallest group must be between 1 and 100."))
    if "retention_days" in data and not 30 <= int(data["retention_days"]) <= 3650:
        raise ValidationError(_("Raw text must be kept between 30 and 3,650 days."))
    for key, value in data.items():
        if key in SETTINGS_FIELDS:
            setattr(row, key, value)
    row.updated_by = actor
    row.save()
    return row


# --- model versions ------------------------------------------------------------------------------------


def models_dir() -> Path:
    return Path(
        getattr(settings, "DANVAN_OPINION_MODELS_DIR", Path(settings.BASE_DIR) / "var" / "models" / "opinion")
    )


def analyst_records(*, exclude_version: str = "") -> list[dict[str, Any]]:
    """The analysts' labels as training records: the item's text with its final (corrected) labels."""
    # Only items whose labels an analyst confirmed (``reviewed_at``): a single correction leaves the other
    # labels the model's, unchecked, and they must not be learnt as the analysts' word.
    ids = Correction.objects.values_list("item_id", flat=True).distinct()
    out = []
    reviewed = Item.objects.filter(pk__in=ids, reviewed_at__isnull=False, purged_at__isnull=True)
    for item in reviewed.exclude(text=""):
        record = {
            "id": f"item-{item.pk}",
            "text": item.text,
            "title": item.title,
            "field": item.field or NOT_RELEVANT,
            "sentiment": item.sentiment or Sentiment.NEUTRAL,
            "relevant": bool(item.relevant),
        }
        out.append(record)
    return out


def _base_records() -> list[dict[str, Any]]:
    import json

    path = Path(settings.BASE_DIR) / "data" / "opinion" / "train.jsonl"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# Long jobs of the module (a retrain takes minutes, a reanalysis of every item longer) run on their own
# procrastinate queue, so that a worker of the other queues keeps taking users' imports and exports meanwhile.
# The deployment starts a worker for it (``procrastinate worker --queues opinion_long``) besides the worker of
# ``default,opinion``; a worker started without --queues takes every queue.
def can_retrain(actor) -> bool:
    """Retraining changes the models of the whole platform: only a province-level holder of
    ``opinion.add_modelversion`` (the province's opinion analysts, system administrators) or a superuser may
    start it; a commune's analyst corrects labels, which the next retrain uses."""
    from danvan.core.scoping import user_scopes

    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    return any(
        scope.unit_path.count("/") <= 1 and scope.org_path is None  # "86/" is a province, "86/28756/" not
        for scope in user_scopes(actor, "opinion.add_modelversion")
    )


def retrain_start(*, actor):
    """Start the retraining job (shipped set + analysts' labels → a candidate ModelVersion), on the long-jobs
    queue; province-level analysts and administrators only (``can_retrain``)."""
    if not can_retrain(actor):
        raise PermissionDenied(_("Only a province-level analyst or administrator may retrain the models."))
    return job_start(
        queue=LONG_QUEUE, actor=actor, kind="opinion.retrain", title=_("Retrain the opinion models")
    )


def retrain(
    *,
    actor=None,
    out_dir: Path | None = None,
    base_records: list[dict[str, Any]] | None = None,
    **options: Any,
) -> ModelVersion:
    """Train a candidate with ``danvan.nlp.opinion.retrain`` and store it with its card, hold-out metrics and
    comparison with the active version (``base_records``: the shipped set unless given, e.g. a test's slice).

    The engine returns ``(bundle dir, report)``; the row is named after the bundle's own version
    (``opinion-<hash>``), the name the items carry in ``model_version``, so an item leads back to its row."""
    import json

    from danvan.nlp import opinion as nlp_opinion  # type: ignore[attr-defined]

    stamp = timezone.now().strftime("op-%Y%m%d-%H%M%S")
    out_dir = out_dir or models_dir() / stamp
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    records = analyst_records()
    active = ModelVersion.objects.filter(status=ModelStatus.ACTIVE).first()
    current = active.path if active and active.path and Path(active.path).exists() else None
    if current is None and pipeline.DEFAULT_BUNDLE.exists():
        current = str(pipeline.DEFAULT_BUNDLE)
    base = _base_records() if base_records is None else list(base_records)
    result = nlp_opinion.retrain(base, records, str(out_dir), current=current, **options)
    if isinstance(result, tuple):
        path, report = result
    else:  # a mapping (an engine returning its report with the path in it)
        report = dict(result or {})
        path = report.get("path") or out_dir
    report = dict(report or {})
    path = Path(path)
    card: dict[str, Any] = {}
    if (path / "model_card.json").exists():
        card = json.loads((path / "model_card.json").read_text(encoding="utf-8"))
    card = card or dict(report.get("card") or {})
    version = str(report.get("candidate_version") or card.get("version") or report.get("version") or stamp)
    metrics = dict(report.get("candidate") or report.get("metrics") or {})
    comparison = dict(report.get("comparison") or {})
    if not comparison and ("current" in report or "delta" in report):
        comparison = {
            "current_version": report.get("current_version") or (active.version if active else ""),
            "current": report.get("current"),
            "candidate": report.get("candidate"),
            "delta": report.get("delta"),
            "better": report.get("better"),
            "holdout_n": report.get("holdout_n"),
            "train_n": report.get("train_n"),
        }
    fields = {"path": str(path), "card": card, "metrics": metrics, "comparison": comparison,
              "trained_by": actor if actor is not None and getattr(actor, "pk", None) else None,
              "labels_used": len(records)}  # fmt: skip
    candidate, created = ModelVersion.objects.get_or_create(
        version=version, defaults={**fields, "status": ModelStatus.CANDIDATE}
    )
    if not created:  # the same data trained the same bundle again (same hash): refresh its figures
        for key, value in fields.items():
            setattr(candidate, key, value)
        candidate.save(update_fields=list(fields))
    Correction.objects.filter(used_in_model="").update(used_in_model=candidate.version)
    return candidate


def _reprocess_start(actor) -> None:
    job_start(queue=LONG_QUEUE, actor=actor, kind="opinion.reprocess", title=_("Analyse every item again"))


@transaction.atomic
def model_promote(*, actor, version: ModelVersion) -> ModelVersion:
    """Make a candidate (or a retired version) the active one; every item is analysed again."""
    _require_global(actor, "opinion.promote_modelversion")
    if version.status == ModelStatus.ACTIVE:
        return version
    if version.status == ModelStatus.REJECTED:
        raise ValidationError(_("A rejected version cannot be promoted."))
    ModelVersion.objects.filter(status=ModelStatus.ACTIVE).update(status=ModelStatus.RETIRED)
    version.status, version.promoted_by, version.promoted_at = ModelStatus.ACTIVE, actor, timezone.now()
    version.save(update_fields=["status", "promoted_by", "promoted_at"])
    _reprocess_start(actor)
    return version


@transaction.atomic
def model_reject(*, actor, version: ModelVersion) -> ModelVersion:
    _require_global(actor, "opinion.promote_modelversion")
    if version.status != ModelStatus.CANDIDATE:
        raise ValidationError(_("Only a candidate can be rejected."))
    version.status = ModelStatus.REJECTED
    version.save(update_fields=["status"])
    return version


@transaction.atomic
def model_rollback(*, actor) -> ModelVersion | None:
    """Retire the active version and bring back the one active before it (or the shipped default when
    there is none); every item is analysed again."""
    _require_global(actor, "opinion.promote_modelversion")
    active = ModelVersion.objects.filter(status=ModelStatus.ACTIVE).first()
    if active is None:
        raise ValidationError(_("No version is active: the shipped default models are in use."))
    previous = (
        ModelVersion.objects.filter(status=ModelStatus.RETIRED, promoted_at__isnull=False)
        .exclude(pk=active.pk)
        .order_by("-promoted_at")
        .first()
    )
    active.status = ModelStatus.RETIRED
    active.save(update_fields=["status"])
    if previous is not None:
        previous.status, previous.promoted_by, previous.promoted_at = (
            ModelStatus.ACTIVE,
            actor,
            timezone.now(),
        )
        previous.save(update_fields=["status", "promoted_by", "promoted_at"])
    _reprocess_start(actor)
    return previous


# --- retention -----------------------------------------------------------------------------------------


def retention_purge() -> int:
    from danvan.opinion.privacy import purge_old_text

    return purge_old_text()


def issue_volume_by_day(issue: Issue) -> list[tuple[dt.date, int]]:
    rows = (
        Item.objects.filter(issue=issue)
        .annotate(d=TruncDate("published_at"))
        .values("d")
        .annotate(n=Count("id"), r=Sum("reach"))
        .order_by("d")
    )
    return [(r["d"], r["n"]) for r in rows]
