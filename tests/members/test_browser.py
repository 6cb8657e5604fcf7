"""The person page in the system Chromium: what only a browser can measure."""

from __future__ import annotations

from datetime import date

import pytest

from danvan.members import services
from tests.e2e.conftest import browser_page, login  # noqa: F401 (the fixture)
from tests.factories import build_world, superuser
from tests.members.factories import join, person

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_long_note_without_spaces_wraps_on_the_person_page(live_server, browser_page):  # noqa: F811
    """A note of 500 characters without a space (a pasted link, a file number) wraps inside the timeline: the
    page stays as wide as the window (it had been 4,675 px wide)."""
    w = build_world()
    lan = person(w.village_a, name="Trần Thị Lan", address="Số" + "9" * 200)
    m = join(lan, w.branches["women_va"], on=date(2015, 3, 1), note="x" * 500)
    services.membership_leave(
        actor=superuser(), membership=m, on=date(2020, 1, 1), reason="resigned", note="GGT-" + "7" * 496
    )
    page = browser_page
    login(page, live_server.url, "women_ca")  # no second factor for this role
    page.goto(f"{live_server.url}{lan.get_absolute_url()}")
    page.wait_for_selector("text=" + "x" * 40)
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, (width, viewport)
