"""The lifecycle of a "Dân vận khéo" model: registered → assessed → recognised → replicated → stopped, each
step with who and when, and its rules (no recognition without a passed assessment; a replication keeps the
link to its origin; a stopped model takes no further step)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from danvan.practices import services
from danvan.practices.models import Assessment, Milestone, Practice, PracticeStatus
from danvan.practices.services import ResultLine

pytestmark = pytest.mark.django_db


def steps(practice) -> list[str]:
    return list(
        Milestone.objects.filter(practice=practice).order_by("on", "id").values_list("step", flat=True)
    )


def test_registering_a_model(reg):
    p = reg.register(
        results=[
            ResultLine("Thành viên", "người", 12, 48),
            ResultLine("Vốn quay vòng", "triệu đồng", "20", "310,5"),
        ]
    )
    assert p.status == PracticeStatus.REGISTERED
    assert p.code == "DVK-86-2025-0001" and reg.register().code == "DVK-86-2025-0002"
    assert (p.level, p.unit_path, p.org_path) == (
        "village",
        reg.w.village_a.path,
        reg.w.orgs["women_ca"].path,
    )
    assert [(r.indicator, r.before, r.after) for r in p.results.all()] == [
        ("Thành viên", Decimal(12), Decimal(48)),
        ("Vốn quay vòng", Decimal(20), Decimal("310.5")),
    ]
    assert p.results.all()[1].change == Decimal("290.5")
    assert steps(p) == ["registered"]
    assert Milestone.objects.get(practice=p).actor == reg.root


def test_registration_is_validated_and_scoped(reg):
    with pytest.raises(ValidationError) as exc:
        reg.register(name=" ", field="sport", owner_kind="both", owner_name="", description="")
    assert {"name", "field", "owner_kind", "owner_name", "description"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        reg.register(unit=reg.w.province_a)  # the commune's organisation cannot own a province model
    assert "organisation" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        reg.register(actor=reg.admin, unit=reg.w.village_b, organisation=reg.w.orgs["women_cb"])
    with pytest.raises(PermissionDenied):
        reg.register(actor=reg.leader)
    p = reg.register(actor=reg.women_officer)
    assert p.registered_by == reg.women_officer


def test_assessment_scores_against_the_criteria(reg):
    p = reg.register()
    with pytest.raises(ValidationError) as exc:
        services.practice_assess(
            actor=reg.root,
            practice=p,
            scheme=reg.scheme,
            council="Hội đồng",
            assessed_on=date(2025, 7, 1),
            scores={reg.criteria[0].pk: 99},
        )
    assert f"score_{reg.criteria[0].pk}" in exc.value.message_dict  # above the maximum
    assert f"score_{reg.criteria[1].pk}" in exc.value.message_dict  # missing
    with pytest.raises(ValidationError):
        reg.assess(p, on=date(2025, 5, 1))  # before registration
    passed = reg.assess(p, share=0.8)
    assert passed.passed and passed.total == sum(round(c.max_score * 0.8) for c in reg.criteria)
    assert passed.max_total == 100 and passed.scores.count() == len(reg.criteria)
    p.refresh_from_db()
    assert (p.status, p.assessed_on) == (PracticeStatus.ASSESSED, date(2025, 7, 1))
    failed = reg.assess(p, share=0.5, on=date(2025, 7, 5))
    assert not failed.passed


def test_no_recognition_without_an_assessment(reg):
    p = reg.register()
    with pytest.raises(ValidationError, match="assessed by a council"):
        reg.recognise(p)
    p.refresh_from_db()
    assert p.status == PracticeStatus.REGISTERED and p.recognised_on is None


def test_no_recognition_when_the_latest_assessment_failed(reg):
    p = reg.register()
    reg.assess(p, share=0.9, on=date(2025, 7, 1))
    reg.assess(p, share=0.4, on=date(2025, 7, 10))  # a second council did not pass it
    with pytest.raises(ValidationError, match="did not pass"):
        reg.recognise(p)
    reg.assess(p, share=0.75, on=date(2025, 7, 20))
    reg.recognise(p)
    p.refresh_from_db()
    assert p.status == PracticeStatus.RECOGNISED


def test_recognition_records_the_decision(reg):
    p = reg.register()
    reg.assess(p)
    with pytest.raises(ValidationError) as exc:
        services.practice_recognise(
            actor=reg.root, practice=p, decision_no="", decided_on=date(2025, 6, 20), level="galaxy"
        )
    assert {"decision_no", "decided_on", "level"} <= set(
        exc.value.message_dict
    )  # decided before the assessment
    with pytest.raises(PermissionDenied):
        reg.recognise(p, actor=reg.women_officer)  # organisation officers do not recognise
    reg.recognise(p, actor=reg.leader)
    p.refresh_from_db()
    assert (p.recognition_no, p.recognised_on, p.recognition_level) == (
        "125-QĐ/ĐU",
        date(2025, 8, 1),
        "commune",
    )
    with pytest.raises(ValidationError):
        reg.recognise(p)  # not twice
    with pytest.raises(ValidationError):
        reg.assess(p, on=date(2025, 9, 1))  # a recognised model is not assessed again
    assert steps(p) == ["registered", "assessed", "recognised"]


def test_replication_keeps_the_link_to_its_origin(reg):
    origin = reg.register(results=[ResultLine("Hộ thoát nghèo", "hộ", 0, 14)])
    with pytest.raises(ValidationError, match="recognised"):
        services.practice_replicate(
            actor=reg.root,
            origin=origin,
            unit=reg.w.commune_a2,
            owner_kind="collective",
            owner_name="Hội LHPN xã",
            started_on=date(2025, 9, 1),
        )
    reg.assess(origin)
    reg.recognise(origin)
    replica = services.practice_replicate(
        actor=reg.commission,
        origin=origin,
        unit=reg.w.village_a,
        owner_kind="collective",
        owner_name="Chi hội Phụ nữ ấp Tân Lập",
        started_on=date(2025, 9, 1),
    )
    second = services.practice_replicate(
        actor=reg.root,
        origin=origin,
        unit=reg.w.commune_a2,
        organisation=reg.w.orgs["women_ca2"],
        owner_kind="collective",
        owner_name="Hội LHPN xã",
        started_on=date(2025, 10, 1),
        name="Tổ tiết kiệm xã B",
    )
    origin.refresh_from_db()
    assert origin.status == PracticeStatus.REPLICATED and origin.replicated_on is not None
    assert set(origin.replicas.all()) == {replica, second}
    assert replica.origin == origin and replica.status == PracticeStatus.REGISTERED
    assert (replica.field, replica.name, second.name) == (origin.field, origin.name, "Tổ tiết kiệm xã B")
    assert replica.description == origin.description and replica.code != origin.code
    assert steps(replica) == ["replica_of"]
    assert Milestone.objects.filter(practice=origin, step="replicated").count() == 2
    # the replica lives its own life: assessed and recognised at its place, replicated in its turn
    reg.assess(replica, on=timezone.localdate())
    with pytest.raises(PermissionDenied):  # the commune B administrator may not place a model in province 86
        services.practice_replicate(
            actor=reg.w.users["admin_b"],
            origin=origin,
            unit=reg.w.commune_b,
            owner_kind="collective",
            owner_name="X",
            started_on=date(2025, 9, 1),
        )


def test_a_stopped_model_takes_no_further_step(reg):
    p = reg.register()
    reg.assess(p)
    with pytest.raises(ValidationError):
        services.practice_stop(actor=reg.root, practice=p, on=date(2025, 9, 1), reason="")
    with pytest.raises(ValidationError):
        services.practice_stop(actor=reg.root, practice=p, on=date(2024, 1, 1), reason="Hết kinh phí")
    services.practice_stop(actor=reg.root, practice=p, on=date(2025, 9, 1), reason="Hết kinh phí")
    p.refresh_from_db()
    assert (p.status, p.stopped_on, p.stop_reason) == (
        PracticeStatus.STOPPED,
        date(2025, 9, 1),
        "Hết kinh phí",
    )
    for step in (
        lambda: reg.recognise(p),
        lambda: reg.assess(p, on=date(2025, 9, 2)),
        lambda: services.practice_stop(actor=reg.root, practice=p, on=date(2025, 9, 2), reason="lại"),
        lambda: services.practice_update(
            actor=reg.root,
            practice=p,
            name="Mới",
            field="economy",
            level="village",
            owner_kind="collective",
            owner_name="X",
            started_on=date(2025, 3, 1),
            description="Y",
        ),
    ):
        with pytest.raises(ValidationError):
            step()
    assert steps(p) == ["registered", "assessed", "stopped"]


def test_updating_a_model(reg):
    p = reg.register(results=[ResultLine("Thành viên", "người", 12, 48)])
    services.practice_update(
        actor=reg.root,
        practice=p,
        name="Tổ tiết kiệm",
        field="culture_society",
        level="village",
        owner_kind="individual",
        owner_name="Bà Nguyễn Thị Hoa",
        started_on=date(2025, 3, 1),
        description="Mô tả mới",
        organisation=None,
        results=[ResultLine("Hộ tham gia", "hộ", 5, 40)],
    )
    p.refresh_from_db()
    assert (p.field, p.org_path, p.owner_kind) == ("culture_society", "", "individual")
    assert [r.indicator for r in p.results.all()] == ["Hộ tham gia"]
    assert "ho tham gia" in p.search_text and "thanh vien" not in p.search_text


def test_evidence(reg, settings):
    p = reg.register()
    png = SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n0000", content_type="image/png")
    e = services.evidence_add(actor=reg.root, practice=p, title="Ảnh buổi ra mắt", file=png)
    assert (e.kind, e.content_type, e.org_path) == ("photo", "image/png", p.org_path)
    with pytest.raises(ValidationError):
        services.evidence_add(actor=reg.root, practice=p, title="", file=SimpleUploadedFile("x.exe", b"MZ"))
    with pytest.raises(ValidationError):
        services.evidence_add(actor=reg.root, practice=p, title="", file=SimpleUploadedFile("x.pdf", b""))
    # the content must be of the type the name says: a program renamed to .pdf is refused, on the file field
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(
            actor=reg.root, practice=p, title="", file=SimpleUploadedFile("bien-ban.pdf", b"MZ\x90\x00")
        )
    assert refused.value.message_dict["file"] == ["The file's content does not match its type."]
    webp = SimpleUploadedFile("Ảnh hội viên.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 ")
    w = services.evidence_add(actor=reg.root, practice=p, title="", file=webp)
    # the original name is kept (title and download name); the stored file name is the practice's code
    assert (w.kind, w.title, w.file_name) == ("photo", "Ảnh hội viên.webp", "Ảnh hội viên.webp")
    assert w.file.name.rsplit("/", 1)[-1].startswith(p.code)
    assert p.evidence.count() == 2
    services.evidence_delete(actor=reg.root, evidence=w)
    services.evidence_delete(actor=reg.root, evidence=e)
    assert not p.evidence.exists()


def test_awards_to_models_and_people(reg):
    p = reg.register()
    with pytest.raises(ValidationError):
        services.award_create(
            actor=reg.root,
            unit=reg.w.commune_a,
            practice=p,
            recipient_kind="collective",
            recipient_name="Chi hội",
            title="Giấy khen",
            level="commune",
            awarded_on=date(2025, 9, 1),
        )  # a model is awarded once assessed
    reg.assess(p)
    award = services.award_create(
        actor=reg.root,
        unit=reg.w.commune_a,
        practice=p,
        recipient_kind="collective",
        recipient_name="Chi hội Phụ nữ ấp Phú Hòa",
        title="Giấy khen của Đảng ủy xã",
        level="commune",
        awarded_on=date(2025, 9, 1),
        decision_no="12-QĐ/ĐU",
    )
    assert award.unit_path == p.unit_path and award.org_path == p.org_path
    person = services.award_create(
        actor=reg.root,
        unit=reg.w.province_a,
        recipient_kind="individual",
        recipient_name="Nguyễn Thị Hoa",
        title="Kỷ niệm chương Vì sự nghiệp dân vận",
        level="central",
        awarded_on=date(2025, 10, 15),
    )
    assert person.practice is None
    assert "awarded" in steps(p)
    assert Assessment.objects.count() == 1 and Practice.objects.count() == 1
