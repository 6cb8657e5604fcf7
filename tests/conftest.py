"""Test set-up: the embedded PostgreSQL (or DATABASE_URL), reference data loaded once per session,
and factories for scoped users."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the official units, organisation types and roles."""
    with django_db_blocker.unblock():
        call_command("setup_platform", verbosity=0)
    yield
    # The browser tests (Playwright) leave an idle connection behind that no teardown closes (its last
    # queries are theirs): end the idle sessions, so that the test database can be dropped (it was left
    # behind with "is being accessed by other users").
    with django_db_blocker.unblock():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'"
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test flushes every table when it ends: load the reference data again afterwards,
    so that the tests that follow on the same worker find it."""
    result = yield
    marker = item.get_closest_marker("django_db")
    # Not after the worker's last test: the session's fixtures, the test database among them, are gone.
    if nextitem is None:
        return result
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            call_command("setup_platform", verbosity=0)
    return result


@pytest.fixture(autouse=True)
def _eager_jobs(settings, tmp_path):
    settings.DANVAN_JOBS_EAGER = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def make_user(db):
    from tests.factories import make_user as factory

    return factory


@pytest.fixture
def demo_world(db):
    """Two provinces with communes, villages, organisations and branches, and scoped users."""
    from tests.factories import build_world

    return build_world()


@pytest.fixture
def client():
    from tests.factories import VerifiedClient

    return VerifiedClient()
