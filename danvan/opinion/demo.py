"""Demo content of the opinion module: a month of public opinion in the demo province.

A real-looking mix, all through the real pipeline (labels, places, issues, rollups):
- the five seed articles (danvan/opinion/data/seeds/) as articles of the provincial news feed;
- feed-like posts of a commune fan page and comments under them;
- an imported CSV of comments (a "file" source with its saved column mapping);
- collaborators' reports;
- a dispute over land compensation in the first commune that swells in the last two days (→ an issue, a
  burst alert), alert rules, and forecasts made today.
Deterministic (seeded); texts are templates written for the demo (no personal data).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

from django.db import transaction
from django.utils import timezone

DATA = Path(__file__).resolve().parent / "data"

# (field, sentiment, text) — what people in a commune say; "{place}" is a village or the commune.
TEMPLATES: list[tuple[str, str, str]] = [
    ("infrastructure", "negative", "Đường vào {place} xuống cấp, ổ gà chi chít, mưa xuống là ngập sâu"),
    ("infrastructure", "negative", "Đoạn đường {place} ngập sâu sau mưa, xe máy chết máy hàng loạt"),
    ("infrastructure", "neutral", "Khi nào sửa đường {place} vậy mọi người, nghe nói đã có kế hoạch"),
    ("infrastructure", "negative", "Cúp điện cả buổi chiều ở {place} mà không thông báo trước"),
    (
        "infrastructure",
        "positive",
        "Cảm ơn xã đã làm lại cây cầu ở {place}, bà con đi lại thuận tiện hơn nhiều",
    ),
    ("environment", "negative", "Trại heo ở {place} xả nước thải ra kênh, bốc mùi hôi không chịu nổi"),
    ("environment", "negative", "Rác tồn đọng ven đường {place} cả tuần chưa ai thu gom"),
    ("environment", "negative", "Ban đêm ghe hút cát trên sông gần {place}, bờ sông sạt lở"),
    ("health", "negative", "Trạm y tế {place} thiếu thuốc, người dân phải lên tuyến trên"),
    ("health", "positive", "Bác sĩ trạm y tế {place} khám bệnh tận tình, rất hài lòng"),
    ("education", "negative", "Trường học ở {place} thu thêm nhiều khoản ngoài học phí, phụ huynh bức xúc"),
    ("education", "positive", "Thầy cô trường {place} nhiệt tình, học sinh tiến bộ rõ"),
    ("social_policy", "negative", "Xét hộ nghèo ở {place} chưa công bằng, nhà khó khăn lại không được"),
    ("social_policy", "positive", "Cảm ơn Mặt trận đã hỗ trợ xây nhà đại đoàn kết cho hộ nghèo {place}"),
    ("economy", "negative", "Giá lúa xuống thấp quá, nông dân {place} lỗ vốn vụ này"),
    ("economy", "neutral", "Thương lái thu mua bưởi ở {place} giá bao nhiêu hôm nay vậy bà con"),
    ("public_order", "negative", "Trộm chó liên tục ở {place}, đề nghị công an tăng cường tuần tra"),
    ("public_order", "negative", "Thanh niên đua xe trên đường {place} mỗi tối, rất nguy hiểm"),
    ("administration", "negative", "Làm giấy tờ ở bộ phận một cửa xã phải đi lại nhiều lần, chậm trễ"),
    ("administration", "positive", "Thủ tục ở bộ phận một cửa nhanh gọn, cán bộ hướng dẫn tận tình"),
    ("culture_society", "positive", "Lễ hội văn hóa ở {place} năm nay tổ chức vui, bà con rất phấn khởi"),
    ("disaster", "negative", "Triều cường dâng cao, nhiều nhà ở {place} bị ngập, cần hỗ trợ"),
    ("not_relevant", "neutral", "Tối nay đội tuyển đá bóng lúc mấy giờ vậy mọi người"),
    ("not_relevant", "positive", "Quán cà phê mới mở ở {place} đẹp quá"),
]

# The matter that swells: land compensation for the road project in the first commune.
LAND = [
    "Bồi thường đất làm đường ở {place} quá thấp, người dân bức xúc không đồng ý",
    "Giá bồi thường thu hồi đất dự án đường {place} thấp hơn giá thị trường nhiều lần",
    "Bà con {place} kiến nghị xem lại giá bồi thường thu hồi đất làm đường",
    "Thu hồi đất làm đường ở {place} mà bồi thường không thỏa đáng, dân bức xúc",
    "Đề nghị công khai phương án bồi thường, tái định cư dự án đường {place}",
    "Nhiều hộ {place} chưa nhận tiền bồi thường đất làm đường dù đã bàn giao mặt bằng",
]

HANDLES = ["hoa.nguyen", "tuan_le", "minhanh88", "bacba", "chi.tran", "longvo", "thuy.pham", "ut.em"]


def extend(result, rng: random.Random, size: str) -> None:
    generate(province=result.province, first_commune=result.commune, seed=rng.randint(0, 10**9))


def _seed_articles() -> list[tuple[str, str]]:
    out = []
    for path in sorted((DATA / "seeds").glob("*.txt")):
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        if lines:
            out.append((lines[0], " ".join(lines[1:])[:3000]))
    return out


def demo_csv(rows: list[dict]) -> str:
    """The CSV of comments as an export of a social network would give it (column names of its own)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=["comment_id", "created_time", "message", "from_name", "like_count"]
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@transaction.atomic
def generate(*, province, first_commune, seed: int = 2026, days: int = 30) -> dict[str, int]:
    from danvan.accounts.models import User
    from danvan.opinion import pipeline, services
    from danvan.opinion.models import AlertRule, AlertTarget, CollaboratorReport, Source, SourceKind
    from danvan.structure.models import Unit, UnitLevel

    rng = random.Random(seed)

    def _store(source, rows):
        # stored, then analysed at once (not by the workers): the demo must be complete when it returns
        res = pipeline.store_items(source, rows, analyse=False)
        pipeline.analyse_items(res.created)
        return res

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = now - dt.timedelta(days=days)
    communes = list(Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code"))
    if first_commune in communes:
        communes.remove(first_commune)
    communes = [first_commune, *rng.sample(communes, min(11, len(communes)))]
    villages: dict[int, list[str]] = {}
    for commune in communes:
        names = list(Unit.objects.filter(parent=commune).values_list("name", flat=True)[:6])
        villages[commune.pk] = names or [commune.name]

    def when(day_offset: float) -> dt.datetime:
        return start + dt.timedelta(days=day_offset, minutes=rng.randint(0, 600))

    def place(commune) -> str:
        return rng.choice(villages[commune.pk]) if rng.random() < 0.8 else commune.name

    counts = {"items": 0}
    feed = Source.objects.create(
        name="Báo điện tử tỉnh", kind=SourceKind.RSS, unit=province, unit_path=province.path,
        url="http://127.0.0.1:8000/demo/rss.xml", poll_interval_minutes=60, is_active=False,
    )  # fmt: skip
    articles = _seed_articles()
    records = [
        {"external_id": f"seed-{i}", "kind": "article", "title": t[:500], "text": body,
         "published_at": when(rng.uniform(0, days - 1)), "reach": rng.randint(800, 7000)}
        for i, (t, body) in enumerate(articles)
    ]  # fmt: skip
    counts["items"] += len(_store(feed, records).created)

    # commune fan pages: posts and comments
    fan_records: dict[int, list[dict]] = {}
    for commune in communes:
        base = 2.5 if commune == first_commune else rng.uniform(0.8, 2.5)
        rows = []
        for d in range(days):
            weekday_boost = 1.3 if (start + dt.timedelta(days=d)).weekday() in (0, 1) else 1.0
            for n in range(max(0, int(rng.gauss(base * weekday_boost, 1.0)))):
                code, _sentiment, text = rng.choice(TEMPLATES)
                rows.append({
                    "external_id": f"{commune.code}-{d}-{n}",
                    "kind": rng.choice(["post", "comment", "comment"]),
                    "text": text.format(place=place(commune)),
                    "published_at": when(d),
                    "likes": rng.randint(0, 60), "shares": rng.randint(0, 10),
                    "author": rng.choice(HANDLES),
                })  # fmt: skip
            if commune == first_commune and d >= days - 20:
                # the land compensation matter: a trickle, then a swell in the last two days
                volume = 1 if d < days - 2 else 22 + 10 * (d - (days - 2))
                for n in range(volume):
                    rows.append({
                        "external_id": f"{commune.code}-land-{d}-{n}",
                        "kind": "comment",
                        "text": rng.choice(LAND).format(place=place(commune)),
                        "published_at": when(d) if d < days - 1 else now - dt.timedelta(minutes=rng.randint(5, 600)),
                        "likes": rng.randint(5, 200), "shares": rng.randint(0, 40),
                        "author": rng.choice(HANDLES) + str(rng.randint(1, 99)),
                    })  # fmt: skip
        fan_records[commune.pk] = rows
    for i, commune in enumerate(communes):
        rows = fan_records[commune.pk]
        if i == 1:
            # this commune's comments come as an imported CSV export, through the saved column mapping
            mapping = {"external_id": "comment_id", "published_at": "created_time", "text": "message",
                       "author": "from_name", "likes": "like_count"}  # fmt: skip
            source = Source.objects.create(
                name=f"Tệp bình luận trang {commune.name}", kind=SourceKind.FILE, unit=commune,
                unit_path=commune.path, column_mapping=mapping,
            )  # fmt: skip
            content = demo_csv(
                [{"comment_id": r["external_id"], "created_time": r["published_at"].isoformat(),
                  "message": r["text"], "from_name": r["author"], "like_count": r["likes"]} for r in rows]
            )  # fmt: skip
            parsed = []
            for row in csv.DictReader(io.StringIO(content)):
                parsed.append({
                    "external_id": row[mapping["external_id"]], "kind": "comment",
                    "published_at": dt.datetime.fromisoformat(row[mapping["published_at"]]),
                    "text": row[mapping["text"]], "author": row[mapping["author"]],
                    "likes": int(row[mapping["likes"]] or 0),
                })  # fmt: skip
            rows = parsed
        else:
            source = Source.objects.create(
                name=f"Trang thông tin {commune.name}",
                kind=SourceKind.API,
                unit=commune,
                unit_path=commune.path,
            )
        for chunk in range(0, len(rows), 500):
            counts["items"] += len(_store(source, rows[chunk : chunk + 500]).created)

    # collaborators' reports
    collab_source = Source.objects.create(
        name="Báo cáo của cộng tác viên dư luận", kind=SourceKind.COLLABORATOR, unit=province,
        unit_path=province.path,
    )  # fmt: skip
    reporter = (
        User.objects.filter(home_unit_path__startswith=province.path, is_active=True).order_by("pk").first()
    )
    if reporter is not None:
        for n in range(12):
            commune = rng.choice(communes)
            code, sentiment, text = rng.choice([t for t in TEMPLATES if t[0] != "not_relevant"])
            reported = when(rng.uniform(0, days - 1))
            say = "Bà con phản ánh: " + text.format(place=place(commune)).lower()
            res = _store(
                collab_source,
                [{"external_id": f"collab-{n}", "kind": "report", "text": say, "published_at": reported,
                  "unit": commune}],
            )  # fmt: skip
            CollaboratorReport.objects.create(
                reporter=reporter, unit=commune, unit_path=commune.path, what_people_say=say,
                where=place(commune), how_many=rng.randint(3, 30), mood=sentiment, reported_at=reported,
                item_id=(res.created or res.existing or [None])[0],
            )  # fmt: skip
            counts["items"] += len(res.created)

    AlertRule.objects.create(
        name="Đất đai, bồi thường toàn tỉnh", unit=province, unit_path=province.path, field="land",
        target=AlertTarget.FIELD_UNIT, sensitivity=3.0, min_volume=8, baseline_days=28,
    )  # fmt: skip
    AlertRule.objects.create(
        name="Mọi lĩnh vực: ý kiến tiêu cực tăng đột biến", unit=province, unit_path=province.path,
        target=AlertTarget.FIELD_UNIT, sensitivity=4.0, min_volume=15, negative_only=True,
    )  # fmt: skip
    AlertRule.objects.create(
        name="Vụ việc nóng", unit=province, unit_path=province.path, target=AlertTarget.ISSUE,
        sensitivity=4.0, min_volume=15, baseline_days=14,
    )  # fmt: skip
    today = timezone.localdate()
    alerts = services.alerts_detect(day=today - dt.timedelta(days=1), notify=False)
    alerts.created += services.alerts_detect(day=today, notify=False).created
    forecasts = services.forecasts_make(on=today)
    counts.update(alerts=alerts.created, forecasts=forecasts.made)
    return counts
