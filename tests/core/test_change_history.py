"""The change history reads as Vietnamese for an official: fields by their names, records by their names
(not their ids), local dates and times, Có/Không, choices by their labels; read in a few queries per page,
whatever the number of rows. Machine bookkeeping (an opinion source's cursor and polling state) is not in it."""

from __future__ import annotations

from datetime import date

import pghistory
import pytest
from django.utils import timezone, translation
from pghistory.models import MiddlewareEvents

from danvan.core.audit import describe_change
from tests.factories import superuser

pytestmark = pytest.mark.django_db


def test_values_read_as_an_official_reads_them():
    from danvan.opinion.models import Source
    from danvan.structure.models import Branch, Unit

    with translation.override("vi"):
        assert describe_change(Branch, "is_active", [True, False]) == "đang hoạt động: Có → Không"
        assert describe_change(Unit, "valid_to", ["2026-12-17", None]) == "hiệu lực đến ngày: 17/12/2026 → —"
        # a time in UTC in the history is shown in local time (UTC+7), to the minute
        change = describe_change(Source, "flagged_at", [None, "2026-12-08T03:28:21.82638+00:00"])
        assert change.endswith(": — → 08/12/2026 10:28")
        assert describe_change(Source, "kind", ["rss", "file"]).endswith(": Nguồn RSS/Atom → Nhập từ tệp")
        names = {("structure.Unit", "7"): "Ấp Phú Hòa"}
        assert describe_change(Unit, "successor_id", [None, 7], names).endswith(": — → Ấp Phú Hòa")
        assert describe_change(Unit, "successor_id", [None, 8], names).endswith(": — → #8")  # gone since
        assert describe_change(Unit, "population", [1200, 10500]).endswith(": 1.200 → 10.500")


def test_the_history_page_names_people_and_records_in_vietnamese(client, demo_world, monkeypatch):
    from danvan.activities import services as activities
    from danvan.structure import services as structure

    w = demo_world
    root = superuser()
    monkeypatch.setattr(activities, "ISSUE_FORWARDERS", [lambda *, actor, issue: (4242, "2026-004242")])
    meeting = activities.meeting_create(actor=root, branch=w.branches["women_va"], held_on=date(2026, 2, 10))
    issue = activities.issue_add(actor=root, meeting=meeting, summary="Cầu khỉ xuống cấp")
    officer = w.users["officer_ca"]
    with pghistory.context(user=officer.pk, url="/test"):
        activities.issue_forward(actor=officer, issue=issue)
        structure.branch_set_active(actor=root, branch=w.branches["farmers_va"], active=False)
    client.force_login(w.users["admin_a"])
    with translation.override("vi"):
        body = client.get("/audit/?pgh_obj_model=activities.MeetingIssue").content.decode()
        assert "trạng thái: Ghi nhận là kiến nghị → Đã chuyển thành vụ việc của công dân" in body
        assert f"người chuyển: — → {officer}" in body
        assert (
            "forwarded by" not in body and f"→ {officer.pk}<" not in body and f"→ {officer.pk};" not in body
        )
        body = client.get("/audit/?pgh_obj_model=structure.Branch").content.decode()
        assert "đang hoạt động: Có → Không" in body and "True" not in body
        csv = b"".join(
            client.get("/audit/?pgh_obj_model=activities.MeetingIssue&export=csv").streaming_content
        ).decode("utf-8-sig")
        assert f"người chuyển: — → {officer}" in csv


def test_the_names_are_read_per_page_not_per_row(client, demo_world, django_assert_max_num_queries):
    from danvan.structure import services as structure

    w = demo_world
    root = superuser()
    client.force_login(w.users["admin_a"])

    made = []

    def change_successor(times):
        for _i in range(times):
            made.append(len(made))
            i = made[-1]
            user = w.users["officer_ca" if i % 2 else "admin_a"]
            with pghistory.context(user=user.pk, url="/test"):
                village = structure.village_create(
                    actor=root, commune=w.commune_a, name=f"Ấp Mới {i}", village_kind="ap"
                )
                structure.unit_deactivate(actor=root, unit=village, successor=w.village_a)

    def queries(times):
        change_successor(times)
        with django_assert_max_num_queries(40) as captured:
            body = client.get("/audit/?pgh_obj_model=structure.Unit").content.decode()
        assert f"→ {w.village_a.name}" in body  # the successor by its name, not its id
        return [q["sql"] for q in captured.captured_queries]

    few = queries(1)
    many = queries(6)
    assert len(many) == len(few), "\n".join(q[:300] for q in many)


def test_an_opinion_sources_cursor_and_polling_state_are_not_history():
    from danvan.opinion import ingestion
    from danvan.opinion.models import SOURCE_BOOKKEEPING, Source, SourceKind
    from danvan.structure.models import Unit

    unit = Unit.objects.filter(level="commune").first() or Unit.objects.first()
    flow = ingestion.channel_source(SourceKind.MEETINGS, unit)
    feed = Source.objects.create(name="Báo tỉnh", kind=SourceKind.RSS, unit=unit, unit_path=unit.path)
    upload = Source.objects.create(name="Tệp", kind=SourceKind.FILE, unit=unit, unit_path=unit.path)

    def events(source):
        return MiddlewareEvents.objects.filter(pgh_obj_model="opinion.Source", pgh_obj_id=str(source.pk))

    before = {s.pk: events(s).count() for s in (flow, feed, upload)}
    ingestion._advance(SourceKind.MEETINGS, 2391)  # the flow's cursor moves on every run
    Source.objects.filter(pk=feed.pk).update(
        etag='"abc"', last_polled_at=timezone.now(), next_poll_at=timezone.now(), failure_count=2
    )
    assert {s.pk: events(s).count() for s in (flow, feed, upload)} == before
    # what people change is still history: a name, a file source's column mapping
    Source.objects.filter(pk=feed.pk).update(name="Báo Vĩnh Long")
    Source.objects.filter(pk=upload.pk).update(column_mapping={"text": "Nội dung"})
    assert events(feed).count() == before[feed.pk] + 1
    assert events(upload).count() == before[upload.pk] + 1
    # every other field of a source is tracked (a new one must be sorted into one list or the other)
    tracked = {f.name for f in Source.pgh_event_model._meta.fields if not f.name.startswith("pgh_")}
    model_fields = {f.name for f in Source._meta.fields}
    assert tracked == model_fields - set(SOURCE_BOOKKEEPING)


def test_records_named_after_a_related_record_cost_no_query_each(
    client, demo_world, django_assert_max_num_queries
):
    """A meeting is named by its branch and day: the page reads the branches with the meetings."""
    from danvan.activities import services as activities
    from danvan.activities.models import Meeting

    w = demo_world
    root = superuser()
    client.force_login(w.users["admin_a"])

    def queries(days):
        for day in days:  # with a user, as through a page (a request's context lasts the test's transaction)
            with pghistory.context(user=w.users["admin_a"].pk, url="/test"):
                meeting = activities.meeting_create(actor=root, branch=w.branches["women_va"], held_on=day)
                Meeting.objects.filter(pk=meeting.pk).update(notes="Đã bổ sung biên bản")
        with django_assert_max_num_queries(40) as captured:
            body = client.get("/audit/?pgh_obj_model=activities.Meeting").content.decode()
        assert w.branches["women_va"].name in body
        return [q["sql"] for q in captured.captured_queries]

    few = queries([date(2026, 1, 5)])
    many = queries([date(2026, 2, d) for d in (2, 9, 16, 23)])
    assert len(many) == len(few), "\n\n".join(q[:400] for q in many if q not in few)
