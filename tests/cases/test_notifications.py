"""Notifications: the unread figure of the top bar's bell, and a notification read once opened."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from danvan.cases import services
from danvan.cases.models import Notification
from danvan.core.navigation import visible_badges

pytestmark = pytest.mark.django_db

BELL = 'title="Thông báo"'


def _assigned(cw, handler: str = "reception_ca_2"):
    """A case assigned to ``handler``: the assignment notifies them (services._notify)."""
    officer = cw.users["reception_ca"]
    case = services.case_accept(actor=officer, case=cw.case())
    services.case_assign(actor=officer, case=case, handler=cw.users[handler])
    return case, Notification.objects.get(user=cw.users[handler], case=case, kind="assigned")


def _badge(body: str) -> str | None:
    """The figure shown on the bell, None when there is none."""
    marker = 'rounded-pill bg-danger">'
    if marker not in body:
        return None
    return body.split(marker, 1)[1].split("<", 1)[0]


def test_the_bell_shows_the_unread_count_and_opening_a_notification_marks_it_read(client, cw, settings):
    settings.LANGUAGE_CODE = "vi"
    handler = cw.users["reception_ca_2"]
    first_case, first = _assigned(cw)
    _second_case, second = _assigned(cw)
    client.force_login(handler)
    with translation.override("vi"):
        home = client.get(reverse("core:home")).content.decode()
    assert BELL in home and f'href="{reverse("cases:notifications")}"' in home
    assert _badge(home) == "2"
    assert '<span class="visually-hidden"> chưa đọc</span>' in home

    listed = client.get(reverse("cases:notifications")).content.decode()
    assert f'href="{reverse("cases:notification-open", args=[first.pk])}"' in listed
    opened = client.get(reverse("cases:notification-open", args=[first.pk]))
    assert opened.status_code == 302
    assert opened["Location"] == reverse("cases:case-detail", args=[first_case.pk])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert _badge(client.get(reverse("core:home")).content.decode()) == "1"

    client.post(reverse("cases:notifications"))  # mark all as read
    home = client.get(reverse("core:home")).content.decode()
    assert BELL in home and _badge(home) is None


def test_someone_elses_notification_cannot_be_opened(client, cw):
    _case, notification = _assigned(cw)
    client.force_login(cw.users["reception_ca"])
    assert client.get(reverse("cases:notification-open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_bell_costs_one_count_and_only_for_signed_in_users(client, cw, django_assert_num_queries):
    _assigned(cw)
    handler = cw.users["reception_ca_2"]
    handler.has_perm("cases.view_case")  # the permissions are read once per request anyway (the menu)
    with django_assert_num_queries(1) as captured:
        [badge] = visible_badges(handler)
    assert badge["count"] == 1
    assert "COUNT(" in captured.captured_queries[0]["sql"].upper()
    # a user without the cases' permission has no bell and costs no query
    nobody = cw.w.users["nobody"]
    nobody.has_perm("cases.view_case")
    with django_assert_num_queries(0):
        assert visible_badges(nobody) == []
    page = client.get(reverse("accounts:login"))
    assert "nav_badges" not in page.context and BELL not in page.content.decode()
