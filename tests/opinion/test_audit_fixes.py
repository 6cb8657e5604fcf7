"""Fixes of the QA audit of 08/12/2026 (/tmp/audit/opinion.md) that have no better home: imports' numbers (#5)
and list values (#13), abandoned uploads (#7), the item and source lists' permission (#14)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from danvan.opinion import ingestion


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1.5k", 1500), ("1,2K", 1200), ("12k", 12000), ("1.500", 1500), ("1,500", 1500), ("2M", 2_000_000),
     ("850", 850), (7, 7), ("", 0)],
)  # fmt: skip
def test_numbers_with_a_k_suffix_keep_their_decimal(raw, expected):
    assert ingestion._number(raw) == expected


def test_ambiguous_suffixed_number_is_refused():
    with pytest.raises(ValueError):
        ingestion._number("1.234,5k")


@pytest.mark.django_db
def test_a_list_in_the_text_column_is_refused():
    now = timezone.now().isoformat()
    record, reason = ingestion.validate_record({"id": "x", "text": ["Đường", "hỏng"], "published_at": now})
    assert record is None and reason
    record, reason = ingestion.validate_record({"id": "x", "text": "Đường hỏng", "published_at": now})
    assert record is not None and reason == ""


def test_abandoned_uploads_are_swept(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    old = default_storage.save(
        f"{ingestion.UPLOAD_TMP_DIR}/old-good.csv", ContentFile(b"tac_gia\nNguyen Van Teo\n")
    )
    fresh = default_storage.save(f"{ingestion.UPLOAD_TMP_DIR}/new-good.csv", ContentFile(b"x"))
    later = timezone.now() + dt.timedelta(hours=7)
    import os

    past = (timezone.now() - dt.timedelta(hours=1)).timestamp()
    os.utime(default_storage.path(fresh), (later.timestamp() - 60, later.timestamp() - 60))
    os.utime(default_storage.path(old), (past, past))
    assert ingestion.sweep_abandoned_uploads(now=later) == 1
    assert not default_storage.exists(old) and default_storage.exists(fresh)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/opinion/items/", "/opinion/items/?export=xlsx", "/opinion/sources/"])
def test_collaborator_gets_403_on_items_and_sources(client, demo_world, make_user, url):
    ctv = make_user("ctv_l", role="opinion_collaborator", unit=demo_world.commune_a)
    client.force_login(ctv)
    assert client.get(url).status_code == 403
    analyst = make_user("pt_l", role="opinion_analyst", unit=demo_world.commune_a)
    client.force_login(analyst)
    assert client.get(url).status_code == 200
