"""Ingestion: idempotency, batch limit, per-item errors, file imports, collaborators, cases flow."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from danvan.core.models import Job, JobStatus
from danvan.opinion import ingestion
from danvan.opinion.models import CollaboratorReport, Item, ItemKey, Source, SourceKind


def _raw(ext, text, day="2026-11-10T08:00:00+07:00", **extra):
    return {"external_id": ext, "text": text, "published_at": day, **extra}


def test_same_batch_twice_changes_nothing(source_a, analyzer):
    batch = [_raw("p1", "Đường ấp Phú Hòa lầy lội", author="Nguyễn Văn A"), _raw("p2", "Giá lúa giảm mạnh")]
    first = ingestion.ingest_items(source=source_a, items=batch)
    assert len(first.created) == 2 and not first.errors
    snapshot = list(
        Item.objects.filter(source=source_a).order_by("id").values_list("id", "text", "author_hash")
    )
    second = ingestion.ingest_items(source=source_a, items=batch)
    assert second.created == [] and sorted(second.existing) == sorted(first.created)
    assert (
        list(Item.objects.filter(source=source_a).order_by("id").values_list("id", "text", "author_hash"))
        == snapshot
    )
    assert ItemKey.objects.filter(source=source_a).count() == 2


def test_changed_text_is_not_updated_first_version_wins(source_a, analyzer):
    ingestion.ingest_items(source=source_a, items=[_raw("p1", "Bản đầu")])
    r = ingestion.ingest_items(source=source_a, items=[_raw("p1", "Bản sửa")])
    assert r.created == [] and len(r.existing) == 1
    assert Item.objects.get(source=source_a, external_id="p1").text == "Bản đầu"


def test_author_only_hashed_and_text_nfc(source_a, analyzer):
    decomposed = "Đường xuống cấp".replace("ư", "u\u031b")
    ingestion.ingest_items(
        source=source_a, items=[_raw("p1", decomposed + "   nhiều   ổ gà", author="Trần Thị B")]
    )
    item = Item.objects.get(source=source_a)
    assert item.text == "Đường xuống cấp nhiều ổ gà"
    assert item.author_hash and "Trần" not in item.author_hash and len(item.author_hash) >= 32
    values = json.dumps(list(Item.objects.filter(pk=item.pk).values()), default=str)
    assert "Trần Thị B" not in values


def test_batch_limit_1000(source_a, analyzer):
    too_many = [_raw(f"x{i}", "nội dung") for i in range(1001)]
    with pytest.raises(ValidationError):
        ingestion.ingest_items(source=source_a, items=too_many)
    assert not Item.objects.filter(source=source_a).exists()
    ok = ingestion.ingest_items(source=source_a, items=too_many[:1000], analyse=False)
    assert len(ok.created) == 1000


def test_per_item_errors_and_others_stored(source_a, analyzer):
    batch = [
        _raw("ok1", "Bà con phản ánh thiếu nước sạch"),
        {"text": "không có mã", "published_at": "2026-11-10"},
        _raw("bad-time", "x", day="hôm qua"),
        _raw("empty", ""),
        _raw("ok1", "trùng mã"),
        _raw("bad-likes", "ổn", likes=-3),
        _raw("future", "tương lai", day="2099-01-01T00:00:00+07:00"),
        "không phải object",
    ]
    r = ingestion.ingest_items(source=source_a, items=batch)
    assert len(r.created) == 1
    by_index = {e.index: e for e in r.errors}
    assert set(by_index) == {1, 2, 3, 4, 5, 6, 7}
    assert (
        by_index[2].external_id == "bad-time"
        and "thời gian" in by_index[2].message.lower()
        or by_index[2].message
    )
    assert by_index[4].external_id == "ok1"


def test_actor_must_be_allowed_on_the_source(source_a, source_b, make_user, demo_world, analyzer):
    analyst = make_user("an_a", role="opinion_analyst", unit=demo_world.province_a)
    ingestion.ingest_items(source=source_a, items=[_raw("p1", "Nội dung")], actor=analyst)
    with pytest.raises(PermissionDenied):
        ingestion.ingest_items(source=source_b, items=[_raw("p1", "Nội dung")], actor=analyst)


def test_source_create_validation(demo_world, make_user):
    analyst = make_user("an_a", role="opinion_analyst", unit=demo_world.province_a)
    with pytest.raises(ValidationError) as exc:
        ingestion.source_create(actor=analyst, unit=demo_world.commune_a, name="Báo", kind="rss", url="")
    assert "url" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        ingestion.source_create(
            actor=analyst, unit=demo_world.commune_b, name="Báo", kind="rss", url="https://x.vn/rss"
        )
    s = ingestion.source_create(actor=analyst, unit=demo_world.commune_a, name=" Báo  xã ", kind="rss",
                                url="https://x.vn/rss", poll_interval_minutes=30)  # fmt: skip
    assert s.name == "Báo xã" and s.next_poll_at is not None


# --- files ---------------------------------------------------------------------------------------------

CSV = (
    "Mã,Nội dung,Thời gian,Người đăng,Thích\n"
    "c1,Đường liên ấp lầy lội quá,10/11/2026 08:00,Anh Ba,12\n"
    "c2,Cảm ơn xã đã sửa cầu,11/11/2026 09:30,Chị Tư,5\n"
    "c3,,11/11/2026 10:00,Chú Năm,1\n"
    "c4,Giờ sai,ngày mai,Cô Sáu,x\n"
)
MAPPING = {
    "external_id": "Mã",
    "text": "Nội dung",
    "published_at": "Thời gian",
    "author": "Người đăng",
    "likes": "Thích",
}


def _upload(name, content: bytes):
    return SimpleUploadedFile(name, content)


def _file_source(demo_world):
    unit = demo_world.commune_a
    return Source.objects.create(name="Fanpage xã", kind=SourceKind.FILE, unit=unit, unit_path=unit.path)


def test_csv_import_with_mapping_job_and_rejected_rows(demo_world, make_user, analyzer):
    source = _file_source(demo_world)
    analyst = make_user("an_a", role="opinion_analyst", unit=demo_world.province_a)
    preview = ingestion.preview(io.BytesIO(CSV.encode()), "x.csv", source=source)
    assert preview["total"] == 4 and preview["header"][:2] == ["Mã", "Nội dung"]
    job = ingestion.import_start(actor=analyst, source=source, upload=_upload("binh-luan.csv", CSV.encode()),
                                 mapping=MAPPING)  # fmt: skip
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == {"created": 2, "existing": 0, "rejected": 2}
    assert job.result_file
    from openpyxl import load_workbook

    rows = list(load_workbook(job.result_file.open("rb")).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [4, 5]
    assert all(r[2] for r in rows[1:])
    source.refresh_from_db()
    assert source.column_mapping == MAPPING
    assert Item.objects.filter(source=source).count() == 2
    again = ingestion.import_start(
        actor=analyst, source=source, upload=_upload("b.csv", CSV.encode()), mapping=MAPPING
    )
    again.refresh_from_db()
    assert again.result["created"] == 0 and again.result["existing"] == 2
    # the saved mapping is proposed for the next file
    assert (
        ingestion.preview(io.BytesIO(CSV.encode()), "x.csv", source=source)["mapping"]["author"]
        == "Người đăng"
    )


def test_json_and_xlsx_imports(demo_world, make_user, analyzer):
    from openpyxl import Workbook

    source = _file_source(demo_world)
    analyst = make_user("an_a", role="opinion_analyst", unit=demo_world.province_a)
    data = {"data": [{"id": "j1", "message": "Điện chập chờn cả tuần", "created_time": "2026-11-10T08:00:00+0700",
                      "from": {"name": "Người A"}, "reactions": 3}]}  # fmt: skip
    job = ingestion.import_start(actor=analyst, source=source, upload=_upload("a.json", json.dumps(data).encode()),
                                 mapping={"external_id": "id", "text": "message", "published_at": "created_time",
                                          "author": "from.name", "likes": "reactions"})  # fmt: skip
    job.refresh_from_db()
    assert job.result["created"] == 1, job.error
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "text", "time"])
    import datetime as dt

    ws.append(["x1", "Trường học thiếu phòng", dt.datetime(2026, 11, 12, 7, 0)])
    buf = io.BytesIO()
    wb.save(buf)
    job = ingestion.import_start(actor=analyst, source=source, upload=_upload("a.xlsx", buf.getvalue()),
                                 mapping={"external_id": "id", "text": "text", "published_at": "time"})  # fmt: skip
    job.refresh_from_db()
    assert job.result["created"] == 1, job.error


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("a.csv", CSV.encode("utf-16"), "UTF-8"),
        (
            "a.csv",
            "Ma,Noi dung,Thoi gian\nc1,\u0110\u01b0\u1eddng,10/11/2026\n".encode("cp1258", "replace").replace(
                b"?", b"\xd0\xf0"
            ),
            "UTF-8",
        ),
        ("a.csv", b"", "empty"),
        ("a.csv", b"a,b\n", "no data rows"),
        ("a.json", b"{not json", "malformed"),
        ("a.pdf", b"%PDF", "Unsupported"),
    ],
)
def test_bad_files_refused_nothing_changed(demo_world, make_user, name, content, needle, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    source = _file_source(demo_world)
    analyst = make_user("an_a", role="opinion_analyst", unit=demo_world.province_a)
    with translation.override("en"), pytest.raises(ingestion.ImportFileError) as exc:
        ingestion.import_start(actor=analyst, source=source, upload=_upload(name, content), mapping=MAPPING)
    assert needle.lower() in str(exc.value).lower()
    assert not Job.objects.exists() and not Item.objects.exists()


def test_wrong_columns_refused(demo_world, make_user):
    source = _file_source(demo_world)
    analyst = make_user("an_a", role="opinion_analyst", unit=demo_world.province_a)
    with pytest.raises(ValidationError):
        ingestion.import_start(actor=analyst, source=source, upload=_upload("a.csv", CSV.encode()),
                               mapping={"text": "Content", "published_at": "Thời gian"})  # fmt: skip
    with pytest.raises(ValidationError):
        ingestion.import_start(actor=analyst, source=source, upload=_upload("a.csv", CSV.encode()),
                               mapping={"external_id": "Mã"})  # fmt: skip
    assert not Job.objects.exists() and not Item.objects.exists()
    source.refresh_from_db()
    assert source.column_mapping == {}


# --- collaborators and the cases / meetings flow ---------------------------------------------------------


def test_collaborator_report_becomes_item(demo_world, make_user, analyzer):
    ctv = make_user("ctv_a", role="commission_officer", unit=demo_world.commune_a)
    report = ingestion.collab_report_create(
        actor=ctv, unit=demo_world.commune_a, village=demo_world.village_a,
        what_people_say="Bà con ở chợ bàn tán về giá phân bón tăng, gọi 0912345678 để biết",
        where="Chợ ấp", how_many=20, mood="negative",
    )  # fmt: skip
    assert report.item_id
    item = Item.objects.get(pk=report.item_id)
    assert item.kind == "report" and item.reach == 20 and item.unit_id == demo_world.village_a.pk
    assert "0912345678" not in item.text
    # the collaborator's reading of the mood is the sentiment, and the report counts (relevant)
    assert item.analysed_at and item.sentiment == "negative" and item.relevant
    calm = ingestion.collab_report_create(
        actor=ctv, unit=demo_world.commune_a, village=demo_world.village_a,
        what_people_say="Bà con ở chợ bàn tán về giá phân bón tăng, nhưng nói hợp tác xã đã hỗ trợ kịp thời",
        where="Chợ ấp", how_many=5, mood="positive",
    )  # fmt: skip
    calm_item = Item.objects.get(pk=calm.item_id)
    assert calm_item.sentiment == "positive" and calm_item.sentiment_confidence == 1.0
    with pytest.raises(PermissionDenied):
        ingestion.collab_report_create(
            actor=ctv, unit=demo_world.commune_b, what_people_say="Chuyện ở nơi khác nhé"
        )
    with pytest.raises(ValidationError):
        ingestion.collab_report_create(actor=ctv, unit=demo_world.commune_a, what_people_say="ngắn")
    assert CollaboratorReport.objects.count() == 2


def test_strip_personal():
    text = ingestion.strip_personal(
        "Ông Nguyễn Văn Tám, CCCD 079123456789, ĐT 0903 123 456, mail tam@example.vn, khiếu nại đất",
        names=["Nguyễn Văn Tám"],
    )
    for secret in ("Tám", "079123456789", "0903", "tam@example.vn"):
        assert secret not in text
    assert "khiếu nại đất" in text


def test_cases_flow_without_personal_data(demo_world, analyzer):
    import datetime as dt

    from danvan.cases.models import Case

    root = demo_world
    case = Case.objects.create(
        reference="T-1", tracking_code="ABC", kind="complaint", channel="direct", title="Khiếu nại của ông Lê Văn Sáu",
        content="Ông Lê Văn Sáu (CCCD 079123456789, 0912345678) ở số 5 đường X khiếu nại việc thu hồi đất.",
        unit=root.commune_a, unit_path=root.commune_a.path, concerned_path=root.commune_a.path,
        citizen_name="Lê Văn Sáu", citizen_phone="0912345678", citizen_address="số 5 đường X",
        received_on=dt.date(2026, 11, 10),
    )  # fmt: skip
    assert ingestion.flow_cases() == 1
    item = Item.objects.get(external_id=f"case-{case.pk}")
    assert item.kind == "case" and item.unit_id == root.commune_a.pk
    for secret in ("Sáu", "079123456789", "0912345678", "số 5 đường X"):
        assert secret not in item.text and secret not in item.title
    assert "thu hồi đất" in item.text
    assert ingestion.flow_cases() == 0  # past the cursor
    assert Item.objects.filter(kind="case").count() == 1


def test_meeting_issues_flow_without_who_raised_them(demo_world, analyzer):
    import datetime as dt

    from danvan.activities import services as activities
    from tests.factories import superuser

    root = superuser()
    meeting = activities.meeting_create(
        actor=root, branch=demo_world.branches["women_va"], held_on=dt.date(2026, 11, 5)
    )
    issue = activities.issue_add(actor=root, meeting=meeting, summary="Đèn đường ấp Phú Hòa hư đã lâu",
                                 details="Chị Hoa Mai, SĐT 0987654321, đề nghị sửa đèn.", raised_by="Hoa Mai")  # fmt: skip
    assert ingestion.flow_meetings() == 1
    item = Item.objects.get(external_id=f"meeting-issue-{issue.pk}")
    assert item.kind == "meeting" and item.source.unit_id == meeting.unit_id
    assert "Hoa Mai" not in item.text and "0987654321" not in item.text and "sửa đèn" in item.text
    assert ingestion.flow_meetings() == 0
    # the periodic entry runs both flows (and feeds); a second call within the interval does nothing more
    ingestion._LAST_FLOW.clear()
    assert ingestion.poll_due_sources()["flowed"] == 0


def test_a_flow_queues_its_items_analysis_in_one_job(demo_world, analyzer, settings):
    """Each unit has its own channel source; the items of one flow are analysed in one job, not a job for
    each unit's one or two issues (thousands of one-item jobs on a first flow)."""
    import datetime as dt
    import json

    from django.db import connection

    from danvan.activities import services as activities
    from tests.factories import superuser

    root = superuser()
    for branch in ("women_va", "women_va2"):
        meeting = activities.meeting_create(
            actor=root, branch=demo_world.branches[branch], held_on=dt.date(2026, 11, 5)
        )
        activities.issue_add(actor=root, meeting=meeting, summary=f"Đèn đường hư ({branch})")
    settings.DANVAN_JOBS_EAGER = False
    assert ingestion.flow_meetings() == 2
    items = sorted(Item.objects.filter(kind="meeting").values_list("id", flat=True))
    assert len({i.source_id for i in Item.objects.filter(kind="meeting")}) == 2  # two units, two sources
    with connection.cursor() as cursor:
        cursor.execute("SELECT args FROM procrastinate_jobs WHERE task_name = 'opinion.analyse_batch'")
        jobs = [row[0] for row in cursor.fetchall()]
    assert [sorted(json.loads(j)["item_ids"]) for j in jobs] == [items]


