"""Privacy: authors only as a keyed hash, small groups hidden, purge keeps aggregates."""

from __future__ import annotations

import datetime as dt

import pytest

from danvan.opinion import pipeline, privacy, selectors
from danvan.opinion.models import DailyRollup, Issue, Item, OpinionSettings
from tests.opinion.conftest import rec

pytestmark = pytest.mark.django_db


def test_author_hash_is_keyed_and_stable(settings):
    a = privacy.author_hash("Nguyễn Văn A")
    assert a == privacy.author_hash(" nguyễn văn a ") and len(a) == 64 and "Nguy" not in a
    assert privacy.author_hash("") == ""


def test_small_groups_are_hidden(demo_world):
    commune = demo_world.commune_a
    day = dt.date(2026, 11, 1)
    DailyRollup.objects.create(
        day=day, unit=commune, unit_path=commune.path, field="land", volume=3, negative=3
    )
    DailyRollup.objects.create(
        day=day, unit=commune, unit_path=commune.path, field="health", volume=8, negative=1
    )
    admin = demo_world.users["admin_a"]
    rows = {r["field"]: r for r in selectors.totals_by_field(admin, start=day, end=day)}
    assert rows["land"]["suppressed"] and rows["land"]["volume"] is None and rows["land"]["negative"] is None
    assert not rows["health"]["suppressed"] and rows["health"]["volume"] == 8
    OpinionSettings.objects.update(min_group_size=2)
    rows = {r["field"]: r for r in selectors.totals_by_field(admin, start=day, end=day)}
    assert rows["land"]["volume"] == 3


def test_purge_blanks_old_text_and_keeps_aggregates(source_a, analyzer):
    old = rec("old", "Đường liên ấp ngập sâu, người dân bức xúc", author="ai đó")
    old["published_at"] = dt.datetime(2024, 1, 5, tzinfo=dt.UTC)
    pipeline.store_items(source_a, [old, rec("new", "Đường liên ấp ngập sâu sau mưa")])
    before = list(DailyRollup.objects.order_by("day").values_list("day", "volume", "negative"))
    issues = list(Issue.objects.values_list("id", "volume"))
    assert privacy.purge_old_text(now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)) == 1
    item = Item.objects.get(external_id="old")
    assert item.text == "" and item.author_hash == "" and item.purged_at is not None
    assert item.field == "infrastructure" and item.issue_id is not None
    assert Item.objects.get(external_id="new").text
    pipeline.analyse_items([item.pk], force=True)  # reprocessing a purged item keeps its labels
    item.refresh_from_db()
    assert item.field == "infrastructure"
    assert list(DailyRollup.objects.order_by("day").values_list("day", "volume", "negative")) == before
    assert list(Issue.objects.values_list("id", "volume")) == issues


def test_contact_details_never_stored_and_shown_readably(client, source_a, analyzer, demo_world):
    text = "Ông An gọi 0912 345 678 hoặc an@example.vn, CCCD 079123456789: đường liên ấp ngập sâu"
    pipeline.store_items(source_a, [rec("c1", text, title="Hỏi 0912345678 về đường ngập")])
    item = Item.objects.get(external_id="c1")
    for secret in ("0912", "345 678", "an@example.vn", "079123456789"):
        assert secret not in item.text and secret not in item.title
    assert "đường liên ấp ngập sâu" in item.text
    client.force_login(demo_world.users["admin_a"])
    page = client.get(item.get_absolute_url()).content.decode()
    assert "[số điện thoại]" in page and "[email]" in page and "[số giấy tờ]" in page
    assert "xxphone" not in page and "xxemail" not in page
    assert "xxphone" not in str(item) and "[số điện thoại]" in str(item)


def test_readable_and_redacted():
    from danvan.opinion.templatetags.opinion_tags import redacted

    assert privacy.readable("gọi xxphone, hỏi ông xxperson") == "gọi [số điện thoại], hỏi ông [họ tên]"
    assert privacy.readable("maxxphone") == "maxxphone"  # a word that only contains the letters
    shown = redacted("Ông Trần Văn Tâm 0987654321 thu tiền sai")
    assert (
        "Tâm" not in shown
        and "0987654321" not in shown
        and "[họ tên]" in shown
        and "[số điện thoại]" in shown
    )


def test_the_items_export_writes_local_times_and_yes_no(client, source_a, analyzer, demo_world):
    import csv
    import io

    from openpyxl import load_workbook

    pipeline.store_items(source_a, [rec("e1", "Đường liên ấp ngập sâu, người dân bức xúc")])
    item = Item.objects.get(external_id="e1")
    client.force_login(demo_world.users["admin_a"])
    body = b"".join(client.get("/opinion/items/?export=csv").streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body)))[:2]
    local = dt.datetime.fromisoformat(str(item.published_at)).astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert row[0] == local.strftime("%d/%m/%Y %H:%M:%S")
    assert "True" not in row and "False" not in row and "Có" in row
    book = load_workbook(io.BytesIO(client.get("/opinion/items/?export=xlsx").content))
    cell = book.active.cell(row=2, column=1)
    assert (
        cell.value == local.replace(tzinfo=None, microsecond=0) and cell.number_format == "DD/MM/YYYY HH:MM"
    )


def test_collaborator_reports_are_stored_stripped_shown_redacted_and_purged(
    client, demo_world, make_user, analyzer
):
    """Audit #6: the report's words and place are stored without names (also typed in lower case), phones and
    ID numbers; the list shows "where" redacted; the retention purge blanks old reports and their history."""
    import datetime as dt

    from django.apps import apps
    from django.utils import timezone

    from danvan.opinion import ingestion
    from danvan.opinion.models import CollaboratorReport, Item
    from danvan.opinion.privacy import purge_old_text

    ctv = make_user("ctv_p", role="commission_officer", unit=demo_world.commune_a)
    report = ingestion.collab_report_create(
        actor=ctv, unit=demo_world.commune_a,
        what_people_say="Ông Nguyễn Văn Tư nói tiền điện tăng gấp đôi; số điện thoại 0912345678, CCCD 086123456789; "
                        "bà nguyễn thị hoa cũng nói vậy",
        where="Chợ xã, sạp của chị Lan", how_many=12, mood="negative",
    )  # fmt: skip
    report.refresh_from_db()
    stored = report.what_people_say + report.where
    for raw in ("Tư", "0912345678", "086123456789", "hoa", "Lan"):
        assert raw not in stored
    assert "Chợ xã" in report.where
    events = apps.get_model("opinion", "CollaboratorReportEvent").objects.filter(pgh_obj_id=report.pk)
    assert all("0912345678" not in e.what_people_say for e in events)
    assert "hoa" not in Item.objects.get(pk=report.item_id).text
    client.force_login(ctv)
    body = client.get("/opinion/reports/").content.decode()
    assert "Lan" not in body and "Chợ xã" in body
    CollaboratorReport.objects.filter(pk=report.pk).update(
        reported_at=timezone.now() - dt.timedelta(days=400)
    )
    events.update(reported_at=timezone.now() - dt.timedelta(days=400))
    purge_old_text()
    report.refresh_from_db()
    assert report.what_people_say == "" and report.where == "" and report.how_many == 12
    assert not events.exclude(what_people_say="").exists()
