"""The analysis pipeline end to end on a few Vietnamese texts: labels, places, issues, rollups, idempotency."""

from __future__ import annotations

import pytest
from django.db import connection

from danvan.opinion import pipeline
from danvan.opinion.models import Correction, DailyRollup, Issue, Item, ItemKey
from tests.opinion.conftest import rec

pytestmark = pytest.mark.django_db

FLOOD = [
    "Đường liên ấp ngập sâu sau mưa, xe máy chết máy hàng loạt, người dân bức xúc",
    "Mưa lớn làm đường liên ấp ngập sâu, học sinh phải lội nước đến trường",
    "Đường liên ấp ngập sâu sau mưa, xe máy chết máy hàng loạt, người dân bức xúc!!",
]


def _store(source, records):
    return pipeline.store_items(source, records)


def test_pipeline_labels_places_groups_and_rolls_up(source_a, analyzer):
    res = _store(
        source_a,
        [
            rec("1", FLOOD[0], likes=10),
            rec("2", FLOOD[1], hours=2),
            rec("3", FLOOD[2], hours=3),
            rec("4", "Cảm ơn cán bộ một cửa xã giải quyết thủ tục nhanh, rất hài lòng", hours=4),
            rec("5", "Kết quả bóng đá tối qua thật bất ngờ", hours=5),
        ],
    )
    assert len(res.created) == 5
    items = {it.external_id: it for it in Item.objects.filter(source=source_a)}
    assert all(it.analysed_at and it.model_version == "fake-1" for it in items.values())
    assert items["1"].field == "infrastructure" and items["1"].sentiment == "negative"
    assert items["4"].field == "administration" and items["4"].sentiment == "positive"
    assert items["5"].relevant is False and items["5"].issue_id is None
    # places: no place in the text → the source's default unit, its commune for the figures
    assert items["1"].unit_id == source_a.unit_id and items["1"].commune_id == source_a.unit_id
    # grouping: the flood posts are one issue (3 is a near-duplicate of 1), the counter praise another
    assert items["1"].issue_id == items["2"].issue_id == items["3"].issue_id
    assert items["3"].duplicate_of_id == items["1"].pk
    assert items["4"].issue_id != items["1"].issue_id
    flood = Issue.objects.get(pk=items["1"].issue_id)
    assert flood.volume == 3 and flood.negative_count >= 2 and flood.field == "infrastructure"
    assert flood.unit_id == source_a.unit_id and flood.unit_path == source_a.unit_path
    assert flood.reach >= 10 and flood.score > 0
    # rollups equal a straight count of relevant items
    _assert_rollups_equal_count()


def _assert_rollups_equal_count():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (published_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, commune_id, field, count(*), "
            "count(*) FILTER (WHERE sentiment='negative') FROM opinion_item WHERE relevant GROUP BY 1, 2, 3"
        )
        straight = {(d, u, f): (n, neg) for d, u, f, n, neg in cursor.fetchall()}
    rolled = {(r.day, r.unit_id, r.field): (r.volume, r.negative) for r in DailyRollup.objects.all()}
    assert rolled == straight


def test_place_named_in_text_wins_over_default(source_b, demo_world, analyzer):
    commune = demo_world.commune_a
    _store(source_b, [rec("p1", f"Đường ở {commune.name}, {demo_world.province_a.name} ngập sâu sau mưa")])
    item = Item.objects.get(source=source_b)
    assert item.unit_id == commune.pk and item.unit_path == commune.path
    assert item.place_from_text and commune.pk in item.place_unit_ids


