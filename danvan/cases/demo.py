"""Demo content of the cases module: a few thousand cases in every state with deadlines spread around today,
their timelines, denouncers' identities (encrypted), ratings, dialogue sessions with questions and
commitments, and leaders' reception sessions. Deterministic (seeded) and fast (bulk inserts)."""

from __future__ import annotations

import json
import random
from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

DEMO_TEXTS = {
    "land": [
        (
            "Đề nghị cấp giấy chứng nhận quyền sử dụng đất",
            "Gia đình tôi sử dụng ổn định thửa đất từ năm 1995, đã nộp hồ sơ đề nghị cấp giấy chứng nhận quyền sử dụng đất nhưng đến nay chưa được giải quyết.",
        ),
        (
            "Khiếu nại mức bồi thường khi thu hồi đất làm đường",
            "Mức bồi thường đất nông nghiệp khi thu hồi để làm đường huyện thấp hơn giá thị trường, đề nghị xem xét lại quyết định bồi thường.",
        ),
        (
            "Tranh chấp ranh giới đất với hộ liền kề",
            "Hộ liền kề xây hàng rào lấn sang phần đất của gia đình khoảng 0,5 mét, đề nghị chính quyền đo đạc, hòa giải.",
        ),
        (
            "Phản ánh việc san lấp mặt bằng trái phép",
            "Một số hộ san lấp đất ruộng để xây nhà khi chưa được chuyển mục đích sử dụng đất.",
        ),
    ],
    "environment": [
        (
            "Phản ánh trại chăn nuôi heo gây ô nhiễm",
            "Trại chăn nuôi heo trong ấp xả nước thải ra kênh, gây mùi hôi ảnh hưởng sinh hoạt của các hộ dân xung quanh.",
        ),
        (
            "Rác thải không được thu gom đúng lịch",
            "Xe thu gom rác không đến đúng lịch, rác tồn đọng ven đường nhiều ngày.",
        ),
        (
            "Khai thác cát trái phép trên sông",
            "Ban đêm có ghe khai thác cát trên sông gây sạt lở bờ, đề nghị kiểm tra xử lý.",
        ),
    ],
    "health": [
        (
            "Kiến nghị bố trí thêm bác sĩ tại trạm y tế xã",
            "Trạm y tế xã chỉ có một y sĩ, người dân phải lên tuyến trên khám bệnh thông thường.",
        ),
        (
            "Phản ánh chậm cấp thẻ bảo hiểm y tế cho trẻ em",
            "Con tôi dưới 6 tuổi nhưng đã ba tháng chưa nhận được thẻ bảo hiểm y tế.",
        ),
    ],
    "education": [
        (
            "Kiến nghị sửa chữa phòng học xuống cấp",
            "Phòng học của điểm trường ấp bị dột, tường nứt, không an toàn cho học sinh mùa mưa.",
        ),
        (
            "Phản ánh thu các khoản ngoài quy định đầu năm học",
            "Trường thu nhiều khoản đóng góp đầu năm học chưa được phụ huynh thống nhất.",
        ),
    ],
    "social_policy": [
        (
            "Đề nghị xét hộ cận nghèo",
            "Gia đình có người bệnh nặng, thu nhập thấp nhưng chưa được đưa vào danh sách hộ cận nghèo.",
        ),
        (
            "Chậm chi trả trợ cấp người có công",
            "Tiền trợ cấp tháng của thân nhân liệt sĩ chậm chi trả hai tháng nay.",
        ),
        (
            "Kiến nghị hỗ trợ nhà ở cho hộ khó khăn",
            "Nhà ở của bà tôi đã xuống cấp nặng, đề nghị xem xét hỗ trợ xây nhà tình thương.",
        ),
    ],
    "labour": [
        (
            "Công ty nợ lương công nhân",
            "Công ty may trên địa bàn chậm trả lương hai tháng cho khoảng 120 công nhân.",
        ),
    ],
    "economy": [
        (
            "Kiến nghị hỗ trợ tiêu thụ lúa",
            "Thương lái ép giá lúa, đề nghị địa phương hỗ trợ kết nối tiêu thụ cho nông dân.",
        ),
    ],
    "infrastructure": [
        (
            "Đường giao thông nông thôn xuống cấp",
            "Tuyến đường liên ấp bị sụt lún nhiều đoạn, xe máy đi lại khó khăn, nhất là mùa mưa.",
        ),
        (
            "Đề nghị lắp đèn chiếu sáng tuyến đường ấp",
            "Tuyến đường ấp dài 2 km không có đèn chiếu sáng, người dân đi lại ban đêm không an toàn.",
        ),
        (
            "Mất điện kéo dài không báo trước",
            "Khu vực ấp thường xuyên mất điện nhiều giờ mà không có thông báo trước.",
        ),
        ("Nước sạch sinh hoạt không ổn định", "Nhà máy nước cấp nước yếu, có ngày không có nước sinh hoạt."),
    ],
    "public_order": [
        (
            "Phản ánh tụ tập đua xe trái phép",
            "Nhóm thanh niên thường tụ tập đua xe vào ban đêm trên tuyến đường tỉnh, gây mất an ninh trật tự.",
        ),
        ("Phản ánh hoạt động cho vay nặng lãi", "Có người cho vay với lãi suất rất cao và đe dọa người vay."),
    ],
    "administration": [
        (
            "Chậm giải quyết thủ tục đăng ký hộ tịch",
            "Hồ sơ đăng ký khai sinh nộp đã quá hạn hẹn trả nhưng chưa nhận được kết quả.",
        ),
        (
            "Thái độ chưa đúng mực của cán bộ bộ phận một cửa",
            "Cán bộ tiếp nhận hồ sơ có thái độ không niềm nở, hướng dẫn không rõ ràng.",
        ),
    ],
    "officials": [
        (
            "Tố cáo cán bộ địa chính nhận tiền khi làm hồ sơ",
            "Cán bộ địa chính xã yêu cầu nộp thêm tiền ngoài quy định để được giải quyết hồ sơ nhanh.",
        ),
        (
            "Tố cáo sai phạm trong xét chọn hộ nghèo",
            "Trưởng ấp đưa người thân không đủ điều kiện vào danh sách hộ nghèo.",
        ),
    ],
    "policy_law": [
        (
            "Góp ý dự thảo đề án sắp xếp ấp, khóm",
            "Góp ý về việc sáp nhập hai ấp, đề nghị giữ tên ấp cũ để thuận tiện cho người dân.",
        ),
        (
            "Góp ý dự thảo quy định về hỗ trợ chuyển đổi nghề",
            "Đề nghị mở rộng đối tượng được hỗ trợ học nghề cho lao động trên 45 tuổi.",
        ),
    ],
    "disaster": [
        (
            "Sạt lở bờ kênh đe dọa nhà dân",
            "Bờ kênh sạt lở sát chân móng nhà của 5 hộ dân, đề nghị khẩn cấp gia cố.",
        ),
    ],
}
DEMO_TEXTS["land"] += [
    (
        "Khiếu nại quyết định thu hồi đất",
        "Quyết định thu hồi đất của gia đình tôi không đúng diện tích thực tế đang sử dụng, đề nghị xem xét lại.",
    ),
    (
        "Tố cáo việc xác nhận sai nguồn gốc đất",
        "Cán bộ ấp và cán bộ địa chính xác nhận sai nguồn gốc thửa đất để hợp thức hóa cho người quen.",
    ),
]
DEMO_TEXTS["social_policy"] += [
    (
        "Khiếu nại việc cắt trợ cấp bảo trợ xã hội",
        "Mẹ tôi 82 tuổi bị cắt trợ cấp xã hội hàng tháng mà không được thông báo lý do.",
    ),
]
DEMO_TEXTS["administration"] += [
    (
        "Khiếu nại việc từ chối cấp giấy phép xây dựng",
        "Hồ sơ xin phép xây dựng nhà ở đủ điều kiện nhưng bị từ chối không nêu rõ lý do.",
    ),
]
DEMO_TEXTS["officials"] += [
    (
        "Tố cáo sử dụng xe công vào việc riêng",
        "Lãnh đạo đơn vị thường xuyên sử dụng xe công đưa đón người nhà vào cuối tuần.",
    ),
]
DEMO_TEXTS["public_order"] += [
    (
        "Tố cáo cơ sở karaoke hoạt động quá giờ",
        "Cơ sở karaoke hoạt động đến 2 giờ sáng, gây ồn ào, có dấu hiệu bảo kê.",
    ),
]
DEMO_TEXTS["infrastructure"] += [
    (
        "Kiến nghị nạo vét kênh thủy lợi",
        "Kênh thủy lợi nội đồng bị bồi lắng, không đủ nước tưới cho vụ lúa Đông Xuân.",
    ),
]

