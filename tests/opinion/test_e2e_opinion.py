"""End-to-end in a real browser (system Chromium): an analyst opens the opinion overview, follows a top issue,
moves it to "responding" with a note, then acknowledges the alert of the commune."""

from __future__ import annotations

import datetime as dt

import pytest

from danvan.opinion.models import Alert, AlertRule, Issue, IssueNote, Source, SourceKind
from tests.e2e.conftest import browser_page, login  # noqa: F401 - the fixture
from tests.factories import build_world, make_user
from tests.opinion.analysis_helpers import store

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_dashboard_issue_status_alert_acknowledge(live_server, browser_page, analyzer):  # noqa: F811
    world = build_world()
    unit = world.commune_a
    source = Source.objects.create(name="Trang tin xã", kind=SourceKind.API, unit=unit, unit_path=unit.path)
    store(source, 8)
    issue = Issue.objects.order_by("-volume").first()
    rule = AlertRule.objects.create(name="R", unit=unit, unit_path=unit.path)
    alert = Alert.objects.create(
        rule=rule, unit=unit, unit_path=unit.path, day=dt.date.today(), observed=8, baseline=1, threshold=4,
        reason="Ý kiến tiêu cực tăng so với nền", issue=issue,
    )  # fmt: skip
    make_user("e2e_dlxh", "opinion_analyst", world.province_a)
    page, base = browser_page, live_server.url

    login(page, base, "e2e_dlxh")

    page.goto(f"{base}/opinion/")
    page.click(f"a[href='/opinion/issues/{issue.pk}/']")
    page.wait_for_load_state("networkidle")
    page.select_option("#issue-update select[name=status]", value="responding")
    page.fill("#issue-update textarea[name=note]", "Đã giao xã đối thoại với bà con")
    page.click("#issue-update button[type=submit]")
    page.wait_for_load_state("networkidle")
    issue.refresh_from_db()
    assert issue.status == "responding"
    assert IssueNote.objects.filter(issue=issue, text="Đã giao xã đối thoại với bà con").exists()

    page.goto(f"{base}/opinion/alerts/")
    assert "Ý kiến tiêu cực tăng so với nền" in page.content()
    page.click(f"form[action='/opinion/alerts/{alert.pk}/acknowledge/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None and alert.acknowledged_by.username == "e2e_dlxh"


def test_review_queue_corrections_by_keystroke(live_server, browser_page, analyzer):  # noqa: F811
    """The analyst's loop in the browser (audit #4): the queue opens on the most uncertain item; one key
    corrects its sentiment and the item stays, with the new label shown; another key corrects its field;
    Backspace undoes the last key; Enter confirms the labels, the item leaves the queue and the next one is
    selected; Backspace brings the confirmed item back."""
    from danvan.opinion.models import Correction, Item

    world = build_world()
    unit = world.commune_a
    source = Source.objects.create(name="Trang tin xã", kind=SourceKind.API, unit=unit, unit_path=unit.path)
    store(source, 6)
    make_user("e2e_review", "opinion_analyst", world.province_a)
    page, base = browser_page, live_server.url
    login(page, base, "e2e_review")

    page.goto(f"{base}/opinion/review/")
    first = int(page.get_attribute(".review-item.active-review", "data-item"))
    before = Item.objects.get(pk=first)
    key, wanted = next((k, s) for k, s in (("n", "negative"), ("p", "positive")) if s != before.sentiment)
    page.keyboard.press(key)
    page.wait_for_selector(f".review-item[data-item='{first}'] .review-status:has-text('✓')")
    item = Item.objects.get(pk=first)
    assert item.sentiment == wanted and item.reviewed_at is None
    assert Correction.objects.filter(item_id=first, what="sentiment", new=wanted).count() == 1
    # still the selected item: a field key corrects the same item's field
    assert int(page.get_attribute(".review-item.active-review", "data-item")) == first
    fields = dict(pair.split(":") for pair in page.get_attribute("#review-list", "data-fields").split(","))
    key, code = next((k, c) for k, c in fields.items() if c != item.field and k.isalpha())
    with page.expect_response(lambda r: "/correct/" in r.url):
        page.keyboard.press(key)
    assert Item.objects.get(pk=first).field == code
    page.keyboard.press("Backspace")  # undo the field
    page.wait_for_selector(f".review-item[data-item='{first}'] .review-status:has-text('↶')")
    assert Item.objects.get(pk=first).field == before.field
    assert Item.objects.get(pk=first).sentiment == wanted
    page.keyboard.press("Enter")
    page.wait_for_selector(f".review-item[data-item='{first}']", state="detached")
    assert Item.objects.get(pk=first).reviewed_at is not None
    second = int(page.get_attribute(".review-item.active-review", "data-item"))
    assert second != first
    page.keyboard.press("Backspace")  # undo the confirmation
    page.wait_for_selector(f".review-item[data-item='{first}']", state="visible")
    assert Item.objects.get(pk=first).reviewed_at is None