def test_ingestion_is_idempotent_and_analysis_too(source_a, analyzer):
    first = _store(source_a, [rec("1", FLOOD[0]), rec("2", FLOOD[1])])
    again = _store(source_a, [rec("1", FLOOD[0]), rec("2", FLOOD[1]), rec("9", FLOOD[1], hours=1)])
    assert sorted(again.existing) == sorted(first.created) and len(again.created) == 1
    assert Item.objects.count() == 3 and ItemKey.objects.count() == 3
    snapshot = list(Item.objects.order_by("id").values("id", "field", "sentiment", "issue_id", "uncertainty"))
    rollups = list(DailyRollup.objects.values_list("day", "unit_id", "field", "volume"))
    report = pipeline.analyse_items(Item.objects.values_list("id", flat=True))
    assert report.analysed == 0 and report.skipped == 3  # same model version: nothing to do
    pipeline.analyse_items(Item.objects.values_list("id", flat=True), force=True)
    assert (
        list(Item.objects.order_by("id").values("id", "field", "sentiment", "issue_id", "uncertainty"))
        == snapshot
    )
    assert list(DailyRollup.objects.values_list("day", "unit_id", "field", "volume")) == rollups
    assert Issue.objects.count() == 1


def test_reprocessing_with_a_new_version_keeps_corrections(source_a, analyzer, demo_world):
    _store(source_a, [rec("1", FLOOD[0]), rec("2", FLOOD[1], hours=1)])
    item = Item.objects.get(external_id="1")
    Correction.objects.create(
        item=item, analyst=demo_world.users["admin_a"], what="field", previous=item.field, new="environment"
    )
    Item.objects.filter(pk=item.pk).update(corrected=True)
    analyzer.version = "fake-2"
    report = pipeline.reprocess_all()
    assert report.analysed == 2
    item.refresh_from_db()
    assert item.model_version == "fake-2" and item.field == "environment"
    other = Item.objects.get(external_id="2")
    assert other.field == "infrastructure" and other.issue_id != item.issue_id
    assert Issue.objects.get(pk=item.issue_id).field == "environment"
    _assert_rollups_equal_count()


def test_rollups_rebuild_equals_incremental(source_a, source_b, analyzer):
    _store(source_a, [rec(str(i), FLOOD[i % 3], days=i % 4, hours=i) for i in range(12)])
    _store(source_b, [rec(f"b{i}", FLOOD[1], days=i) for i in range(5)])
    incremental = sorted(
        DailyRollup.objects.values_list("day", "unit_id", "field", "volume", "negative", "reach")
    )
    pipeline.rollups_rebuild()
    assert sorted(
        DailyRollup.objects.values_list("day", "unit_id", "field", "volume", "negative", "reach")
    ) == (incremental)
    _assert_rollups_equal_count()


def test_author_is_stored_only_as_a_hash(source_a, analyzer):
    _store(source_a, [rec("1", FLOOD[0], author="Nguyễn Văn A"), rec("2", FLOOD[1], author="nguyễn văn a")])
    hashes = set(Item.objects.values_list("author_hash", flat=True))
    assert len(hashes) == 1 and len(hashes.pop()) == 64
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(i)::text FROM opinion_item i")
        assert all("Nguyễn" not in row[0] and "nguyễn" not in row[0] for row in cursor.fetchall())


def test_the_bundle_is_told_which_items_are_articles(source_a, analyzer, monkeypatch):
    """An article's title is its own; a comment's is the article it answers: the bundle picks its models by
    ``kind`` (articles' or comments'), and items without a title go to its untitled models."""
    from danvan.nlp.opinion import is_article, item_title

    seen = []
    original = analyzer.analyze

    def spy(records):
        seen.extend(records)
        return original(records)

    monkeypatch.setattr(analyzer, "analyze", spy)
    pipeline.store_items(
        source_a,
        [
            rec("art", "Tỉnh họp bàn giải phóng mặt bằng", kind="article", title="Giải phóng mặt bằng"),
            rec("com", "Bồi thường quá thấp", kind="comment", title="Giải phóng mặt bằng"),
            rec("post", "Đường ngập sâu", kind="post"),
        ],
    )
    by_text = {r["text"]: r for r in seen}
    article, comment, post = (
        by_text[t] for t in ("Tỉnh họp bàn giải phóng mặt bằng", "Bồi thường quá thấp", "Đường ngập sâu")
    )
    assert is_article(article) and item_title(article) == "Giải phóng mặt bằng"
    assert (
        not is_article(comment)
        and comment["article_title"] == "Giải phóng mặt bằng"
        and "title" not in comment
    )
    assert not is_article(post) and item_title(post) == ""