FIELD_WEIGHTS = {
    "land": 24,
    "environment": 10,
    "health": 5,
    "education": 5,
    "social_policy": 12,
    "labour": 3,
    "economy": 4,
    "infrastructure": 16,
    "public_order": 6,
    "administration": 7,
    "officials": 4,
    "policy_law": 3,
    "disaster": 1,
}
# Where the demo's cases stand today (shares), and how old a case at that step usually is.
STAGE_WEIGHTS = {
    "received": 6,
    "accepted": 3,
    "assigned": 4,
    "in_progress": 10,
    "concluded": 2,
    "answered": 12,
    "closed": 54,
    "not_accepted": 6,
    "transferred": 3,
}
RESOLUTION_SPAN = {"report": 15, "recommendation": 15, "complaint": 40, "denunciation": 45, "comment": 35}


def _kind_of(title: str, rng: random.Random) -> str:
    for prefix, kind in (
        ("Phản ánh", "report"),
        ("Kiến nghị", "recommendation"),
        ("Đề nghị", "recommendation"),
        ("Khiếu nại", "complaint"),
        ("Tố cáo", "denunciation"),
        ("Góp ý", "comment"),
    ):
        if title.startswith(prefix):
            return kind
    return rng.choice(["report", "report", "recommendation"])


def _age_for(stage: str, kind: str, rng: random.Random) -> int:
    """Days since receipt: open cases mostly within their time limit (some overdue), closed ones older."""
    span = RESOLUTION_SPAN[kind]
    if stage == "received":
        return rng.randint(0, 7)
    if stage in ("accepted", "assigned", "in_progress"):
        return rng.randint(3, int(span * 1.15) + 2)
    if stage == "concluded":
        return rng.randint(8, span + 10)
    return int(rng.triangular(10, 420, 40))


