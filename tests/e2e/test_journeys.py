import pytest

from tests.e2e.conftest import login
from tests.factories import build_world

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_commune_officer_finds_a_village_without_accents(live_server, browser_page):
    world = build_world()
    page = browser_page
    login(page, live_server.url, "officer_ca")
    assert world.commune_a.name in page.content()  # the scope is shown
    page.goto(f"{live_server.url}/structure/units/")
    page.fill("input[name=q]", "phu hoa")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("text=Ấp Phú Hòa")
    assert world.village_b.name not in page.content()
    page.click("text=Ấp Phú Hòa")
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/").endswith(f"/structure/units/{world.village_a.pk}")
    assert world.branches["women_va"].name in page.content()


def test_wrong_password_shows_a_vietnamese_error(live_server, browser_page):
    build_world()
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "officer_ca")
    page.fill("input[name=password]", "sai-mat-khau")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" in page.url
    assert "mật khẩu" in page.content().lower()
