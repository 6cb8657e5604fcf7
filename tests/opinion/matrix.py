"""In-scope and out-of-scope records of the opinion module for the scope matrix (tests/test_scope_matrix.py)."""

from __future__ import annotations

import datetime as dt

from danvan.opinion import partitions
from danvan.opinion.models import (
    Alert,
    AlertRule,
    CollaboratorReport,
    Correction,
    DailyRollup,
    Forecast,
    Issue,
    IssueNote,
    Item,
    ItemKey,
    Source,
    SourceKind,
)


def scoped_records(root, *, marks, units) -> dict:
    """{Model: (out of scope, in scope)} for every scoped opinion model; ``units`` are communes."""
    when = dt.datetime(2026, 11, 20, 3, tzinfo=dt.UTC)
    partitions.ensure_partitions(when)
    result: dict = {}
    for mark, unit in zip(marks, units, strict=True):
        path = unit.path
        source = Source.objects.create(name=f"Nguồn {mark}", kind=SourceKind.API, unit=unit, unit_path=path)
        issue = Issue.objects.create(
            title=f"Vụ việc {mark}",
            unit=unit,
            unit_path=path,
            field="infrastructure",
            first_seen_at=when,
            last_seen_at=when,
            volume=6,
        )
        item = Item.objects.create(
            source=source,
            external_id=f"x-{mark}",
            text=f"Đường ngập sâu {mark}",
            published_at=when,
            unit=unit,
            unit_path=path,
            commune=unit,
            relevant=True,
            field="infrastructure",
            sentiment="negative",
            analysed_at=when,
            uncertainty=0.9,
            issue=issue,
        )
        ItemKey.objects.create(
            source=source, external_id=item.external_id, item_id=item.pk, published_at=when
        )
        correction = Correction.objects.create(item=item, analyst=root, what="sentiment", new="negative")
        note = IssueNote.objects.create(issue=issue, author=root, text=f"Ghi chú {mark}")
        rule = AlertRule.objects.create(name=f"Quy tắc {mark}", unit=unit, unit_path=path)
        alert = Alert.objects.create(
            rule=rule,
            unit=unit,
            unit_path=path,
            field="infrastructure",
            day=when.date(),
            observed=30,
            baseline=2,
            threshold=9,
            reason=f"Tăng đột biến {mark}",
        )
        forecast = Forecast.objects.create(
            unit=unit, unit_path=path, field="infrastructure", made_on=when.date(), points=[], history=[]
        )
        rollup = DailyRollup.objects.create(
            day=when.date(), unit=unit, unit_path=path, field="infrastructure", volume=6, negative=6
        )
        report = CollaboratorReport.objects.create(
            reporter=root, unit=unit, unit_path=path, what_people_say=f"Bà con nói {mark}", item=item
        )
        for model, obj in (
            (Source, source),
            (Issue, issue),
            (Item, item),
            (Correction, correction),
            (IssueNote, note),
            (AlertRule, rule),
            (Alert, alert),
            (Forecast, forecast),
            (DailyRollup, rollup),
            (CollaboratorReport, report),
        ):
            result.setdefault(model, []).append(obj)
    return {model: tuple(objs) for model, objs in result.items()}