def test_unit_code_given_with_an_item_wins_over_the_source_and_the_text(demo_world, analyzer):
    from danvan.opinion import pipeline

    province = demo_world.province_a
    source = Source.objects.create(
        name="Báo tỉnh", kind=SourceKind.API, unit=province, unit_path=province.path
    )
    other = demo_world.commune_a2
    r = ingestion.ingest_items(
        source=source,
        items=[
            # given: village A; the text names the other commune, which is kept among the places only
            _raw(
                "g1",
                f"Bà con ở xã {other.name.removeprefix('Xã ')} bàn tán",
                unit_code=demo_world.village_a.code,
            ),
            _raw("g2", "Đường làng lầy lội"),
            _raw("g3", "Mất điện cả ngày", unit_code=demo_world.commune_b.code),  # another province's commune
        ],
    )
    assert [(e.index, e.external_id) for e in r.errors] == [(2, "g3")]
    assert demo_world.commune_b.code in r.errors[0].message and "địa bàn" in r.errors[0].message
    assert not Item.objects.filter(external_id="g3").exists()
    given = Item.objects.get(external_id="g1")
    assert given.given_unit_id == demo_world.village_a.pk
    assert given.unit_id == demo_world.village_a.pk and given.commune_id == demo_world.commune_a.pk
    plain = Item.objects.get(external_id="g2")
    assert plain.given_unit_id is None and plain.unit_id == province.pk
    # reprocessing starts again from the given place, not from the previous result
    Item.objects.filter(pk=given.pk).update(unit=province, unit_path=province.path)
    pipeline.analyse_items([given.pk], force=True)
    given.refresh_from_db()
    assert given.unit_id == demo_world.village_a.pk and not given.place_from_text


