"""Grassroots activities of the demo province: quota rules in the manner of Quy định 784-QĐ/TU, the cadres of
the province and commune organisations, a year of branch meetings with the cadres who attended them (some
communes and organisations deliberately behind their quota, as the seeds report for the Women's Union,
the Veterans and the Youth Union), issues members raised, and a few training courses.

Deterministic for a seed; written with COPY (ids allocated ahead); the tallies follow by their statement
triggers. A few seconds for a province of 5,000 branches.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from danvan.activities import bulk
from danvan.activities.models import (
    Attendance,
    Cadre,
    CadreRole,
    CourseKind,
    IssueStatus,
    Meeting,
    MeetingIssue,
    MeetingKind,
    Participant,
    ParticipantResult,
    QuotaRule,
    TrainingCourse,
    level_of,
)
from danvan.activities.periods import PeriodKind, add_months, month_start
from danvan.activities.services import issue_search_name
from danvan.core.text import fold
from danvan.structure.models import Branch, Organisation, OrgType, Unit, UnitLevel

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Võ",
    "Phan",
    "Thạch",
    "Sơn",
    "Kim",
    "Đặng",
    "Bùi",
    "Dương",
]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hữu", "Kim", "Quốc"]
GIVEN = [
    "Hoa",
    "Lan",
    "Dũng",
    "Hùng",
    "Mai",
    "Sang",
    "Phước",
    "Thảo",
    "Nghĩa",
    "Tâm",
    "Bình",
    "Hạnh",
    "Tuấn",
    "Hải",
    "Long",
    "Nga",
    "Trang",
    "Hiếu",
    "Thành",
    "Vân",
    "Cường",
    "Lộc",
    "Yến",
    "Khang",
]
POSITIONS = {
    "commission": ["Trưởng Ban Tuyên giáo và Dân vận", "Phó Trưởng Ban Tuyên giáo và Dân vận", "Chuyên viên"],
    "front": ["Chủ tịch Ủy ban MTTQ", "Phó Chủ tịch Ủy ban MTTQ", "Ủy viên Thường trực"],
    "farmers": ["Chủ tịch Hội Nông dân", "Phó Chủ tịch Hội Nông dân", "Cán bộ chuyên trách"],
    "women": ["Chủ tịch Hội LHPN", "Phó Chủ tịch Hội LHPN", "Cán bộ chuyên trách"],
    "youth": ["Bí thư Đoàn", "Phó Bí thư Đoàn", "Ủy viên Ban Thường vụ"],
    "veterans": ["Chủ tịch Hội CCB", "Phó Chủ tịch Hội CCB", "Ủy viên Ban Thường vụ"],
}
ROLE_OF_RANK = [CadreRole.ORGANISATION_LEADER, CadreRole.ORGANISATION_LEADER, CadreRole.OFFICER]
CADRE_TYPES = list(POSITIONS)
# Share of their quota that cadres of these organisation types reach (the seeds' "chưa thường xuyên").
TYPE_DILIGENCE = {"women": 0.72, "veterans": 0.66, "youth": 0.72}
TOPICS = [
    "Sơ kết hoạt động tháng; triển khai nhiệm vụ tháng tới",
    "Tuyên truyền Luật Thực hiện dân chủ ở cơ sở",
    "Vận động hội viên tham gia xây dựng nông thôn mới",
    "Phòng, chống tác hại của thuốc lá và rượu bia",
    "Chuyển đổi cơ cấu cây trồng, vật nuôi thích ứng xâm nhập mặn",
    "Vận động đóng góp quỹ hội, quỹ tiết kiệm",
    "Phòng chống lừa đảo qua mạng",
    "Bảo vệ môi trường, phân loại rác tại nguồn",
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "Giới thiệu mô hình “Dân vận khéo” của ấp bạn",
]
CONTRIBUTIONS = [
    "Thông tin tình hình kinh tế - xã hội của xã, tỉnh",
    "Hướng dẫn thủ tục vay vốn Ngân hàng Chính sách xã hội",
    "Giải đáp thắc mắc của hội viên về bảo hiểm y tế",
    "Định hướng nội dung sinh hoạt chuyên đề quý tới",
    "Phổ biến kế hoạch ra quân làm đường giao thông nông thôn",
    "",
]
UNDERTAKINGS = [
    "Phản ánh với UBND xã việc sửa cầu dân sinh",
    "Liên hệ Trạm khuyến nông hỗ trợ giống lúa",
    "Kiến nghị điện lực kéo điện vào xóm",
    "Theo dõi, báo cáo kết quả giải quyết kiến nghị ở buổi sinh hoạt sau",
    "",
    "",
]
ISSUES = [
    ("Đường giao thông nông thôn xuống cấp, mùa mưa lầy lội", "Hội viên"),
    ("Giá lúa thấp, thương lái ép giá", "Hội viên"),
    ("Nước sinh hoạt bị nhiễm mặn vào mùa khô", "Hội viên"),
    ("Chậm cấp giấy chứng nhận quyền sử dụng đất", "Hội viên"),
    ("Thiếu đèn chiếu sáng đường xóm, mất an ninh về đêm", "Tổ trưởng tổ tự quản"),
    ("Rác thải ven kênh chưa được thu gom", "Hội viên"),
    ("Đề nghị mở lớp dạy nghề cho lao động nông thôn", "Đoàn viên"),
    ("Hộ cận nghèo chưa được cấp thẻ bảo hiểm y tế", "Chi hội trưởng"),
]
COURSES = [
    ("Tập huấn kỹ năng, nghiệp vụ công tác dân vận năm {year}", CourseKind.TRAINING, "commission", 16),
    ("Bồi dưỡng nghiệp vụ cho chi hội trưởng phụ nữ", CourseKind.REFRESHER, "women", 8),
    ("Tập huấn kỹ năng nắm tình hình Nhân dân, dư luận xã hội", CourseKind.TRAINING, "commission", 8),
    ("Tập huấn Luật Thực hiện dân chủ ở cơ sở", CourseKind.TRAINING, "front", 8),
    ("Bồi dưỡng cán bộ Hội Nông dân cơ sở", CourseKind.REFRESHER, "farmers", 12),
    ("Tập huấn chuyển đổi số trong công tác Đoàn", CourseKind.TRAINING, "youth", 8),
]

CADRE_COLUMNS = [
    "id",
    "full_name",
    "search_name",
    "user_id",
    "organisation_id",
    "unit_id",
    "unit_path",
    "org_path",
    "level",
    "role",
    "position",
    "phone",
    "email",
    "active_from",
    "active_until",
    "is_active",
    "created_at",
]
MEETING_COLUMNS = [
    "id",
    "branch_id",
    "organisation_id",
    "unit_id",
    "unit_path",
    "org_path",
    "held_on",
    "kind",
    "topics",
    "members_present",
    "members_total",
    "notes",
    "search_name",
    "cadre_count",
    "created_by_id",
    "created_at",
    "updated_at",
]
ATTENDANCE_COLUMNS = [
    "meeting_id",
    "cadre_id",
    "held_on",
    "branch_id",
    "meeting_organisation_id",
    "org_path",
    "unit_path",
    "organisation_id",
    "level",
    "role",
    "cadre_unit_path",
    "cadre_org_path",
    "contribution",
    "undertakings",
    "recorded_by_id",
    "recorded_at",
]
ISSUE_COLUMNS = [
    "meeting_id",
    "unit_path",
    "org_path",
    "summary",
    "details",
    "raised_by",
    "search_name",
    "status",
    "answer",
    "case_id",
    "case_reference",
    "forwarded_at",
    "forwarded_by_id",
    "recorded_by_id",
    "created_at",
]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def extend(result, rng: random.Random, size: str) -> None:
    generate(province=result.province, seed=rng.randint(0, 10**9), months=12 if size != "small" else 6)


def generate(
    *, province: Unit, seed: int = 2026, months: int = 12, today: date | None = None
) -> dict[str, int]:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    now = timezone.now()
    bulk.insert_history_off(
        "activities.Cadre", "activities.Meeting", "activities.Attendance", "activities.MeetingIssue"
    )
    types = {t.code: t for t in OrgType.objects.all()}
    start = add_months(month_start(today), -(months - 1))

    # Quota rules, as the province's regulation would write them.
    rules = [
        QuotaRule(
            name="Cán bộ cấp tỉnh dự sinh hoạt chi, tổ hội",
            reference="Theo tinh thần Quy định số 784-QĐ/TU ngày 10/5/2016",
            unit=province,
            unit_path=province.path,
            level="province",
            period=PeriodKind.QUARTER,
            meetings_required=1,
            valid_from=start,
        ),
        QuotaRule(
            name="Cán bộ cấp xã dự sinh hoạt chi, tổ hội",
            reference="Theo tinh thần Quy định số 784-QĐ/TU ngày 10/5/2016",
            unit=province,
            unit_path=province.path,
            level="commune",
            period=PeriodKind.MONTH,
            meetings_required=1,
            valid_from=start,
        ),
        QuotaRule(
            name="Lãnh đạo Ban Tuyên giáo và Dân vận cấp xã",
            reference="Theo tinh thần Quy định số 784-QĐ/TU ngày 10/5/2016",
            unit=province,
            unit_path=province.path,
            level="commune",
            org_type=types["commission"],
            role=CadreRole.ORGANISATION_LEADER,
            period=PeriodKind.QUARTER,
            meetings_required=4,
            valid_from=start,
        ),
    ]
    QuotaRule.objects.bulk_create(rules)

    # Cadres of the province and commune organisations.
    orgs = list(
        Organisation.objects.filter(
            unit_path__startswith=province.path, type__code__in=CADRE_TYPES, is_active=True
        )
        .select_related("type", "unit")
        .order_by("path")
    )
    communes = sorted(
        {o.unit_id: o.unit for o in orgs if o.unit.level == UnitLevel.COMMUNE}.values(), key=lambda u: u.code
    )
    lagging = {u.pk for u in rng.sample(communes, k=max(1, len(communes) // 7))} if communes else set()
    cadre_specs = []
    for org in orgs:
        n = 3 if org.unit.level == UnitLevel.PROVINCE else rng.choice([2, 2, 3])
        for rank in range(n):
            cadre_specs.append((org, rank))
    cadre_ids = bulk.next_ids(Cadre._meta.db_table, len(cadre_specs))
    cadres = []  # (id, org, level, role, unit_path, org_path, diligence)
    cadre_rows = []
    for pk, (org, rank) in zip(cadre_ids, cadre_specs, strict=True):
        name = _name(rng)
        position = POSITIONS[org.type.code][min(rank, 2)]
        place = org.unit.name
        level = level_of(org.unit)
        role = ROLE_OF_RANK[min(rank, 2)]
        diligence = rng.uniform(1.0, 1.5) * TYPE_DILIGENCE.get(org.type.code, 1.0)
        if org.unit_id in lagging:
            diligence *= 0.3
        cadre_rows.append(
            (
                pk,
                name,
                fold(f"{name} {position}"),
                None,
                org.pk,
                org.unit_id,
                org.unit_path,
                org.path,
                level,
                role,
                f"{position} {place}",
                "",
                "",
                date(start.year - 3, 1, 1),
                None,
                True,
                now,
            )
        )
        cadres.append((pk, org, level, role, diligence))
    bulk.copy_rows(Cadre._meta.db_table, CADRE_COLUMNS, cadre_rows)
    _link_demo_accounts(province)

    # Meetings: most branches meet every month.
    branches = list(
        Branch.objects.filter(unit_path__startswith=province.path, is_active=True).values_list(
            "id", "organisation_id", "unit_id", "unit_path", "path", "name", "organisation__type__code"
        )
    )
    month_list = [add_months(start, i) for i in range(months)]
    meeting_specs = []
    for b in branches:
        for m in month_list:
            if rng.random() < 0.88:
                last_day = (add_months(m, 1) - timedelta(days=1)).day
                day = m.replace(day=rng.randint(3, min(last_day, 28)))
                if day <= today:
                    meeting_specs.append((b, day))
    meeting_ids = bulk.next_ids(Meeting._meta.db_table, len(meeting_specs))
    by_commune_month: dict[tuple[str, date], list[int]] = defaultdict(list)
    by_org_commune_month: dict[tuple[str, str, date], list[int]] = defaultdict(list)
    meeting_info: dict[int, tuple] = {}
    for pk, (b, day) in zip(meeting_ids, meeting_specs, strict=True):
        branch_id, org_id, unit_id, unit_path, path, name, type_code = b
        commune_path = "/".join(unit_path.split("/")[:2]) + "/"
        by_commune_month[(commune_path, month_start(day))].append(pk)
        by_org_commune_month[(type_code, commune_path, month_start(day))].append(pk)
        meeting_info[pk] = (b, day)

    # Attendances: each cadre goes to meetings of their area; commission and Front cadres to any branch,
    # the others mostly to their own organisation's branches.
    attendance_rows = []
    counts: dict[int, int] = defaultdict(int)
    commune_paths = sorted({k[0] for k in by_commune_month})
    # The current month has had only the meetings held so far (days 3 to 28 are drawn): as many visits as
    # its share of those days, not a whole month's crowded into the first week's few meetings.
    current = month_start(today)
    share_now = max(0.0, min(1.0, (today.day - 2) / 26))
    for pk, org, level, role, diligence in cadres:
        own_type = org.type.code
        for m in month_list:
            share = share_now if m == current else 1.0
            if level == "province":
                # About two meetings a quarter, anywhere in the province.
                expected = min(1.0, diligence * 0.6) * share
                pool_keys = [(rng.choice(commune_paths), m)] if commune_paths else []
            else:
                expected = (
                    share
                    * diligence
                    * (2 if own_type == "commission" and role == CadreRole.ORGANISATION_LEADER else 1)
                )
                pool_keys = [(org.unit_path, m)]
            n = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            if not n or not pool_keys:
                continue
            key = pool_keys[0]
            if own_type in ("commission", "front") or level == "province":
                pool = by_commune_month.get(key, [])
            else:
                pool = by_org_commune_month.get((own_type, key[0], key[1]), []) or by_commune_month.get(
                    key, []
                )
            for meeting_id in rng.sample(pool, k=min(n, len(pool))):
                b, day = meeting_info[meeting_id]
                branch_id, borg_id, unit_id, unit_path, path, _name_, _t = b
                counts[meeting_id] += 1
                attendance_rows.append(
                    (
                        meeting_id,
                        pk,
                        day,
                        branch_id,
                        borg_id,
                        path,
                        unit_path,
                        org.pk,
                        level,
                        role,
                        org.unit_path,
                        org.path,
                        rng.choice(CONTRIBUTIONS),
                        rng.choice(UNDERTAKINGS),
                        None,
                        now,
                    )
                )
    # A meeting counts a cadre once.
    seen = set()
    unique_rows = []
    for row in attendance_rows:
        if (row[0], row[1]) in seen:
            counts[row[0]] -= 1
            continue
        seen.add((row[0], row[1]))
        unique_rows.append(row)

    folded_topics = {t: fold(t) for t in TOPICS}
    folded_names = {b[0]: fold(b[5]) for b in branches}

    def meeting_rows():
        for pk, (b, day) in zip(meeting_ids, meeting_specs, strict=True):
            branch_id, org_id, unit_id, unit_path, path, name, type_code = b
            total = rng.randint(25, 90)
            present = rng.randint(int(total * 0.5), total)
            topics = rng.choice(TOPICS)
            kind = MeetingKind.THEMATIC if day.month % 3 == 0 and rng.random() < 0.4 else MeetingKind.REGULAR
            yield (
                pk,
                branch_id,
                org_id,
                unit_id,
                unit_path,
                path,
                day,
                kind,
                topics,
                present,
                total,
                "",
                f"{folded_names[branch_id]} {folded_topics[topics]}"[:400],
                counts.get(pk, 0),
                None,
                now,
                now,
            )

    written_meetings = bulk.copy_rows(Meeting._meta.db_table, MEETING_COLUMNS, meeting_rows())
    written_attendances = bulk.copy_rows(Attendance._meta.db_table, ATTENDANCE_COLUMNS, unique_rows)

    # Issues raised at about one meeting in twenty.
    issue_rows = []
    for pk in meeting_ids:
        if rng.random() < 0.05:
            b, day = meeting_info[pk]
            summary, raised_by = rng.choice(ISSUES)
            answered = day < today - timedelta(days=60) and rng.random() < 0.5
            issue_rows.append(
                (
                    pk,
                    b[3],
                    b[4],
                    summary,
                    "",
                    raised_by,
                    issue_search_name(summary, "", raised_by),
                    IssueStatus.RESOLVED if answered else IssueStatus.RECORDED,
                    "Đã được UBND xã trả lời tại buổi sinh hoạt tháng sau." if answered else "",
                    None,
                    "",
                    None,
                    None,
                    None,
                    now,
                )
            )
    bulk.copy_rows(MeetingIssue._meta.db_table, ISSUE_COLUMNS, issue_rows)

    courses = _training(province, rng, today, cadres)
    return {
        "cadres": len(cadre_rows),
        "meetings": written_meetings,
        "attendances": written_attendances,
        "issues": len(issue_rows),
        "courses": courses,
    }


def _link_demo_accounts(province: Unit) -> None:
    """Give the commune's demo accounts a cadre record, so that they see their own quota."""
    from danvan.accounts.models import RoleAssignment

    for assignment in RoleAssignment.objects.filter(
        user__username__in=["phunu.xa", "dvan.xa"], unit__path__startswith=province.path
    ).select_related("user", "unit", "organisation"):
        org = (
            assignment.organisation
            or Organisation.objects.filter(unit=assignment.unit, type__code="commission").first()
        )
        if org is None or Cadre.objects.filter(user=assignment.user).exists():
            continue
        Cadre.objects.create(
            full_name=assignment.user.full_name or assignment.user.username,
            search_name=fold(assignment.user.full_name or assignment.user.username),
            user=assignment.user,
            organisation=org,
            unit=org.unit,
            unit_path=org.unit_path,
            org_path=org.path,
            level=level_of(org.unit),
            role=CadreRole.OFFICER,
            position=assignment.user.position,
            active_from=date(2025, 7, 1),
        )


