from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import PASSWORD


def sign_in(client, username: str, password: str = PASSWORD, next_url: str = ""):
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": password})


def form_errors(response) -> list[str]:
    """Every error of the form in the page's context (field and non-field)."""
    form = response.context["form"]
    return [str(e) for errors in form.errors.values() for e in errors]


def link_in(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


@pytest.fixture(autouse=True)
def _english(settings):
    """Tests compare messages by their English msgid, whatever the Vietnamese catalogue says."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(demo_world):
    return demo_world