CITIZEN_NAMES = [
    "Nguyễn Văn Hai",
    "Trần Thị Lan",
    "Lê Văn Phước",
    "Thạch Sô Phal",
    "Kim Thị Sa Ry",
    "Phạm Văn Tám",
    "Huỳnh Thị Mai",
    "Võ Văn Sáu",
    "Sơn Thị Thu",
    "Đặng Văn Út",
    "Lâm Thị Bé",
    "Dương Văn Nhỏ",
]
ANSWERS = [
    "UBND xã đã kiểm tra thực tế, yêu cầu đơn vị liên quan khắc phục trong 15 ngày và sẽ tiếp tục giám sát.",
    "Nội dung phản ánh là đúng một phần; cơ quan chức năng đã xử lý vi phạm và thông báo kết quả cho công dân.",
    "Đề nghị của công dân đã được đưa vào kế hoạch đầu tư năm tới; địa phương sẽ thông báo khi triển khai.",
    "Qua xác minh, nội dung phản ánh không có cơ sở; đã giải thích, hướng dẫn công dân.",
]


def extend(result, rng: random.Random, size: str) -> None:
    generate(
        province=result.province,
        first_commune=result.commune,
        seed=rng.randint(0, 10**9),
        cases=600 if size == "small" else 3500,
    )


