"""Grouping into issues: same matter (commune, field, similar text, window), near-duplicates, separation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from danvan.opinion import pipeline, services
from danvan.opinion.models import Issue, Item, OpinionSettings
from tests.factories import make_user
from tests.opinion.conftest import rec

pytestmark = pytest.mark.django_db

ROAD = "Đường liên ấp ngập sâu sau mưa, người dân bức xúc"
ROAD2 = "Mưa lớn, đường liên ấp ngập sâu, xe máy chết máy"
SCHOOL = "Trường học thu thêm học phí ngoài quy định, phụ huynh bức xúc"


def test_same_matter_groups_and_different_matters_split(source_a, analyzer):
    pipeline.store_items(source_a, [rec("1", ROAD), rec("2", ROAD2, hours=3), rec("3", SCHOOL, hours=4)])
    road, road2, school = (Item.objects.get(external_id=e) for e in "123")
    assert road.issue_id == road2.issue_id != school.issue_id
    assert Issue.objects.get(pk=school.issue_id).field == "education"


def test_window_separates_the_same_words_far_apart(source_a, analyzer):
    window = OpinionSettings.get().grouping_window_days
    pipeline.store_items(source_a, [rec("1", ROAD), rec("2", ROAD2, days=window + 3)])
    a, b = (Item.objects.get(external_id=e) for e in "12")
    assert a.issue_id != b.issue_id


def test_different_communes_are_different_issues(source_a, source_b, analyzer):
    pipeline.store_items(source_a, [rec("1", ROAD)])
    pipeline.store_items(source_b, [rec("1", ROAD)])
    assert Issue.objects.count() == 2
    assert {i.unit_id for i in Issue.objects.all()} == {source_a.unit_id, source_b.unit_id}


def test_grouping_across_batches(source_a, analyzer):
    pipeline.store_items(source_a, [rec("1", ROAD)])
    pipeline.store_items(source_a, [rec("2", ROAD2, hours=5)])
    pipeline.store_items(source_a, [rec("3", ROAD, hours=6)])  # a copy: near-duplicate
    assert Issue.objects.count() == 1
    issue = Issue.objects.get()
    assert (
        issue.volume == 3
        and Item.objects.get(external_id="3").duplicate_of_id == Item.objects.get(external_id="1").pk
    )


def test_issue_update_status_note_links_permissions(source_a, analyzer, demo_world):
    pipeline.store_items(source_a, [rec("1", ROAD)])
    issue = Issue.objects.get()
    officer = make_user("can_bo", "commission_officer", demo_world.province_a)
    services.issue_update(
        actor=officer,
        issue=issue,
        status="responding",
        responsible_unit=demo_world.commune_a,
        note="Đã giao xã",
    )
    issue.refresh_from_db()
    assert issue.status == "responding" and issue.responsible_unit == demo_world.commune_a
    notes = list(issue.notes.order_by("pk").values_list("text", "author"))
    # the change itself is a note of its author (status and responsible unit), then the note typed
    assert notes[-1] == ("Đã giao xã", officer.pk) and len(notes) == 2
    assert demo_world.commune_a.name in notes[0][0] and notes[0][1] == officer.pk
    services.issue_update(actor=officer, issue=issue, status="responding")  # no change: no note
    assert issue.notes.count() == 2
    outsider = make_user("ngoai", "commission_officer", demo_world.province_b)
    with pytest.raises(PermissionDenied):
        services.issue_update(actor=outsider, issue=issue, status="resolved")
    # status survives reprocessing
    pipeline.analyse_items([Item.objects.get().pk], force=True)
    issue.refresh_from_db()
    assert issue.status == "responding" and issue.volume == 1


def test_the_communes_name_does_not_make_two_matters_one(source_a, analyzer):
    """Short posts that name their commune share its words, and nothing else: they stay apart, while two
    posts on the same matter that both name the commune still group."""
    commune = source_a.unit.name
    road = f"Đường liên ấp ở {commune} ngập sâu sau mưa, người dân bức xúc"
    road2 = f"Mưa lớn, đường liên ấp {commune} ngập sâu, xe máy chết máy"
    other = f"Bà con {commune} kiến nghị sửa đèn chiếu sáng đường liên xã bị hỏng"
    pipeline.store_items(source_a, [rec("1", road), rec("2", road2, hours=2), rec("3", other, hours=3)])
    a, b, c = (Item.objects.get(external_id=e) for e in "123")
    assert a.field == b.field == c.field  # the same field: only the words can tell them apart
    assert a.issue_id == b.issue_id != c.issue_id
    assert not set(pipeline.keywords(commune)) & set(Issue.objects.get(pk=a.issue_id).keywords)


def test_village_names_do_not_make_two_matters_one(source_a, analyzer, demo_world):
    """Comments that name a village of the commune ("ở Ấp Phú Hòa", or "Phú Hòa" alone) share only its words:
    they stay apart, while two on the same matter group; no keyword of the issues is (part of) a place name."""
    village = demo_world.village_a.name  # "Ấp Phú Hòa"
    bare = village.removeprefix("Ấp ")
    cafe = f"Quán cà phê mới mở bên đường ở {village} rất đông khách"
    bridge = f"Cây cầu mới làm ở {village} chắc chắn, cảm ơn xã"
    road = f"Đường liên ấp ở {village} ngập sâu sau mưa, người dân bức xúc"
    road2 = f"Mưa lớn, đường liên ấp ở {source_a.unit.name} ngập sâu, xe máy chết máy, gần {bare}"
    pipeline.store_items(
        source_a,
        [rec("1", road), rec("2", cafe, hours=1), rec("3", bridge, hours=2), rec("4", road2, hours=3)],
    )
    a, b, c, d = (Item.objects.get(external_id=e) for e in "1234")
    assert a.field == b.field == c.field == d.field  # the same field: only the words can tell them apart
    assert a.issue_id == d.issue_id
    assert len({a.issue_id, b.issue_id, c.issue_id}) == 3
    names = pipeline.place_names([source_a.unit_id])[source_a.unit_id]
    assert {"ap phu hoa", "phu hoa"} <= set(names.phrases)
    for issue in Issue.objects.all():
        assert not [k for k in issue.keywords if names.covers(k)], issue.keywords
    assert pipeline.keywords(cafe, cut=names.pattern) == pipeline.keywords(
        "Quán cà phê mới mở bên đường ở"
    ) | (pipeline.keywords("rất đông khách"))


def test_one_word_in_common_is_not_a_matter(source_a, analyzer):
    """A short post sharing a single keyword with an issue ("ngập") opens its own issue."""
    pipeline.store_items(source_a, [rec("1", ROAD), rec("2", ROAD2, hours=1), rec("3", "Ngập quá!", hours=2)])
    a, b, c = (Item.objects.get(external_id=e) for e in "123")
    assert a.field == b.field == c.field and a.issue_id == b.issue_id != c.issue_id


def test_one_matter_under_two_fields_is_one_issue_unless_an_analyst_said_otherwise(source_a, analyzer):
    """The model may put one matter under two fields (land compensation for a road: land or infrastructure).
    An item joins an issue of another field only on strong evidence (3 keywords and half of its words in
    common); a few words across fields ("dân bức xúc") are not enough, and an analyst's corrected field is
    never overruled."""
    land = "Thu hồi đất làm đường mà bồi thường không thỏa đáng, dân bức xúc"
    land2 = "Bà con kiến nghị xem lại giá bồi thường thu hồi đất làm đường"
    road = "Đường liên ấp ngập sâu sau mưa, dân bức xúc"
    pipeline.store_items(source_a, [rec("1", land), rec("2", land2, hours=1), rec("3", road, hours=2)])

    def overlap(a: str, b: str) -> float:
        return pipeline._overlap(pipeline.keywords(a), pipeline.keywords(b))[0]

    assert overlap(land, land2) >= pipeline.CROSS_FIELD_OVERLAP > overlap(land, road) > 0.25
    assert {"thu hoi", "dat", "boi thuong"} <= pipeline.keywords(land) & pipeline.keywords(land2)

    def regroup(fields: str, corrected=()) -> list[int]:
        Item.objects.update(issue_id=None, duplicate_of_id=None)
        Issue.objects.all().delete()
        items = list(Item.objects.order_by("external_id"))
        for it, f in zip(items, fields.split(), strict=True):
            it.field, it.corrected = f, it.external_id in corrected
        pipeline.group_items(items, OpinionSettings.get())
        return [it.issue_id for it in items]

    one, two, three = regroup("land infrastructure infrastructure")
    assert one == two != three  # one matter; the flooded road shares only "dân bức xúc", "đường" with it
    assert Issue.objects.get(pk=one).field == "land"
    one, two, three = regroup("infrastructure land land")
    assert one == two != three
    one, two, three = regroup("land infrastructure infrastructure", corrected={"2"})
    assert one != two  # the analyst filed it under infrastructure: it stays there
    one, two, three = regroup("land land infrastructure")
    assert one == two != three
