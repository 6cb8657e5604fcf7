"""End-to-end in a real browser (system Chromium): a citizen submits on the portal without an account, an
officer accepts, assigns and answers the case, and the citizen reads the answer with the tracking code and
rates it."""

from __future__ import annotations

import pytest

from danvan.cases.models import Case, Rating, Status
from danvan.structure import services as structure_services
from danvan.structure.models import OrgType
from tests.e2e.conftest import browser_page, login  # noqa: F401 - the fixture
from tests.factories import build_world, make_user, superuser

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_citizen_submits_officer_answers_citizen_rates(live_server, browser_page):  # noqa: F811
    world = build_world()
    body = structure_services.organisation_create(
        actor=superuser(), type=OrgType.objects.get(code="peoples_committee"), unit=world.commune_a
    )
    make_user("tcd_e2e", "reception_officer", world.commune_a)
    page = browser_page
    base = live_server.url

    # The citizen, without an account.
    page.goto(f"{base}/cases/public/submit/")
    page.check("input[name=kind][value=recommendation]")
    page.select_option("select[name=province]", value=str(world.province_a.pk))
    page.wait_for_selector(f"select[name=commune] option[value='{world.commune_a.pk}']", state="attached")
    page.select_option("select[name=commune]", value=str(world.commune_a.pk))
    page.fill("input[name=title]", "Đề nghị sửa cầu khỉ ấp Phú Hòa")
    page.fill("textarea[name=content]", "Cầu khỉ bắc qua kênh ấp Phú Hòa đã mục, học sinh đi lại nguy hiểm.")
    page.fill("input[name=name]", "Nguyễn Thị Dân")
    page.check("input[name=consent]")
    page.click("#public-form button[type=submit]")
    page.wait_for_selector("#tracking-code")
    code = page.inner_text("#tracking-code").strip()
    case = Case.objects.get()
    assert code == case.tracking_code and case.handling_org == body

    # The officer.
    login(page, base, "tcd_e2e")
    page.goto(f"{base}/cases/list/")
    page.click(f'a:has-text("{case.reference}")')
    page.wait_for_load_state("networkidle")
    page.click(".case-actions >> text=Thụ lý")
    page.click("form button.btn-primary[type=submit]")
    page.wait_for_load_state("networkidle")
    page.click(".case-actions >> text=Phân công")
    page.select_option("select[name=handler]", label="Tcd_E2E (tcd_e2e)")
    page.click("form button.btn-primary[type=submit]")
    page.wait_for_load_state("networkidle")
    page.click(".case-actions >> text=Bắt đầu giải quyết")
    page.wait_for_load_state("networkidle")
    page.click(".case-actions >> text=Trả lời công dân")
    page.fill("textarea[name=answer]", "UBND xã đã bố trí kinh phí, cầu mới sẽ được xây xong trước 30/12.")
    page.click("form button.btn-success, form button.btn-primary[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Đã trả lời" in page.content()
    case.refresh_from_db()
    assert case.status == Status.ANSWERED and case.handler.username == "tcd_e2e"

    # The citizen again, on their own device (no session), with the tracking code.
    page.context.clear_cookies()
    page.goto(f"{base}/cases/public/track/")
    page.fill("input[name=code]", code)
    page.click("main button[type=submit]")
    page.wait_for_selector("#answer")
    assert "cầu mới sẽ được xây xong" in page.inner_text("#answer")
    page.check("input[name=satisfied][value='1']")
    page.fill("textarea[name=comment]", "Cảm ơn xã.")
    page.click("text=Gửi đánh giá")
    page.wait_for_load_state("networkidle")
    assert "Cảm ơn bạn" in page.content()
    rating = Rating.objects.get()
    assert rating.case_id == case.pk and rating.satisfied and rating.comment == "Cảm ơn xã."
