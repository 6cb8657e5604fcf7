from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import VerifiedClient


@pytest.fixture
def client_for(db):
    """A logged-in test client for a user (the second factor is skipped as after a verified sign-in)."""

    def make(user) -> Client:
        client = VerifiedClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def world(demo_world):
    """The shared small world, with a Youth Union and a Veterans' Association branch in village A."""
    from tests.members.factories import add_branches

    add_branches(demo_world)
    return demo_world
