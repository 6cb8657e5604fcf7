"""The download token: a page that asked for an export learns that its answer has come."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import superuser

pytestmark = pytest.mark.django_db


def test_an_export_with_a_download_token_sets_its_cookie(client):
    client.force_login(superuser())
    response = client.get(reverse("cases:case-list") + "?export=csv&download_token=abc123xyz")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    cookie = response.cookies["dv_download_abc123xyz"]
    assert cookie.value == "1" and cookie["samesite"] == "Lax" and not cookie["httponly"]
    # no token, or one that is not a plain short word: no cookie
    for query in (
        "?export=csv",
        "?export=csv&download_token=a;b=c",
        "?export=csv&download_token=" + "a" * 40,
    ):
        assert not [
            c for c in client.get(reverse("cases:case-list") + query).cookies if c.startswith("dv_download")
        ]
