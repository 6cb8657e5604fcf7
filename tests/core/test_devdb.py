"""The embedded server's settings, sized from the machine's memory (danvan.devdb)."""

import os

import pytest

from danvan import devdb

GB = 1024**3


def test_shared_buffers_are_an_eighth_of_memory_within_bounds(monkeypatch):
    monkeypatch.delenv("DANVAN_PG_SHARED_BUFFERS", raising=False)
    assert devdb.tuned_settings(8 * GB)["shared_buffers"] == "1024MB"
    assert devdb.tuned_settings(512 * 1024**2)["shared_buffers"] == "128MB"  # never below initdb's default
    assert devdb.tuned_settings(64 * GB)["shared_buffers"] == "2048MB"  # capped
    assert devdb.tuned_settings(8 * GB)["effective_cache_size"] == "4096MB"


def test_shared_buffers_can_be_set(monkeypatch):
    monkeypatch.setenv("DANVAN_PG_SHARED_BUFFERS", "384MB")
    assert devdb.tuned_settings(8 * GB)["shared_buffers"] == "384MB"


def test_units_compare_by_value():
    assert devdb._normalised("2GB") == devdb._normalised("2048MB")
    assert devdb._normalised("30min") == devdb._normalised("1800s")
    assert devdb._normalised("128MB") != devdb._normalised("2GB")
    assert devdb._normalised("on") == "on"


def test_the_running_server_has_the_settings(django_db_blocker):
    from django.db import connection

    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL: a server tuned by its operators")
    wanted = devdb.tuned_settings()
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for name, value in wanted.items():
            cursor.execute("SELECT current_setting(%s)", [name])
            assert devdb._normalised(cursor.fetchone()[0]) == devdb._normalised(value), name
