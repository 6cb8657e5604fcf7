"""Ingestion API: token auth, scope, 1,000-item limit, idempotency, per-item errors; read-only endpoints."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from danvan.opinion.models import Item

DAY = "2026-11-10T08:00:00+07:00"


@pytest.fixture
def analyst(demo_world, make_user):
    return make_user("an_a", role="opinion_analyst", unit=demo_world.province_a)


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}


def _post(client, source, items, headers):
    return client.post(f"/api/opinion-sources/{source.pk}/items/", {"items": items}, content_type="application/json",
                       **headers)  # fmt: skip


def test_batch_idempotent_with_per_item_errors(client, source_a, analyst, analyzer):
    headers = _auth(analyst)
    items = [
        {
            "external_id": "f1",
            "text": "Bà con phản ánh điện cúp liên tục",
            "published_at": DAY,
            "author": "A",
        },
        {"external_id": "f2", "text": "", "published_at": DAY},
        {"external_id": "f3", "text": "Giờ sai", "published_at": "không rõ"},
    ]
    r = _post(client, source_a, items, headers)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["created"] == 1 and body["rejected"] == 2
    assert [(e["index"], e["external_id"]) for e in body["errors"]] == [(1, "f2"), (2, "f3")]
    assert all(e["message"] for e in body["errors"])
    again = _post(client, source_a, items[:1], headers).json()
    assert again["created"] == 0 and again["existing"] == 1
    assert Item.objects.filter(source=source_a).count() == 1


def test_batch_limit(client, source_a, analyst):
    items = [{"external_id": f"x{i}", "text": "t", "published_at": DAY} for i in range(1001)]
    r = _post(client, source_a, items, _auth(analyst))
    assert r.status_code == 400
    assert not Item.objects.exists()


def test_out_of_scope_source_is_404_and_anonymous_refused(client, source_b, analyst):
    assert _post(client, source_b, [], _auth(analyst)).status_code == 404
    assert _post(client, source_b, [], {}).status_code in (401, 403)


def test_reader_without_write_permission_refused(client, source_a, demo_world, make_user):
    leader = make_user("leader_a", role="leader", unit=demo_world.province_a)
    r = _post(client, source_a, [{"external_id": "x", "text": "t", "published_at": DAY}], _auth(leader))
    assert r.status_code == 403
    assert not Item.objects.exists()


def test_read_endpoints_scoped_and_without_author(client, source_a, source_b, analyst, analyzer):
    from danvan.opinion import ingestion

    ingestion.ingest_items(
        source=source_a, items=[{"external_id": "a", "text": "Đường hư", "published_at": DAY, "author": "X"}]
    )
    ingestion.ingest_items(
        source=source_b, items=[{"external_id": "b", "text": "Nước bẩn", "published_at": DAY}]
    )
    headers = _auth(analyst)
    data = client.get("/api/opinion-items/", **headers).json()
    rows = data["results"] if isinstance(data, dict) else data
    assert [r["external_id"] for r in rows] == ["a"]
    assert "author_hash" not in rows[0] and "author" not in rows[0]
    for path in ("/api/opinion-issues/", "/api/opinion-alerts/", "/api/opinion-sources/"):
        assert client.get(path, **headers).status_code == 200
    sources = client.get("/api/opinion-sources/", **headers).json()
    sources = sources["results"] if isinstance(sources, dict) else sources
    assert [s["id"] for s in sources] == [source_a.pk]
