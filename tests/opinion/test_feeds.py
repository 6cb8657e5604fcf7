"""Feeds against a real HTTP server on 127.0.0.1 (no mocks): conditional GET, errors, flagging."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from danvan.opinion import feeds, ingestion
from danvan.opinion.models import Item, Source, SourceKind

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Báo Ấp Phú Hòa</title>
<item><title>Người dân phản ánh đường xuống cấp</title><link>https://bao.example.vn/a1</link>
<guid>a1</guid><description>&lt;p&gt;Đường liên ấp &lt;b&gt;lầy lội&lt;/b&gt; sau mưa, bà con bức xúc.&lt;/p&gt;</description>
<pubDate>Tue, 10 Nov 2026 08:00:00 +0700</pubDate><dc:creator>Phóng viên Minh</dc:creator></item>
<item><title>Hội Nông dân tập huấn kỹ thuật lúa</title><link>https://bao.example.vn/a2</link><guid>a2</guid>
<description>Nông dân được hướng dẫn gieo sạ.</description><pubDate>Wed, 11 Nov 2026 09:00:00 +0700</pubDate></item>
</channel></rss>""".encode()

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Cổng thông tin xã</title>
<entry><id>urn:x:1</id><title>Thông báo thu phí vệ sinh</title><link href="https://xa.example.vn/tb1"/>
<updated>2026-11-12T07:30:00+07:00</updated><summary>Mức thu phí vệ sinh năm 2027.</summary>
<author><name>Văn phòng</name></author></entry></feed>""".encode()

BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>"""


class Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {}
    hits: list[dict[str, str]] = []

    def do_GET(self):
        type(self).hits.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        status, body = self.routes.get(self.path, (404, b"not found"))
        if status == 200 and self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.send_header("ETag", '"v1"')
            self.end_headers()
            return
        self.send_response(status)
        if status == 200:
            self.send_header("ETag", '"v1"')
            self.send_header("Last-Modified", "Tue, 10 Nov 2026 02:00:00 GMT")
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.routes = {"/rss": (200, RSS), "/atom": (200, ATOM), "/bomb": (200, BOMB), "/broken": (500, b"x"),
                      "/junk": (200, b"<html><body>not a feed</body></html>")}  # fmt: skip
    Handler.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_parse_rss_and_atom():
    feed = feeds.parse(RSS)
    assert feed.title == "Báo Ấp Phú Hòa"
    first = feed.entries[0]
    assert first["external_id"] == "a1"
    assert first["text"] == "Đường liên ấp  lầy lội  sau mưa, bà con bức xúc." or "lầy lội" in first["text"]
    assert "<" not in first["text"]
    assert first["published_at"].utcoffset().total_seconds() == 7 * 3600
    atom = feeds.parse(ATOM)
    assert atom.entries[0]["url"] == "https://xa.example.vn/tb1"
    assert atom.entries[0]["text"] == "Mức thu phí vệ sinh năm 2027."


@pytest.mark.parametrize("body", [BOMB, b"", b"<rss><channel>", b"<html/>"])
def test_parse_refuses_entities_and_junk(body):
    with pytest.raises(feeds.FeedError):
        feeds.parse(body)


def test_fetch_size_cap(server):
    with pytest.raises(feeds.FeedError):
        feeds.fetch(server + "/rss", max_bytes=100)


def _feed(demo_world, url):
    unit = demo_world.commune_a
    return Source.objects.create(name="Báo", kind=SourceKind.RSS, unit=unit, unit_path=unit.path, url=url)


def test_poll_conditional_get_304(demo_world, server, analyzer):
    source = _feed(demo_world, server + "/rss")
    first = ingestion.poll_source(source)
    assert first.status == "ok" and first.created == 2
    source.refresh_from_db()
    assert source.etag == '"v1"' and source.last_success_at and source.next_poll_at > source.last_polled_at
    items = Item.objects.filter(source=source)
    assert items.count() == 2
    assert all(i.author_hash == "" or len(i.author_hash) >= 32 for i in items)
    assert not items.filter(text__icontains="Minh").exists()
    second = ingestion.poll_source(source)
    assert second.status == "not_modified"
    assert Handler.hits[-1]["if-none-match"] == '"v1"'
    assert Handler.hits[-1]["if-modified-since"] == "Tue, 10 Nov 2026 02:00:00 GMT"
    assert Item.objects.filter(source=source).count() == 2


def test_errors_recorded_then_flagged_and_not_retried(demo_world, server):
    source = _feed(demo_world, server + "/broken")
    for n in range(1, ingestion.FAILURE_LIMIT + 1):
        result = ingestion.poll_source(source)
        assert result.status == "error"
        source.refresh_from_db()
        assert source.failure_count == n
        assert "500" in source.last_error
    assert source.flagged and source.flagged_at and source.next_poll_at is None
    hits = len(Handler.hits)
    assert ingestion.poll_source(source).status == "skipped"
    ingestion.poll_due_sources()
    assert len(Handler.hits) == hits  # a flagged source is not fetched again


def test_reenable_resets_and_polls(demo_world, server, make_user, analyzer):
    source = _feed(demo_world, server + "/junk")
    for _ in range(ingestion.FAILURE_LIMIT):
        ingestion.poll_source(source)
    source.refresh_from_db()
    assert source.flagged
    officer = make_user("analyst_a", role="opinion_analyst", unit=demo_world.commune_a)
    source.url = server + "/atom"
    source.save()
    ingestion.source_enable(actor=officer, source=source)
    source.refresh_from_db()
    assert not source.flagged and source.failure_count == 0
    counts = ingestion.poll_due_sources()
    assert counts["polled"] == 1
    assert Item.objects.filter(source=source).count() == 1


def test_unreachable_server_is_an_error(demo_world):
    source = _feed(demo_world, "http://127.0.0.1:9/none")
    result = ingestion.poll_source(source)
    assert result.status == "error"
    source.refresh_from_db()
    assert source.failure_count == 1 and source.last_error


def test_errors_say_what_happened_in_words(demo_world):
    """Audit #12: no exception class name in the message, and a web page is named as such (not as a
    security refusal)."""
    source = _feed(demo_world, "http://127.0.0.1:9/khong-co.xml")
    ingestion.poll_source(source)
    source.refresh_from_db()
    assert "Error" not in source.last_error and "ConnectionError" not in source.last_error
    for page in (
        b"<!DOCTYPE html><html><head></head><body>Trang</body></html>",
        b"\n<html lang='vi'><body/>",
    ):
        with pytest.raises(feeds.FeedError) as info:
            feeds.parse(page)
        assert "RSS/Atom" in str(info.value) and "DOCTYPE" not in str(info.value)
    with pytest.raises(feeds.FeedError) as info:
        feeds.parse(BOMB)
    assert "DOCTYPE" in str(info.value)