def _training(province: Unit, rng: random.Random, today: date, cadres) -> int:
    orgs = {
        (o.type.code, o.unit.level): o
        for o in Organisation.objects.filter(unit_path__startswith=province.path, type__code__in=CADRE_TYPES)
        .select_related("type", "unit")
        .order_by("-path")
    }
    commune_orgs = list(
        Organisation.objects.filter(
            unit_path__startswith=province.path, type__code__in=CADRE_TYPES, unit__level=UnitLevel.COMMUNE
        ).select_related("type", "unit")[:200]
    )
    by_org: dict[int, list] = defaultdict(list)
    for pk, org, _level, _role, _d in cadres:
        by_org[org.pk].append(pk)
    cadre_names = dict(
        Cadre.objects.filter(unit_path__startswith=province.path).values_list("id", "full_name")
    )
    made = 0
    specs = []
    for i, (title, kind, type_code, hours) in enumerate(COURSES):
        organiser = orgs.get((type_code, UnitLevel.PROVINCE))
        if organiser is not None:
            specs.append((title, kind, organiser, hours, i))
    for j, org in enumerate(rng.sample(commune_orgs, k=min(6, len(commune_orgs)))):
        specs.append(
            (
                f"Bồi dưỡng kỹ năng vận động quần chúng cho cán bộ chi hội — {org.unit.name}",
                CourseKind.REFRESHER,
                org,
                8,
                j + 10,
            )
        )
    for title, kind, organiser, hours, i in specs:
        starts = today - timedelta(days=30 + 47 * i)
        course = TrainingCourse.objects.create(
            title=title.format(year=starts.year),
            search_name=fold(f"{title} {organiser.name}")[:400],
            kind=kind,
            organiser=organiser,
            unit=organiser.unit,
            unit_path=organiser.unit_path,
            org_path=organiser.path,
            level=level_of(organiser.unit),
            starts_on=starts,
            ends_on=starts + timedelta(days=hours // 8),
            hours=Decimal(hours),
            location=f"Hội trường {organiser.name}",
        )
        pool = [pk for org_pk, ids in by_org.items() for pk in ids]
        invited = rng.sample(pool, k=min(len(pool), rng.randint(18, 40)))
        rows = []
        for cadre_id in invited:
            attended = rng.random() < 0.92
            result = (
                rng.choice(
                    [
                        ParticipantResult.EXCELLENT,
                        ParticipantResult.GOOD,
                        ParticipantResult.GOOD,
                        ParticipantResult.PASSED,
                        ParticipantResult.PASSED,
                    ]
                )
                if attended
                else ""
            )
            rows.append(
                Participant(
                    course=course,
                    unit_path=course.unit_path,
                    org_path=course.org_path,
                    cadre_id=cadre_id,
                    full_name=cadre_names.get(cadre_id, ""),
                    attended=attended,
                    hours_attended=Decimal(hours) if attended else Decimal(0),
                    result=result,
                )
            )
        for _k in range(rng.randint(3, 8)):
            rows.append(
                Participant(
                    course=course,
                    unit_path=course.unit_path,
                    org_path=course.org_path,
                    full_name=_name(rng),
                    position="Chi hội trưởng",
                    attended=True,
                    hours_attended=Decimal(hours),
                    result=ParticipantResult.PASSED,
                )
            )
        Participant.objects.bulk_create(rows)
        made += 1
    return made
