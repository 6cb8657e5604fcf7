from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from tests.factories import VerifiedClient


@pytest.fixture(autouse=True)
def _english():
    """The assertions read English messages: pages, jobs and services speak English here, whatever the
    Vietnamese catalogue holds (the interface itself defaults to Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(db):
    """A signed-in test client for a user, asking for English pages."""

    def make(user) -> Client:
        client = VerifiedClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return make


@pytest.fixture
def world(demo_world):
    return demo_world