def test_a_cases_field_is_the_items_field_and_survives_reanalysis(demo_world, analyzer):
    """The field the case officer chose (the same list) is the flowed item's field, relevant and certain,
    whatever the model reads in the text, also when the item is analysed again; a case without a field is
    left to the model."""
    import datetime as dt

    from danvan.cases.models import Case, ConcernField
    from danvan.opinion import pipeline

    w = demo_world
    policy, _ = ConcernField.objects.get_or_create(code="social_policy", defaults={"name": "An sinh xã hội"})

    def case(ref, title, field):
        return Case.objects.create(
            reference=ref, tracking_code=ref, kind="petition", channel="direct", title=title,
            content=title + ", đề nghị xem xét.", unit=w.commune_a, unit_path=w.commune_a.path,
            concerned_path=w.commune_a.path, received_on=dt.date(2026, 11, 10), field=field,
        )  # fmt: skip

    given = case("T-2", "Bệnh viện chậm chi trả trợ cấp người có công", policy)
    free = case("T-3", "Bệnh viện xã thiếu thuốc, người bệnh phải chờ lâu", None)
    assert ingestion.flow_cases() == 2
    item = Item.objects.get(external_id=f"case-{given.pk}")
    other = Item.objects.get(external_id=f"case-{free.pk}")
    assert item.analysed_at and other.analysed_at
    assert (item.given_field, item.field, item.relevant, item.field_confidence) == (
        "social_policy",
        "social_policy",
        True,
        1.0,
    )
    assert other.given_field == "" and other.field != "social_policy"  # the model's
    pipeline.analyse_items([item.pk], force=True)
    item.refresh_from_db()
    assert item.field == "social_policy" and item.uncertainty < 1.0
    # classified after it flowed in: the next flow gives the item the case's new field
    health, _ = ConcernField.objects.get_or_create(code="health", defaults={"name": "Y tế"})
    Case.objects.filter(pk=free.pk).update(field=policy, updated_at=timezone.now())
    Case.objects.filter(pk=given.pk).update(field=health, updated_at=timezone.now())
    assert ingestion.case_fields_sync() == 2
    other.refresh_from_db()
    item.refresh_from_db()
    assert (other.given_field, other.field, other.field_confidence) == ("social_policy", "social_policy", 1.0)
    assert (item.given_field, item.field) == ("health", "health")
    assert ingestion.case_fields_sync() == 0  # nothing changed since


