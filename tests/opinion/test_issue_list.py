"""The issue list: filters by subtree, period, field and status; 50 a page with the filters kept in the page
links; the xlsx export of exactly the filtered rows; nothing of another scope in either."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from danvan.opinion.models import Issue

pytestmark = pytest.mark.django_db

HEADER = [
    "Vấn đề",
    "Địa bàn",
    "Lĩnh vực",
    "Trạng thái",
    "Số ý kiến",
    "Tiêu cực",
    "Tỷ lệ tiêu cực (%)",
    "Lượt tiếp cận",
    "Điểm",
    "Ghi nhận lần đầu",
    "Ghi nhận lần cuối",
    "Đơn vị chủ trì",
]


def _issue(unit, title, *, field="infrastructure", status="new", days_ago=1, score=1.0):
    when = timezone.now() - dt.timedelta(days=days_ago)
    return Issue.objects.create(
        title=title,
        unit=unit,
        unit_path=unit.path,
        field=field,
        status=status,
        first_seen_at=when - dt.timedelta(days=1),
        last_seen_at=when,
        volume=6,
        negative_count=3,
        negativity=0.5,
        score=score,
    )


@pytest.fixture
def issues(demo_world):
    w = demo_world
    return {
        "a_road": _issue(w.commune_a, "Đường ngập xã A", score=5),
        "a_old": _issue(w.commune_a, "Đất đai xã A cũ", field="land", days_ago=40, score=4),
        "a_done": _issue(w.commune_a, "Trường học xã A", field="education", status="resolved", score=3),
        "a2_road": _issue(w.commune_a2, "Đường hỏng xã A2", score=2),
        "b_road": _issue(w.commune_b, "Đường ngập xã B", score=9),
    }


def _titles(response) -> list[str]:
    return [i.title for i in response.context["issues"]]


def _xlsx(response) -> list[list]:
    from openpyxl import load_workbook

    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_filters_by_subtree_period_field_and_status(client, demo_world, make_user, issues):
    w = demo_world
    client.force_login(make_user("il_prov", role="opinion_analyst", unit=w.province_a))
    url = reverse("opinion:issue-list")
    assert _titles(client.get(url)) == [
        "Đường ngập xã A",
        "Đất đai xã A cũ",
        "Trường học xã A",
        "Đường hỏng xã A2",
    ]
    assert _titles(client.get(url, {"unit": w.commune_a.pk})) == [
        "Đường ngập xã A",
        "Đất đai xã A cũ",
        "Trường học xã A",
    ]
    assert _titles(client.get(url, {"commune": w.commune_a2.code})) == ["Đường hỏng xã A2"]
    since = (timezone.localdate() - dt.timedelta(days=10)).isoformat()
    assert "Đất đai xã A cũ" not in _titles(client.get(url, {"seen_from": since}))
    until = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    assert _titles(client.get(url, {"seen_to": until})) == ["Đất đai xã A cũ"]
    assert _titles(client.get(url, {"field": "land"})) == ["Đất đai xã A cũ"]
    assert _titles(client.get(url, {"status": "resolved"})) == ["Trường học xã A"]
    assert "Trường học xã A" not in _titles(client.get(url, {"status": "open"}))
    r = client.get(url, {"field": "health"})
    assert r.context["issues"] == [] and "Không có vấn đề nào khớp với bộ lọc." in r.content.decode()


def test_export_has_exactly_the_filtered_rows(client, demo_world, make_user, issues):
    w = demo_world
    client.force_login(make_user("il_exp", role="opinion_analyst", unit=w.province_a))
    rows = _xlsx(
        client.get(
            reverse("opinion:issue-list"), {"unit": w.commune_a.pk, "status": "open", "export": "xlsx"}
        )
    )
    assert rows[0] == HEADER
    assert [r[0] for r in rows[1:]] == ["Đường ngập xã A", "Đất đai xã A cũ"]
    assert rows[1][1] == w.commune_a.name and rows[1][4] == 6 and rows[1][6] == 50


def test_commune_user_never_sees_another_communes_issues(client, demo_world, make_user, issues):
    w = demo_world
    client.force_login(make_user("il_ca", role="leader", unit=w.commune_a))
    url = reverse("opinion:issue-list")
    mine = ["Đường ngập xã A", "Đất đai xã A cũ", "Trường học xã A"]
    assert _titles(client.get(url)) == mine
    for params in ({"commune": w.commune_b.code}, {"commune": w.commune_a2.code}, {"unit": w.commune_b.pk}):
        r = client.get(url, params)
        assert r.context["issues"] == []
        body = r.content.decode()
        assert "xã B" not in body and "xã A2" not in body
        rows = _xlsx(client.get(url, {**params, "export": "xlsx"}))
        assert rows[1:] == []
    rows = _xlsx(client.get(url, {"export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == mine


def test_pages_of_fifty_keep_the_filters(client, demo_world, make_user):
    w = demo_world
    for n in range(53):
        _issue(w.commune_a, f"Vấn đề {n:02d}", score=100 - n)
    _issue(w.commune_a, "Đã xong", status="resolved", score=1000)
    client.force_login(make_user("il_page", role="opinion_analyst", unit=w.province_a))
    url = reverse("opinion:issue-list")
    r = client.get(url, {"status": "new"})
    assert len(r.context["issues"]) == 50 and r.context["page_obj"].paginator.count == 53
    assert "status=new&amp;page=2" in r.content.decode()
    r = client.get(url, {"status": "new", "page": 2})
    assert _titles(r) == ["Vấn đề 50", "Vấn đề 51", "Vấn đề 52"]


def test_list_and_export_queries_do_not_grow_with_the_rows(client, demo_world, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = demo_world
    client.force_login(make_user("il_q", role="opinion_analyst", unit=w.province_a))
    url = reverse("opinion:issue-list")
    counts = []
    for n in (3, 60):
        while Issue.objects.count() < n:
            _issue(
                w.commune_a if Issue.objects.count() % 2 else w.commune_a2, f"Vấn đề {Issue.objects.count()}"
            )
        client.get(url)  # warm the per-request caches
        with CaptureQueriesContext(connection) as page:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as export:
            assert len(_xlsx(client.get(url, {"export": "xlsx"}))) == n + 1
        counts.append((len(page), len(export)))
    assert counts[0] == counts[1], counts


def test_single_items_are_left_out_of_the_list_export_and_home_card_unless_asked(
    client, demo_world, make_user, issues
):
    """An issue is a matter several items speak of: by default the list, its export and the home card keep
    the issues of at least ISSUE_MIN_ITEMS items; "Số ý kiến từ" = 1 shows the single items too, a larger
    number fewer issues; a wrong number is refused in Vietnamese and lists nothing."""
    from danvan.opinion.selectors import ISSUE_MIN_ITEMS
    from tests.factories import home_card

    w = demo_world
    lone = _issue(w.commune_a, "Một ý kiến lẻ xã A", score=50)
    Issue.objects.filter(pk=lone.pk).update(volume=ISSUE_MIN_ITEMS - 1)
    Issue.objects.filter(pk=issues["a_old"].pk).update(volume=12)
    client.force_login(make_user("il_min", role="opinion_analyst", unit=w.province_a))
    url = reverse("opinion:issue-list")
    default = ["Đường ngập xã A", "Đất đai xã A cũ", "Trường học xã A", "Đường hỏng xã A2"]
    assert _titles(client.get(url)) == default
    assert [r[0] for r in _xlsx(client.get(url, {"export": "xlsx"}))[1:]] == default
    assert _titles(client.get(url, {"min_items": 1})) == ["Một ý kiến lẻ xã A", *default]
    assert _titles(client.get(url, {"min_items": 10})) == ["Đất đai xã A cũ"]
    r = client.get(url, {"min_items": 0})
    assert r.context["issues"] == [] and "Số ý kiến phải từ 1 trở lên." in r.content.decode()
    r = client.get(url, {"min_items": "hai"})
    assert r.context["issues"] == [] and "Hãy ghi số ý kiến bằng một số nguyên." in r.content.decode()
    assert home_card(client.get("/"), "Vấn đề chưa giải quyết xong") == 3  # open, 2 items or more
