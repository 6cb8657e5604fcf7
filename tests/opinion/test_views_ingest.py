"""Pages of sources, items, review, model versions, privacy, collaborators: permissions, scope, behaviour."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from danvan.opinion import ingestion
from danvan.opinion.models import (
    CollaboratorReport,
    Correction,
    Item,
    ModelVersion,
    OpinionSettings,
    Source,
    SourceKind,
)

DAY = "2026-11-10T08:00:00+07:00"


@pytest.fixture
def analyst(demo_world, make_user):
    return make_user("an_a", role="opinion_analyst", unit=demo_world.province_a)


@pytest.fixture
def items_a(source_a, source_b, analyzer):
    texts = ["Đường liên ấp lầy lội, bà con bức xúc", "Giá lúa giảm, nông dân lo lắng", "Cảm ơn xã sửa cầu"]
    ingestion.ingest_items(source=source_a, items=[{"external_id": f"a{i}", "text": t, "published_at": DAY}
                                                   for i, t in enumerate(texts)])  # fmt: skip
    ingestion.ingest_items(
        source=source_b, items=[{"external_id": "b0", "text": "Đường ở xã khác", "published_at": DAY}]
    )
    return list(Item.objects.filter(source=source_a).order_by("id"))


def test_item_list_scoped_search_and_queries(client, analyst, items_a, django_assert_max_num_queries):
    client.force_login(analyst)
    url = reverse("opinion:item-list")
    with django_assert_max_num_queries(20):
        r = client.get(url)
    assert r.status_code == 200
    body = r.content.decode()
    assert "lầy lội" in body and "xã khác" not in body
    r = client.get(url, {"q": "duong lay loi"})  # accent-insensitive
    assert "lầy lội" in r.content.decode() and "Giá lúa" not in r.content.decode()
    r = client.get(url, {"export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_item_list_query_count_does_not_grow(client, analyst, source_a, analyzer, django_assert_num_queries):
    client.force_login(analyst)
    url = reverse("opinion:item-list")
    ingestion.ingest_items(source=source_a, items=[{"external_id": "x0", "text": "Một", "published_at": DAY}])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    ingestion.ingest_items(source=source_a, items=[{"external_id": f"y{i}", "text": f"Nội dung {i}", "published_at": DAY}
                                                   for i in range(30)])  # fmt: skip
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url)


def test_item_list_shows_a_title_only_item_and_what_is_not_analysed_yet(client, analyst, source_a, analyzer):
    """A meeting's issue is its title (often without details): the list shows it, not "—"; an item still
    waiting for its analysis says so instead of showing "not relevant"."""
    ingestion.ingest_items(
        source=source_a,
        items=[
            {"external_id": "m1", "kind": "meeting", "title": "Kiến nghị sửa cống ấp Phú Hòa", "text": "",
             "published_at": DAY},
            {"external_id": "m2", "text": "Đường liên ấp lầy lội", "published_at": DAY},
        ],
    )  # fmt: skip
    Item.objects.filter(source=source_a, title__startswith="Kiến nghị").update(
        analysed_at=None, relevant=False
    )
    client.force_login(analyst)
    body = client.get(reverse("opinion:item-list")).content.decode()
    assert "Kiến nghị sửa cống ấp Phú Hòa" in body
    assert body.count("đang chờ phân tích") == 1  # the analysed item shows its field
    rows = [r for r in body.split("<tr") if "Kiến nghị sửa cống" in r]
    assert len(rows) == 1 and "✘" not in rows[0]


def test_no_author_on_pages(client, analyst, source_a, analyzer):
    ingestion.ingest_items(source=source_a, items=[{"external_id": "p", "text": "Nói về điện", "published_at": DAY,
                                                    "author": "Phạm Văn Tuấn"}])  # fmt: skip
    item = Item.objects.get(source=source_a)
    client.force_login(analyst)
    for url in (reverse("opinion:item-list"), item.get_absolute_url()):
        body = client.get(url).content.decode()
        assert "Phạm Văn Tuấn" not in body and item.author_hash not in body
    assert (
        client.get(reverse("opinion:item-list"), {"author": "x"}).status_code == 200
    )  # no such filter: ignored


def test_item_detail_out_of_scope_404(client, analyst, source_b, analyzer):
    ingestion.ingest_items(source=source_b, items=[{"external_id": "b", "text": "Xa", "published_at": DAY}])
    client.force_login(analyst)
    assert client.get(Item.objects.get(source=source_b).get_absolute_url()).status_code == 404


def test_review_queue_ordered_by_uncertainty_and_one_key_correction(client, analyst, items_a):
    Item.objects.filter(pk=items_a[0].pk).update(uncertainty=0.2)
    Item.objects.filter(pk=items_a[1].pk).update(uncertainty=0.9)
    Item.objects.filter(pk=items_a[2].pk).update(uncertainty=0.5)
    client.force_login(analyst)
    r = client.get(reverse("opinion:review"))
    assert r.status_code == 200
    body = r.content.decode()
    queued = list(
        Item.objects.filter(source=items_a[0].source).values_list(
            "pk", "analysed_at", "corrected", "uncertainty"
        )
    )
    assert all(f'data-item="{i.pk}"' in body for i in items_a), queued  # never "1.234" (localised)
    order = [body.index(f'data-item="{i.pk}"') for i in (items_a[1], items_a[2], items_a[0])]
    assert order == sorted(order)
    assert "review.js" in body and "<kbd>n</kbd>" in body
    url = reverse("opinion:item-correct", args=[items_a[1].pk])
    r = client.post(url, {"what": "sentiment", "value": "positive"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["labels"]["sentiment"] == "positive"
    r = client.post(url, {"what": "relevant", "value": "toggle"}, HTTP_ACCEPT="application/json")
    assert r.json()["labels"]["relevant"] is False
    assert Correction.objects.filter(item_id=items_a[1].pk).count() == 2
    body = client.get(reverse("opinion:review")).content.decode()
    # corrected but not confirmed: still in the queue (audit #4), until Enter confirms its labels
    assert f'data-item="{items_a[1].pk}"' in body
    r = client.post(
        reverse("opinion:item-correct", args=[items_a[2].pk]),
        {"what": "accept"},
        HTTP_ACCEPT="application/json",
    )
    body = client.get(reverse("opinion:review")).content.decode()
    assert f'data-item="{items_a[2].pk}"' not in body
    assert r.status_code == 200 and Item.objects.get(pk=items_a[2].pk).corrected
    bad = client.post(url, {"what": "field", "value": "nope"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400
    # the item's page lists the corrections with the labels' names, not their codes
    page = client.get(reverse("opinion:item-detail", args=[items_a[1].pk])).content.decode()
    history = page.split('id="item-corrections"', 1)[1].split("</ul>", 1)[0]
    assert "→ Tích cực" in history and "→ không liên quan" in history
    assert "positive" not in history and "→ 0" not in history
    # the item's page has the correction form too: a field no review key covers
    assert 'id="item-correct"' in page
    r = client.post(url, {"what": "field", "value": "culture_society"})
    assert r.status_code == 302 and Item.objects.get(pk=items_a[1].pk).field == "culture_society"


def test_review_and_correct_refused_without_permission(client, demo_world, make_user, items_a):
    leader = make_user("leader_a", role="leader", unit=demo_world.province_a)
    client.force_login(leader)
    assert client.get(reverse("opinion:review")).status_code == 403
    r = client.post(reverse("opinion:item-correct", args=[items_a[0].pk]), {"what": "sentiment", "value": "positive"},
                    HTTP_ACCEPT="application/json")  # fmt: skip
    assert r.status_code == 403
    assert not Correction.objects.exists()


def test_sources_pages(client, analyst, demo_world, source_a, source_b):
    client.force_login(analyst)
    body = client.get(reverse("opinion:source-list")).content.decode()
    assert source_a.name in body and source_b.name not in body
    assert client.get(reverse("opinion:source-detail", args=[source_b.pk])).status_code == 404
    r = client.post(reverse("opinion:source-create"), {"name": "Báo tỉnh", "kind": "rss", "unit": demo_world.commune_a.pk,
                    "url": "", "poll_interval_minutes": 60, "is_active": "on"})  # fmt: skip
    assert r.status_code == 400 and "http" in r.content.decode()
    r = client.post(reverse("opinion:source-create"), {"name": "Báo tỉnh", "kind": "rss", "unit": demo_world.commune_a.pk,
                    "url": "https://bao.example.vn/rss", "poll_interval_minutes": 60, "is_active": "on"})  # fmt: skip
    source = Source.objects.get(name="Báo tỉnh")
    assert r.status_code == 302 and source.kind == SourceKind.RSS
    Source.objects.filter(pk=source.pk).update(flagged=True, failure_count=5, last_error="HTTP 500")
    body = client.get(source.get_absolute_url()).content.decode()
    assert "source-flagged" in body and "HTTP 500" in body
    client.post(reverse("opinion:source-enable", args=[source.pk]))
    source.refresh_from_db()
    assert not source.flagged and source.failure_count == 0


def test_import_page_preview_then_job(client, analyst, source_a, analyzer):
    client.force_login(analyst)
    url = reverse("opinion:source-import", args=[source_a.pk])
    content = "id,message,created_time\nm1,Điện cúp cả ngày,2026-11-10 08:00\nm2,Nước sạch chưa có,2026-11-11 09:00\n"
    r = client.post(url, {"file": SimpleUploadedFile("fb.csv", content.encode())})
    assert r.status_code == 200
    body = r.content.decode()
    assert "import-preview" in body and "Điện cúp cả ngày" in body
    token = r.context["token"]
    r = client.post(
        url,
        {"token": token, "map_external_id": "id", "map_text": "message", "map_published_at": "created_time"},
    )
    assert r.status_code == 302 and "/jobs/" in r["Location"]
    assert Item.objects.filter(source=source_a).count() == 2
    r = client.post(url, {"file": SimpleUploadedFile("bad.csv", b"a,b\n")})
    assert r.status_code == 400


def test_collab_form(client, demo_world, make_user, analyzer):
    officer = make_user("off_a", role="commission_officer", unit=demo_world.commune_a)
    client.force_login(officer)
    assert client.get(reverse("opinion:collab-report-create")).status_code == 200
    r = client.post(reverse("opinion:collab-report-create"), {"what_people_say": "Người dân bàn tán về dự án đường mới",
                    "unit": demo_world.commune_a.pk, "how_many": 15, "mood": "positive"})  # fmt: skip
    assert r.status_code == 302
    assert Item.objects.filter(kind="report", reach=15).count() == 1
    nobody = make_user("nobody_x")
    client.force_login(nobody)
    assert client.get(reverse("opinion:collab-report-create")).status_code == 403


def test_collab_form_number_of_people_limit_and_villages_in_alphabetical_order(
    client, demo_world, make_user, analyzer
):
    """A number of people above the limit is refused as too large (not "at least 1"); the villages are
    listed in Vietnamese alphabetical order ("Đ" after "D"), not in the order they were created."""
    import re

    from danvan.structure import services as structure_services
    from tests.factories import superuser

    root = superuser()
    for name in ("Ấp Đông Hòa", "Ấp An Thạnh", "Ấp Dương Điềm", "Ấp Bình Phú"):
        structure_services.village_create(actor=root, commune=demo_world.commune_a, name=name)
    client.force_login(make_user("ctv_a", role="opinion_collaborator", unit=demo_world.commune_a))
    url = reverse("opinion:collab-report-create")
    body = client.get(url).content.decode()
    select = body[body.index('name="village"') : body.index("</select>", body.index('name="village"'))]
    villages = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select)
    assert villages == ["Ấp An Thạnh", "Ấp Bình Phú", "Ấp Dương Điềm", "Ấp Đông Hòa", "Ấp Phú Hòa"]
    data = {
        "what_people_say": "Người dân bàn tán về dự án đường mới",
        "unit": demo_world.commune_a.pk,
        "mood": "neutral",
    }
    r = client.post(url, {**data, "how_many": "99999999999"})
    body = r.content.decode()
    assert r.status_code == 400
    assert "Hãy nhập số người ước tính (nhiều nhất là 1.000.000)." in body and "ít nhất là 1" not in body
    r = client.post(url, {**data, "how_many": "0"})
    assert r.status_code == 400 and "Hãy nhập số người ước tính (ít nhất là 1)." in r.content.decode()
    assert not CollaboratorReport.objects.exists()
    with pytest.raises(ValidationError) as exc:  # the service says the same
        ingestion.collab_report_create(actor=root, unit=demo_world.commune_a, what_people_say=data["what_people_say"],
                                       how_many=1_000_001)  # fmt: skip
    assert exc.value.message_dict["how_many"] == ["Hãy nhập số người ước tính (nhiều nhất là 1.000.000)."]
    r = client.post(url, {**data, "how_many": "1000000"})
    assert r.status_code == 302 and CollaboratorReport.objects.get().how_many == 1_000_000
    # a collaborator of the province: the villages of several communes, each named with its commune
    client.force_login(make_user("ctv_p", role="opinion_collaborator", unit=demo_world.province_a))
    body = client.get(url).content.decode()
    assert f"Ấp Tân Lập — {demo_world.commune_a2.name}" in body


def test_models_and_privacy_pages(client, analyst, demo_world, make_user):
    v = ModelVersion.objects.create(version="op-test", path="/tmp/x", card={"trained_on": "shipped set"},
                                    metrics={"field_accuracy": 0.88})  # fmt: skip
    client.force_login(analyst)
    assert client.get(reverse("opinion:model-list")).status_code == 200
    body = client.get(reverse("opinion:model-detail", args=[v.pk])).content.decode()
    assert "shipped set" in body and "field_accuracy" in body
    assert client.post(reverse("opinion:model-promote", args=[v.pk])).status_code == 403
    assert (
        client.post(reverse("opinion:privacy"), {"min_group_size": 3, "retention_days": 100}).status_code
        == 403
    )
    admin = make_user("sysadmin", role="system_admin", unit=demo_world.province_a)
    client.force_login(admin)
    r = client.post(reverse("opinion:privacy"), {"min_group_size": 3, "retention_days": 100})
    assert r.status_code == 302 and OpinionSettings.get().min_group_size == 3
    r = client.post(reverse("opinion:privacy"), {"min_group_size": 3, "retention_days": 5})
    assert r.status_code == 400


def test_every_field_has_its_own_review_key(client, analyst):
    from danvan.cases.models import ConcernField
    from danvan.opinion.views.review import field_keys

    active = ConcernField.objects.filter(is_active=True).count()
    assert active > 10  # the taxonomy has more fields than digits
    keys = field_keys()
    assert len(keys) == active and len({k for k, _, _ in keys}) == active
    assert not {k for k, _, _ in keys} & set("nuprjk")  # the queue's other commands
    client.force_login(analyst)
    page = client.get(reverse("opinion:review")).content.decode()
    assert f"<kbd>{keys[-1][0]}</kbd> {keys[-1][2]}" in page