def _case(world, ref, kind="complaint", received_on=None, **extra):
    import datetime as dt

    from danvan.cases.models import Case

    return Case.objects.create(
        reference=ref, tracking_code=ref, kind=kind, channel="direct", title=f"Phản ánh {ref} về đường ấp",
        content=f"Đề nghị sửa đường ấp ({ref}).", unit=world.commune_a, unit_path=world.commune_a.path,
        concerned_path=world.commune_a.path, received_on=received_on or dt.date(2026, 12, 8), **extra,
    )  # fmt: skip


def test_flowed_cases_and_meeting_issues_are_dated_when_recorded_never_ahead(
    client, demo_world, make_user, analyzer
):
    """A case received today and entered at 06:51 is dated 06:51, not an invented 12:00 still to come; one
    received on an earlier day keeps that day at the time it was entered; the item page shows that time."""
    import datetime as dt

    import time_machine
    from django.urls import reverse

    from danvan.activities import services as activities
    from tests.factories import superuser

    local = timezone.get_default_timezone()
    with time_machine.travel("2026-12-08 06:51 +07:00", tick=False):
        today = _case(demo_world, "T-10")
        earlier = _case(demo_world, "T-11", received_on=dt.date(2026, 12, 5))
        meeting = activities.meeting_create(
            actor=superuser(), branch=demo_world.branches["women_va"], held_on=dt.date(2026, 12, 8)
        )
        issue = activities.issue_add(actor=superuser(), meeting=meeting, summary="Đèn đường ấp hư đã lâu")
    with time_machine.travel("2026-12-08 07:00 +07:00", tick=False):
        assert ingestion.flow_cases() == 2 and ingestion.flow_meetings() == 1
        now = timezone.now()
    items = {i.external_id: i for i in Item.objects.all()}
    first = items[f"case-{today.pk}"].published_at
    assert first.astimezone(local) == dt.datetime(2026, 12, 8, 6, 51, tzinfo=local) and first <= now
    assert items[f"case-{earlier.pk}"].published_at.astimezone(local) == dt.datetime(
        2026, 12, 5, 6, 51, tzinfo=local
    )
    assert items[f"meeting-issue-{issue.pk}"].published_at <= now  # held today: not at noon either
    # a case dated ahead of its entry (received on a day still to come) is never dated after now
    assert ingestion._dated(dt.date(2026, 12, 9), now, now=now) == now
    client.force_login(make_user("an_time", role="opinion_analyst", unit=demo_world.province_a))
    body = client.get(reverse("opinion:item-detail", args=[items[f"case-{today.pk}"].pk])).content.decode()
    assert "08/12/2026 06:51" in body and "08/12/2026 12:00" not in body


def test_denunciations_never_flow_into_opinion(demo_world, analyzer):
    """The content of a denunciation can identify the denouncer, whose identity the cases module encrypts:
    denunciations are left out of the flow, also when the flow is read again from the start."""
    complaint = _case(demo_world, "T-20")
    denunciation = _case(demo_world, "T-21", kind="denunciation")
    assert ingestion.flow_cases() == 1
    keys = set(Item.objects.filter(kind="case").values_list("external_id", flat=True))
    assert keys == {f"case-{complaint.pk}"}
    # the cursor passed the denunciation; read again from the first case, it still stays out
    Source.objects.filter(kind=SourceKind.CASES).update(column_mapping={"cursor": 0})
    assert ingestion.flow_cases() == 0
    later = _case(demo_world, "T-22", kind="denunciation")
    assert ingestion.flow_cases() == 0 and ingestion.case_fields_sync() == 0
    assert not ItemKey.objects.filter(
        external_id__in=[f"case-{denunciation.pk}", f"case-{later.pk}"]
    ).exists()
    assert set(Item.objects.filter(kind="case").values_list("external_id", flat=True)) == keys