def _weighted(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


@transaction.atomic
def generate(*, province, first_commune, seed: int = 2026, cases: int = 3500) -> dict[str, int]:
    from danvan.accounts.models import User
    from danvan.cases import reference
    from danvan.cases.deadlines import due_date
    from danvan.cases.models import (
        Case,
        CaseEvent,
        Channel,
        Commitment,
        CommitmentStatus,
        CommitmentUpdate,
        ConcernField,
        DeadlineRule,
        DenouncerIdentity,
        Dialogue,
        DialogueQuestion,
        DialogueStatus,
        EventKind,
        Rating,
        ReceptionRequirement,
        ReceptionSession,
        ReceptionStatus,
        RefusalReason,
        Status,
        refusal_reasons_for,
    )
    from danvan.cases.services import IDENTITY_CONTEXT, new_tracking_code
    from danvan.core import crypto
    from danvan.core.text import fold
    from danvan.structure.models import Organisation, Unit, UnitLevel
    from danvan.structure.services import next_ids

    rng = random.Random(seed)
    reference.seed_all()
    today = timezone.localdate()
    cal = reference.work_calendar()
    fields = {f.code: f for f in ConcernField.objects.all()}
    rules = {(r.kind, r.stage, r.instance): r for r in DeadlineRule.objects.filter(is_active=True)}

    communes = list(Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code"))
    villages: dict[int, list] = {}
    for v in Unit.objects.filter(path__startswith=province.path, level=UnitLevel.VILLAGE).only(
        "pk", "path", "parent_id", "name"
    ):
        villages.setdefault(v.parent_id, []).append(v)
    orgs = Organisation.objects.filter(
        unit_path__startswith=province.path,
        type__code__in=("peoples_committee", "front", "citizen_reception"),
    ).select_related("type")
    bodies: dict[tuple[int, str], Organisation] = {(o.unit_id, o.type.code): o for o in orgs}
    province_reception = bodies.get((province.pk, "citizen_reception"))
    handlers = {u.username: u for u in User.objects.filter(username__in=["tcd.xa", "tcd.tinh", "lanhdao.xa"])}
    fallback = (
        User.objects.filter(
            assignments__role__code="reception_officer", assignments__unit_path__startswith=province.path
        )
        .order_by("pk")
        .first()
    )
    handler_commune = handlers.get("tcd.xa") or fallback
    handler_province = handlers.get("tcd.tinh") or fallback
    # Weight the demo commune so that its accounts have plenty to work on.
    commune_weights = [12 if c.pk == first_commune.pk else 1 for c in communes]

    def rule_due(kind, stage, instance, start, complexity="normal", remote=False):
        rule = rules.get((kind, stage, instance if kind == "complaint" else ""))
        if rule is None:
            return None, None
        days = rule.days_for(complexity=complexity, remote=remote)
        due = due_date(start, days, rule.day_type, cal)
        return due, {
            "rule": rule.code,
            "label": rule.label,
            "days": days,
            "day_type": rule.day_type,
            "from": start.isoformat(),
            "due": due.isoformat(),
            "legal_basis": rule.legal_basis,
        }

    ids = next_ids(Case, cases)
    case_rows, events, identities, ratings = [], [], [], []

    def at(d: date, hour: int = 9) -> timezone.datetime:
        return timezone.make_aware(timezone.datetime.combine(d, time(hour, rng.randint(0, 59))))

    for pk in ids:
        field_code = _weighted(rng, FIELD_WEIGHTS)
        title, content = rng.choice(DEMO_TEXTS[field_code])
        kind = _kind_of(title, rng)
        commune = rng.choices(communes, weights=commune_weights)[0]
        unit = rng.choice(villages.get(commune.pk) or [commune])
        pick = rng.random()
        if pick < 0.12 and province_reception is not None:
            body = province_reception
        elif pick < 0.25:
            body = bodies.get((commune.pk, "front")) or bodies.get((commune.pk, "peoples_committee"))
        else:
            body = bodies.get((commune.pk, "peoples_committee"))
        stage = _weighted(rng, STAGE_WEIGHTS)
        age = _age_for(stage, kind, rng)
        received = today - timedelta(days=age)
        collective = rng.random() < 0.06
        remote = rng.random() < 0.05
        complexity = "complex" if rng.random() < 0.1 else "normal"
        instance = "first" if kind == "complaint" else ""
        channel = _weighted(
            rng,
            {
                Channel.WALK_IN: 30,
                Channel.MAIL: 15,
                Channel.WEB: 25,
                Channel.HOTLINE: 10,
                Channel.DIALOGUE: 5,
                Channel.BRANCH_MEETING: 6,
                Channel.FORWARDED: 5,
                Channel.OPINION: 4,
            },
        )
        citizen = rng.choice(CITIZEN_NAMES)
        c = Case(
            pk=pk,
            reference=f"{received.year}-{pk:06d}",
            tracking_code=new_tracking_code(),
            kind=kind,
            instance=instance,
            channel=channel,
            title=title,
            content=content,
            field=fields.get(field_code),
            unit=unit,
            concerned_path=unit.path,
            commune=commune,
            handling_org=body,
            unit_path=body.unit_path if body else commune.path,
            org_path=body.path if body else "",
            people_count=rng.randint(5, 40) if collective else 1,
            is_collective=collective,
            urgency="urgent" if rng.random() < 0.07 else "normal",
            complexity=complexity,
            is_remote=remote,
            received_on=received,
            deadline_basis={},
        )
        if kind != "denunciation":
            c.citizen_name = citizen
            c.citizen_phone = f"09{rng.randint(10000000, 99999999)}"
            c.citizen_address = f"{unit.name}"
        c.search_text = fold(f"{c.reference} {title} {content}")
        c.acceptance_due, basis = rule_due(kind, "acceptance", instance, received)
        if basis:
            c.deadline_basis["acceptance"] = basis
        ev = [CaseEvent(case_id=pk, kind=EventKind.RECEIVED, at=at(received, 8), data={"channel": channel})]
        handler = (
            handler_commune if body is not None and body.unit_id == first_commune.pk else handler_province
        )
        accepted = None
        if stage == "not_accepted":
            c.status = Status.NOT_ACCEPTED
            c.refusal_reason = rng.choice(  # only reasons that apply to the kind (services.case_refuse)
                [
                    r
                    for r in (
                        RefusalReason.NOT_COMPETENT,
                        RefusalReason.INCOMPLETE,
                        RefusalReason.DUPLICATE,
                        RefusalReason.WITHDRAWN,
                    )
                    if r in refusal_reasons_for(kind)
                ]
            )
            c.closed_on = min(today, received + timedelta(days=rng.randint(2, 9)))
            ev.append(
                CaseEvent(case_id=pk, actor=handler, kind=EventKind.NOT_ACCEPTED, at=at(c.closed_on), note="")
            )
        elif stage == "transferred":
            c.status = Status.TRANSFERRED
            c.transferred_to_name = "Sở Tài nguyên và Môi trường" if field_code == "land" else "Công an tỉnh"
            c.closed_on = min(today, received + timedelta(days=rng.randint(2, 9)))
            ev.append(
                CaseEvent(
                    case_id=pk,
                    actor=handler,
                    kind=EventKind.TRANSFERRED_OUT,
                    at=at(c.closed_on),
                    data={"to": c.transferred_to_name, "public_note": c.transferred_to_name},
                )
            )
        elif stage != "received":
            accepted = min(today, received + timedelta(days=rng.randint(1, 9)))
            c.accepted_on = accepted
            c.resolution_due, basis = rule_due(kind, "resolution", instance, accepted, complexity, remote)
            if basis:
                c.deadline_basis["resolution"] = basis
            ev.append(
                CaseEvent(
                    case_id=pk,
                    kind=EventKind.ACCEPTED,
                    at=at(accepted),
                    data={"resolution_due": c.resolution_due.isoformat() if c.resolution_due else None},
                )
            )
            c.status = Status.ACCEPTED
            if stage != "accepted" and handler is not None:
                c.handler = handler
                c.assigned_at = at(accepted, 14)
                c.status = Status.ASSIGNED
                ev.append(
                    CaseEvent(
                        case_id=pk, kind=EventKind.ASSIGNED, at=c.assigned_at, data={"handler": handler.pk}
                    )
                )
                if stage != "assigned":
                    c.status = Status.IN_PROGRESS
                    ev.append(
                        CaseEvent(
                            case_id=pk,
                            kind=EventKind.STARTED,
                            at=at(min(today, accepted + timedelta(days=1)), 10),
                        )
                    )
            if stage in ("concluded", "answered", "closed") and c.resolution_due:
                span = (c.resolution_due - accepted).days
                late = rng.random() < 0.12
                concluded = accepted + timedelta(
                    days=rng.randint(span + 1, span + 20) if late else rng.randint(3, max(3, span))
                )
                concluded = min(today, concluded)
                c.concluded_on = concluded
                c.conclusion = rng.choice(ANSWERS)
                c.status = Status.CONCLUDED
                c.answer_due, basis = rule_due(kind, "answer", instance, concluded)
                if basis:
                    c.deadline_basis["answer"] = basis
                ev.append(
                    CaseEvent(
                        case_id=pk,
                        kind=EventKind.CONCLUDED,
                        at=at(concluded, 15),
                        data={"late": bool(concluded > c.resolution_due)},
                    )
                )
                if stage in ("answered", "closed"):
                    answered = min(today, concluded + timedelta(days=rng.randint(0, 3)))
                    c.answered_on = answered
                    c.answer = c.conclusion
                    c.status = Status.ANSWERED
                    ev.append(
                        CaseEvent(
                            case_id=pk, kind=EventKind.ANSWERED, at=at(answered, 16), data={"public": True}
                        )
                    )
                    if stage == "closed":
                        c.closed_on = min(today, answered + timedelta(days=rng.randint(1, 12)))
                        c.status = Status.CLOSED
                        ev.append(CaseEvent(case_id=pk, kind=EventKind.CLOSED, at=at(c.closed_on, 17)))
                    if rng.random() < 0.55:
                        satisfied = rng.random() < 0.78
                        ratings.append(
                            Rating(
                                case_id=pk,
                                satisfied=satisfied,
                                at=at(min(today, answered + timedelta(days=2)), 20),
                                comment="" if satisfied else "Chưa giải quyết dứt điểm.",
                            )
                        )
        # The current deadline.
        if c.status == Status.RECEIVED:
            c.due_on = c.acceptance_due
        elif c.status in (Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS):
            c.due_on = c.resolution_due
        elif c.status == Status.CONCLUDED:
            c.due_on = c.answer_due
        for e in ev:  # who did each step: the officer of the body (the citizen, for a web submission)
            if e.actor_id is None and (e.kind != EventKind.RECEIVED or channel != Channel.WEB):
                e.actor = handler
        case_rows.append(c)
        events.extend(ev)
        if kind == "denunciation":
            payload = {
                "name": citizen,
                "phone": f"09{rng.randint(10000000, 99999999)}",
                "email": "",
                "address": unit.name,
                "id_number": "",
                "other": "",
            }
            identities.append(
                DenouncerIdentity(
                    case_id=pk,
                    payload_enc=crypto.encrypt(
                        json.dumps(payload, ensure_ascii=False), context=f"{IDENTITY_CONTEXT}:{pk}"
                    ),
                    name_hash=crypto.lookup_hash(fold(citizen), context=IDENTITY_CONTEXT),
                )
            )
    Case.objects.bulk_create(case_rows, batch_size=1000)
    CaseEvent.objects.bulk_create(events, batch_size=2000)
    DenouncerIdentity.objects.bulk_create(identities, batch_size=1000)
    Rating.objects.bulk_create(ratings, batch_size=1000)

    # Dialogue sessions with questions and commitments, in the demo commune and a few others.
    chairs = [
        "Đ/c Nguyễn Văn Thành, Bí thư Đảng ủy xã",
        "Đ/c Trần Thị Hồng, Chủ tịch UBND xã",
        "Đ/c Lê Minh Tâm, Chủ tịch UBMTTQ xã",
    ]
    n_dialogues = 0
    for i, commune in enumerate([first_commune, *communes[1:8]]):
        body = bodies.get((commune.pk, "front")) or bodies.get((commune.pk, "peoples_committee"))
        for j in range(3 if i == 0 else 1):
            held = (
                today - timedelta(days=20 + 60 * j + rng.randint(0, 20))
                if j or i
                else today + timedelta(days=9)
            )
            planned = held > today
            d = Dialogue.objects.create(
                title=f"Hội nghị đối thoại giữa người đứng đầu cấp ủy, chính quyền với Nhân dân {commune.name}",
                unit=commune,
                unit_path=commune.path,
                organisation=body,
                org_path=body.path if body else "",
                held_on=held,
                place=f"Hội trường UBND {commune.name}",
                chair_name=rng.choice(chairs),
                participants="Đại diện cấp ủy, chính quyền, MTTQ, các đoàn thể và Nhân dân các ấp",
                participant_count=rng.randint(60, 150),
                topics="Đất đai, giải phóng mặt bằng; giao thông nông thôn; an sinh xã hội",
                status=DialogueStatus.PLANNED if planned else DialogueStatus.HELD,
                search_text=fold(f"Hội nghị đối thoại {commune.name}"),
            )
            n_dialogues += 1
            if planned:
                continue
            for k in range(rng.randint(3, 5)):
                field_code = rng.choice(["land", "infrastructure", "social_policy", "environment"])
                q_title, q_text = rng.choice(DEMO_TEXTS[field_code])
                q = DialogueQuestion.objects.create(
                    dialogue=d,
                    asked_by=f"Ông/bà {rng.choice(CITIZEN_NAMES)}",
                    question=q_text,
                    answer=rng.choice(ANSWERS) if k % 2 == 0 else "",
                    answered_by=d.chair_name if k % 2 == 0 else "",
                )
                if k < 2:
                    due = held + timedelta(days=rng.randint(20, 90))
                    done = due < today and rng.random() < 0.6
                    cm = Commitment.objects.create(
                        dialogue=d,
                        question=q,
                        text=f"Giải quyết dứt điểm: {q_title.lower()}",
                        unit=commune,
                        unit_path=commune.path,
                        owner_org=bodies.get((commune.pk, "peoples_committee")),
                        org_path=(
                            bodies.get((commune.pk, "peoples_committee")).path
                            if bodies.get((commune.pk, "peoples_committee"))
                            else ""
                        ),
                        owner_name="Phó Chủ tịch UBND xã",
                        due_on=due,
                        status=CommitmentStatus.DONE
                        if done
                        else rng.choice([CommitmentStatus.OPEN, CommitmentStatus.IN_PROGRESS]),
                        done_on=min(today, due - timedelta(days=3)) if done else None,
                    )
                    CommitmentUpdate.objects.create(commitment=cm, status=cm.status, note="")

    # Leaders' reception sessions: three months back and one ahead; some communes fall short.
    requirements = {r.code: r for r in ReceptionRequirement.objects.all()}
    sessions = []
    month_starts = []
    first = today.replace(day=1)
    for back in range(3, -2, -1):
        m = (first.month - back - 1) % 12 + 1
        y = first.year + ((first.month - back - 1) // 12)
        month_starts.append(date(y, m, 1))
    for commune in communes[:25]:
        body = bodies.get((commune.pk, "peoples_committee"))
        diligent = rng.random() < 0.7
        for start in month_starts:
            days = [start + timedelta(days=i) for i in range(28) if cal.is_working(start + timedelta(days=i))]
            secretary_days = rng.sample(days, 2 if diligent else 1)
            thursdays = [d for d in days if d.weekday() == 3]
            chairman_days = thursdays if diligent else thursdays[: max(1, len(thursdays) - 2)]
            for code, chosen, who in (
                ("commune_party_secretary", secretary_days, "Bí thư Đảng ủy xã"),
                ("commune_chairman", chairman_days, "Chủ tịch UBND xã"),
            ):
                req = requirements.get(code)
                if req is None:
                    continue
                for d in chosen:
                    sessions.append(
                        ReceptionSession(
                            unit=commune,
                            unit_path=commune.path,
                            organisation=body,
                            org_path=body.path if body else "",
                            position=req,
                            leader_name=who,
                            on=d,
                            start_time=time(7, 30),
                            end_time=time(11, 0),
                            place=f"Trụ sở tiếp công dân {commune.name}",
                            status=ReceptionStatus.PLANNED if d > today else ReceptionStatus.HELD,
                            citizens_received=0 if d > today else rng.randint(0, 9),
                        )
                    )
    ReceptionSession.objects.bulk_create(sessions, batch_size=2000)
    return {
        "cases": len(case_rows),
        "events": len(events),
        "dialogues": n_dialogues,
        "sessions": len(sessions),
    }
