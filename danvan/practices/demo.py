""" "Dân vận khéo" models of the demo province: a few hundred models in every state — registered, assessed
(some not passed), recognised, replicated (with their replications at other communes), stopped — with
results in figures, council assessments, the timeline of each, and awards.

Deterministic for a seed, inserted in bulk (a second or two).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from danvan.core.text import fold
from danvan.practices.models import (
    Assessment,
    AssessmentScore,
    Award,
    AwardLevel,
    Milestone,
    OwnerKind,
    Practice,
    PracticeField,
    PracticeLevel,
    PracticeResult,
    PracticeStatus,
    RecognitionLevel,
    Step,
)
from danvan.practices.search import document
from danvan.practices.services import scheme_seed
from danvan.structure.models import Organisation, Unit, UnitLevel

# (field, name, owner type, problem, results: (indicator, measure, before, after))
TEMPLATES = [
    (
        PracticeField.ECONOMY,
        "Tổ hợp tác nuôi bò sinh sản",
        "farmers",
        "Hộ nghèo thiếu vốn, thiếu kỹ thuật chăn nuôi",
        [("Hộ thoát nghèo", "hộ", 0, 14), ("Đàn bò", "con", 22, 61)],
    ),
    (
        PracticeField.ECONOMY,
        "Cánh đồng lúa hữu cơ liên kết tiêu thụ",
        "farmers",
        "Giá lúa bấp bênh, lạm dụng phân thuốc",
        [("Diện tích liên kết", "ha", 0, 85), ("Lợi nhuận bình quân", "triệu đồng/ha/vụ", 9, 14)],
    ),
    (
        PracticeField.ECONOMY,
        "Tổ phụ nữ tiết kiệm, giúp nhau làm kinh tế",
        "women",
        "Phụ nữ nghèo vay nặng lãi",
        [("Thành viên", "người", 12, 48), ("Vốn quay vòng", "triệu đồng", 20, 310)],
    ),
    (
        PracticeField.ECONOMY,
        "Hội quán nông dân",
        "farmers",
        "Nông dân thiếu nơi trao đổi kỹ thuật, thông tin thị trường",
        [("Lượt nông dân sinh hoạt", "lượt/năm", 0, 640)],
    ),
    (
        PracticeField.ECONOMY,
        "Thanh niên khởi nghiệp với sản phẩm OCOP",
        "youth",
        "Thanh niên nông thôn thiếu việc làm",
        [("Sản phẩm OCOP 3 sao", "sản phẩm", 0, 3), ("Lao động có việc làm", "người", 0, 26)],
    ),
    (
        PracticeField.CULTURE_SOCIETY,
        "Tủ sách pháp luật tại ấp",
        "front",
        "Người dân ít tiếp cận thông tin pháp luật",
        [("Lượt mượn sách", "lượt/năm", 0, 420)],
    ),
    (
        PracticeField.CULTURE_SOCIETY,
        "Câu lạc bộ gia đình hạnh phúc",
        "women",
        "Bạo lực gia đình, trẻ em bỏ học",
        [("Vụ bạo lực gia đình", "vụ/năm", 9, 1), ("Trẻ em bỏ học", "em", 7, 0)],
    ),
    (
        PracticeField.CULTURE_SOCIETY,
        "Ngày Chủ nhật xanh - sạch - đẹp",
        "youth",
        "Rác thải ven kênh rạch, đường làng",
        [("Tuyến đường sạch đẹp", "km", 2, 19), ("Điểm rác tự phát", "điểm", 14, 1)],
    ),
    (
        PracticeField.CULTURE_SOCIETY,
        "Bữa cơm nghĩa tình cho bệnh nhân nghèo",
        "women",
        "Bệnh nhân nghèo khó khăn khi điều trị",
        [("Suất cơm", "suất/năm", 0, 9800)],
    ),
    (
        PracticeField.CULTURE_SOCIETY,
        "Mái ấm Công đoàn, nhà Đại đoàn kết",
        "front",
        "Hộ nghèo ở nhà tạm, dột nát",
        [("Nhà được xây, sửa", "căn", 0, 12)],
    ),
    (
        PracticeField.DEFENCE_SECURITY,
        "Camera an ninh kết nối cộng đồng",
        "front",
        "Trộm cắp vặt, mất trật tự về đêm",
        [("Camera lắp đặt", "camera", 0, 36), ("Vụ trộm cắp", "vụ/năm", 11, 2)],
    ),
    (
        PracticeField.DEFENCE_SECURITY,
        "Tổ tự quản an ninh trật tự",
        "veterans",
        "Thanh thiếu niên tụ tập, đua xe",
        [("Vụ việc được hòa giải", "vụ", 0, 17)],
    ),
    (
        PracticeField.DEFENCE_SECURITY,
        "Dòng họ không có người vi phạm pháp luật",
        "front",
        "Con em vi phạm pháp luật, ma túy",
        [("Dòng họ đăng ký", "dòng họ", 0, 9), ("Người vi phạm", "người/năm", 6, 0)],
    ),
    (
        PracticeField.DEFENCE_SECURITY,
        "Cựu chiến binh tham gia giữ gìn an ninh biên giới, bờ biển",
        "veterans",
        "Xâm nhập, buôn lậu qua đường sông",
        [("Buổi tuần tra", "buổi/năm", 0, 96)],
    ),
    (
        PracticeField.POLITICAL_SYSTEM,
        "Đối thoại định kỳ giữa Bí thư với Nhân dân",
        "commission",
        "Kiến nghị của người dân chậm được giải quyết",
        [("Kiến nghị được giải quyết", "%", 58, 94)],
    ),
    (
        PracticeField.POLITICAL_SYSTEM,
        "Cán bộ, đảng viên nắm dân từng hộ",
        "commission",
        "Nắm tình hình dân chưa sát",
        [("Hộ được cán bộ phụ trách", "%", 40, 100)],
    ),
    (
        PracticeField.POLITICAL_SYSTEM,
        "Nhóm Zalo “Ấp với dân”",
        "front",
        "Thông tin đến người dân chậm, không đầy đủ",
        [("Thành viên nhóm", "người", 0, 740), ("Phản ánh được trả lời trong 48 giờ", "%", 0, 91)],
    ),
    (
        PracticeField.POLITICAL_SYSTEM,
        "Hòm thư góp ý xây dựng Đảng, chính quyền",
        "front",
        "Ít kênh để dân góp ý",
        [("Ý kiến tiếp nhận", "ý kiến/năm", 3, 57)],
    ),
]
ISSUERS = {RecognitionLevel.COMMUNE: "Đảng ủy xã", RecognitionLevel.PROVINCE: "Ban Thường vụ Tỉnh ủy"}
COUNCIL = "Hội đồng thẩm định mô hình “Dân vận khéo” {place}"
AWARD_TITLES = [
    ("Bằng khen của Chủ tịch UBND tỉnh", AwardLevel.PROVINCE),
    ("Giấy khen của Đảng ủy xã", AwardLevel.COMMUNE),
    ("Kỷ niệm chương “Vì sự nghiệp dân vận”", AwardLevel.CENTRAL),
]
PEOPLE = [
    "Nguyễn Thị Hoa",
    "Trần Văn Sang",
    "Thạch Thị Sa Rươne",
    "Lê Văn Phước",
    "Kim Thị Mai",
    "Huỳnh Văn Tâm",
]


def extend(result, rng: random.Random, size: str) -> None:
    generate(province=result.province, seed=rng.randint(0, 10**9), count=300 if size != "small" else 40)


def generate(
    *, province: Unit, seed: int = 2026, count: int = 300, today: date | None = None
) -> dict[str, int]:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    scheme = scheme_seed()
    criteria = list(scheme.criteria.all())
    max_total = Decimal(sum(c.max_score for c in criteria))
    communes = list(
        Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE, valid_to__isnull=True).order_by("code")
    )
    if not communes:
        return {}
    orgs = {}
    for o in Organisation.objects.filter(unit_path__startswith=province.path, is_active=True).select_related(
        "type", "unit"
    ):
        orgs[(o.unit_id, o.type.code)] = o
    villages: dict[int, list[Unit]] = {}
    for v in Unit.objects.filter(
        path__startswith=province.path, level=UnitLevel.VILLAGE, valid_to__isnull=True
    ):
        villages.setdefault(v.parent_id, []).append(v)

    code_n: dict[int, int] = {}

    def code_for(on: date) -> str:
        code_n[on.year] = code_n.get(on.year, 0) + 1
        return f"DVK-{province.path.split('/')[0]}-{on.year}-{code_n[on.year]:04d}"

    # Decide each model's story first, then write everything in bulk.
    originals = int(count * 0.8)
    stories = []
    for _i in range(originals):
        field, name, type_code, problem, results = rng.choice(TEMPLATES)
        commune = rng.choice(communes)
        r = rng.random()
        level = PracticeLevel.COMMUNE
        unit = commune
        if r < 0.45 and villages.get(commune.pk):
            level, unit = PracticeLevel.VILLAGE, rng.choice(villages[commune.pk])
        elif r > 0.93:
            level, unit = PracticeLevel.PROVINCE, province
        state = rng.choices(
            ["registered", "assessed_fail", "assessed", "recognised", "replicated", "stopped"],
            weights=[18, 6, 14, 34, 18, 10],
        )[0]
        registered_on = today - timedelta(days=rng.randint(40, 4 * 365))
        stories.append(
            dict(
                field=field,
                name=name,
                type_code=type_code,
                problem=problem,
                results=results,
                unit=unit,
                commune=commune,
                level=level,
                state=state,
                registered_on=registered_on,
            )
        )

    practices: list[Practice] = []
    scores: list[tuple[int, list]] = []
    milestones = []
    assessments = []
    for s in stories:
        org = orgs.get(
            (s["commune"].pk if s["level"] != PracticeLevel.PROVINCE else province.pk, s["type_code"])
        )
        owner_kind = OwnerKind.INDIVIDUAL if rng.random() < 0.15 else OwnerKind.COLLECTIVE
        owner = (
            rng.choice(PEOPLE)
            if owner_kind == OwnerKind.INDIVIDUAL
            else (org.name if org else s["unit"].name)
        )
        name = f"{s['name']} {s['unit'].name}" if rng.random() < 0.6 else s["name"]
        started = s["registered_on"] - timedelta(days=rng.randint(90, 900))
        p = Practice(
            code=code_for(s["registered_on"]),
            name=name,
            field=s["field"],
            level=s["level"],
            owner_kind=owner_kind,
            owner_name=owner,
            organisation=org,
            unit=s["unit"],
            unit_path=s["unit"].path,
            org_path=org.path if org else "",
            started_on=started,
            description=f"{s['name']}: {s['problem'].lower()}; cán bộ vận động, hướng dẫn, người dân cùng bàn, cùng làm, cùng hưởng lợi.",
            problem=s["problem"],
            people_reached=rng.randint(30, 2500),
            registered_on=s["registered_on"],
            status=PracticeStatus.REGISTERED,
        )
        s["practice"] = p
        practices.append(p)
    _advance(rng, stories, today, max_total, scheme, criteria, assessments, scores, milestones)

    # Replications of replicated originals, at other communes (an original without one stays recognised).
    budget = count - originals
    plan: list[tuple[dict, Unit]] = []
    for s in stories:
        if s["state"] != "replicated":
            continue
        n = min(rng.randint(1, 3), budget - len(plan))
        if n <= 0:
            p = s["practice"]
            p.status, p.replicated_on, s["state"] = PracticeStatus.RECOGNISED, None, "recognised"
            continue
        plan.extend((s, rng.choice(communes)) for _k in range(n))
    Practice.objects.bulk_create(practices, batch_size=500)
    replicas = []
    first_done: set[int] = set()
    for s, commune in plan:
        origin = s["practice"]
        org = orgs.get((commune.pk, s["type_code"]))
        later = rng.randint(1, 120) if origin.pk in first_done else 0
        first_done.add(origin.pk)
        on = min(today, origin.replicated_on + timedelta(days=later))
        replica = Practice(
            code=code_for(on),
            name=s["name"],
            field=origin.field,
            level=PracticeLevel.COMMUNE,
            owner_kind=OwnerKind.COLLECTIVE,
            owner_name=org.name if org else commune.name,
            organisation=org,
            unit=commune,
            unit_path=commune.path,
            org_path=org.path if org else "",
            started_on=on,
            description=origin.description,
            problem=origin.problem,
            people_reached=rng.randint(20, 800),
            registered_on=on,
            status=PracticeStatus.REGISTERED,
            origin=origin,
        )
        replicas.append((replica, origin))
    Practice.objects.bulk_create([r for r, _o in replicas], batch_size=500)
    for replica, origin in replicas:
        milestones.append(
            Milestone(
                practice=replica,
                step=Step.REPLICA_OF,
                on=replica.registered_on,
                note=origin.name,
                related=origin,
            )
        )
        milestones.append(
            Milestone(
                practice=origin,
                step=Step.REPLICATED,
                on=replica.registered_on,
                note=f"{replica.unit.name}: {replica.owner_name}",
                related=replica,
            )
        )

    # Results, search text, assessments with scores, timelines, awards.
    result_rows = []
    for s in stories:
        p = s["practice"]
        for i, (indicator, measure, before, after) in enumerate(s["results"]):
            jitter = Decimal(rng.randint(80, 130)) / 100
            result_rows.append(
                PracticeResult(
                    practice=p,
                    indicator=indicator,
                    measure=measure,
                    before=Decimal(before),
                    after=(Decimal(after) * jitter).quantize(Decimal("1")),
                    order=i,
                )
            )
    PracticeResult.objects.bulk_create(result_rows, batch_size=1000)
    for a in assessments:
        a.practice_id = a.practice.pk
    Assessment.objects.bulk_create(assessments, batch_size=500)
    score_rows = []
    for assessment, values in scores:
        for criterion, value in values:
            score_rows.append(AssessmentScore(assessment=assessment, criterion=criterion, score=value))
    AssessmentScore.objects.bulk_create(score_rows, batch_size=2000)
    for m in milestones:
        m.practice_id = m.practice.pk
        if m.related is not None:
            m.related_id = m.related.pk
    Milestone.objects.bulk_create(milestones, batch_size=2000)
    _search_text([s["practice"] for s in stories] + [r for r, _o in replicas])

    awards = []
    for s in stories:
        p = s["practice"]
        if p.recognised_on and rng.random() < 0.3:
            title, level = rng.choice(AWARD_TITLES[:2])
            on = min(today, p.recognised_on + timedelta(days=rng.randint(10, 200)))
            awards.append(
                Award(
                    practice=p,
                    recipient_kind=OwnerKind.COLLECTIVE,
                    recipient_name=p.owner_name,
                    organisation=p.organisation,
                    unit=p.unit,
                    unit_path=p.unit_path,
                    org_path=p.org_path,
                    title=title,
                    level=level,
                    decision_no=f"{rng.randint(100, 999)}/QĐ-UBND",
                    awarded_on=on,
                    issuer="UBND tỉnh" if level == AwardLevel.PROVINCE else "Đảng ủy xã",
                    search_name=fold(f"{p.owner_name} {title} {p.name}")[:600],
                )
            )
            milestones_award = Milestone(
                practice=p, step=Step.AWARDED, on=on, note=f"{title} — {p.owner_name}"
            )
            milestones_award.save()
    for _k in range(12):
        person = rng.choice(PEOPLE)
        title, level = AWARD_TITLES[2]
        awards.append(
            Award(
                recipient_kind=OwnerKind.INDIVIDUAL,
                recipient_name=person,
                unit=province,
                unit_path=province.path,
                title=title,
                level=level,
                decision_no=f"{rng.randint(100, 999)}-QĐ/BDVTW",
                awarded_on=today - timedelta(days=rng.randint(30, 700)),
                issuer="Ban Dân vận Trung ương",
                search_name=fold(f"{person} {title}"),
            )
        )
    Award.objects.bulk_create(awards)
    return {"practices": len(practices) + len(replicas), "awards": len(awards)}


def _advance(rng, stories, today, max_total, scheme, criteria, assessments, scores, milestones) -> None:
    """Walk each model through its steps: registered → assessed → recognised → replicated / stopped."""
    for s in stories:
        p: Practice = s["practice"]
        state = s["state"]
        milestones.append(Milestone(practice=p, step=Step.REGISTERED, on=p.registered_on))
        day = p.registered_on
        if state in ("assessed_fail", "assessed", "recognised", "replicated") or (
            state == "stopped" and rng.random() < 0.5
        ):
            day = min(today, day + timedelta(days=rng.randint(20, 120)))
            passed = state != "assessed_fail"
            share = rng.uniform(0.74, 0.97) if passed else rng.uniform(0.4, 0.66)
            values = []
            for c in criteria:
                v = Decimal(round(c.max_score * min(1.0, max(0.0, rng.gauss(share, 0.06))), 0))
                values.append((c, v))
            total = sum((v for _c, v in values), Decimal(0))
            passed = total >= max_total * scheme.pass_share
            place = s["commune"].name if p.level == PracticeLevel.VILLAGE else p.unit.name
            a = Assessment(
                practice=p,
                unit_path=p.unit_path,
                org_path=p.org_path,
                scheme=scheme,
                council=COUNCIL.format(place=place),
                assessed_on=day,
                total=total,
                max_total=max_total,
                passed=passed,
                conclusion="Mô hình có hiệu quả, đề nghị công nhận."
                if passed
                else "Chưa đạt, đề nghị hoàn thiện.",
            )
            assessments.append(a)
            scores.append((a, values))
            milestones.append(
                Milestone(
                    practice=p,
                    step=Step.ASSESSED,
                    on=day,
                    note=f"{a.council}: {total}/{max_total} ({'đạt' if passed else 'không đạt'})",
                )
            )
            p.status, p.assessed_on = PracticeStatus.ASSESSED, day
            if passed and state in ("recognised", "replicated"):
                day = min(today, day + timedelta(days=rng.randint(10, 60)))
                level = RecognitionLevel.PROVINCE if rng.random() < 0.3 else RecognitionLevel.COMMUNE
                p.status = PracticeStatus.RECOGNISED
                p.recognised_on, p.recognition_level = day, level
                p.recognition_no = (
                    f"{rng.randint(10, 999)}-QĐ/{'TU' if level == RecognitionLevel.PROVINCE else 'ĐU'}"
                )
                p.recognition_issuer = ISSUERS[level]
                milestones.append(
                    Milestone(
                        practice=p,
                        step=Step.RECOGNISED,
                        on=day,
                        note=f"{p.recognition_no} {p.recognition_issuer}",
                    )
                )
                if state == "replicated":
                    p.status = PracticeStatus.REPLICATED
                    p.replicated_on = min(today, day + timedelta(days=rng.randint(30, 200)))
        if state == "stopped":
            on = min(today, day + timedelta(days=rng.randint(60, 400)))
            p.status, p.stopped_on = PracticeStatus.STOPPED, on
            p.stop_reason = rng.choice(
                ["Không còn kinh phí duy trì", "Người phụ trách chuyển công tác", "Nhu cầu không còn"]
            )
            milestones.append(Milestone(practice=p, step=Step.STOPPED, on=on, note=p.stop_reason))


def _search_text(practices: list[Practice]) -> None:
    from django.db.models import Case, Value, When

    results: dict[int, list[str]] = {}
    for practice_id, indicator in PracticeResult.objects.filter(practice__in=practices).values_list(
        "practice_id", "indicator"
    ):
        results.setdefault(practice_id, []).append(indicator)
    org_names = dict(
        Organisation.objects.filter(
            pk__in={p.organisation_id for p in practices if p.organisation_id}
        ).values_list("id", "name")
    )
    whens = []
    for p in practices:
        text = document(
            p.code,
            p.name,
            p.owner_name,
            org_names.get(p.organisation_id, ""),
            p.unit.name,
            p.description,
            p.problem,
            " ".join(results.get(p.pk, [])),
            p.recognition_no,
        )
        whens.append(When(pk=p.pk, then=Value(text)))
    for i in range(0, len(whens), 500):
        chunk = whens[i : i + 500]
        ids = [w.condition.children[0][1] for w in chunk]
        Practice.objects.filter(pk__in=ids).update(search_text=Case(*chunk))
