"""RSS 2.0 / Atom feeds: fetching with conditional requests and parsing into item records.

- Fetching (``fetch``) uses ``requests`` with a timeout and a size cap, sends ``If-None-Match`` /
  ``If-Modified-Since`` from the source's last answer and treats 304 as "nothing new".
- Parsing (``parse``) uses the standard library's ``xml.etree`` and refuses any document with a DOCTYPE or
  an entity declaration (no entity expansion, no external entities: defusedxml is not installed).
- The records returned are plain dicts ready for ``ingestion.ingest_items`` (external id, title, text, link,
  published time, author handle — hashed on the way in, never stored).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = 15
USER_AGENT = "DanVanSo-feed-reader/1.0"
MAX_ITEMS = 1000

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
DC_DATE = "{http://purl.org/dc/elements/1.1/}date"

_TAGS = re.compile(r"<[^>]+>")
_FORBIDDEN = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
# an HTML document: its doctype or <html> first (after a BOM, blanks and comments)
_HTML = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*(?:<!DOCTYPE\s+html|<html[\s>])", re.IGNORECASE | re.DOTALL
)


class FeedError(Exception):
    """A feed could not be fetched or read; the message (translated) is shown on the source's page."""


@dataclass
class FetchResult:
    status: int
    content: bytes = b""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class Feed:
    title: str = ""
    entries: list[dict[str, Any]] = field(default_factory=list)


def fetch(url: str, *, etag: str = "", last_modified: str = "", timeout: float = TIMEOUT,
          max_bytes: int = MAX_BYTES) -> FetchResult:  # fmt: skip
    """GET the feed, conditionally. Raises FeedError on network errors, HTTP errors and oversized bodies."""
    import requests

    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with requests.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=True) as resp:
            if resp.status_code == 304:
                return FetchResult(
                    304,
                    etag=resp.headers.get("ETag", etag),
                    last_modified=resp.headers.get("Last-Modified", last_modified),
                )
            if resp.status_code >= 400:
                raise FeedError(
                    _("The server answered with HTTP error %(code)s.") % {"code": resp.status_code}
                )
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FeedError(
                    _("The feed is larger than the limit of %(mb)s MB.") % {"mb": max_bytes // 2**20}
                )
            chunks, size = [], 0
            for chunk in resp.iter_content(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise FeedError(
                        _("The feed is larger than the limit of %(mb)s MB.") % {"mb": max_bytes // 2**20}
                    )
                chunks.append(chunk)
            return FetchResult(
                resp.status_code,
                b"".join(chunks),
                etag=resp.headers.get("ETag", ""),
                last_modified=resp.headers.get("Last-Modified", ""),
            )
    except requests.Timeout as exc:
        raise FeedError(_("The server did not answer within %(s)s seconds.") % {"s": int(timeout)}) from exc
    except requests.ConnectionError as exc:
        # a reason in words, never an exception's class name ("ConnectionError") in the Vietnamese page
        raise FeedError(
            _("The server could not be reached (no connection: check the address and the network).")
        ) from exc
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema) as exc:  # fmt: skip
        raise FeedError(_("The feed address is not a valid web address.")) from exc
    except requests.TooManyRedirects as exc:
        raise FeedError(_("The server redirected too many times.")) from exc
    except requests.RequestException as exc:
        raise FeedError(_("The feed could not be read from the server.")) from exc


def _text(el: ET.Element | None) -> str:
    if el is None:
        return ""
    return "".join(el.itertext()).strip()


def strip_html(value: str) -> str:
    return html.unescape(_TAGS.sub(" ", value or "")).strip()


def parse_date(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def parse(content: bytes) -> Feed:
    """RSS 2.0 or Atom → Feed. Raises FeedError on anything else, on malformed XML and on DOCTYPE/ENTITY."""
    if not content or not content.strip():
        raise FeedError(_("The feed is empty."))
    if _HTML.match(content[:4096]):  # the most common mistake: a web page's address instead of its feed's
        raise FeedError(_("This address is a web page, not an RSS/Atom feed: use the address of the feed."))
    if _FORBIDDEN.search(content[:65536]) or _FORBIDDEN.search(content):
        raise FeedError(_("The feed declares a DOCTYPE or entities, which are refused for safety."))
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise FeedError(_("The feed is not well-formed XML (%(error)s).") % {"error": exc}) from exc
    if root.tag == "rss" or root.tag.endswith("RDF"):
        return _parse_rss(root)
    if root.tag == f"{ATOM}feed":
        return _parse_atom(root)
    raise FeedError(_("This document is neither an RSS nor an Atom feed."))


def _parse_rss(root: ET.Element) -> Feed:
    channel = root.find("channel")
    if channel is None:
        raise FeedError(_("This document is neither an RSS nor an Atom feed."))
    feed = Feed(title=_text(channel.find("title")))
    items = channel.findall("item") or root.findall("{http://purl.org/rss/1.0/}item")
    for item in items[:MAX_ITEMS]:
        link = _text(item.find("link"))
        guid = _text(item.find("guid")) or link or _text(item.find("title"))
        body = _text(item.find(CONTENT)) or _text(item.find("description"))
        feed.entries.append(
            {
                "external_id": guid[:300],
                "title": strip_html(_text(item.find("title")))[:500],
                "text": strip_html(body),
                "url": link[:1000] if link.startswith(("http://", "https://")) else "",
                "published_at": parse_date(_text(item.find("pubDate")) or _text(item.find(DC_DATE))),
                "author": _text(item.find(DC_CREATOR)) or _text(item.find("author")),
            }
        )
    return feed


def _parse_atom(root: ET.Element) -> Feed:
    feed = Feed(title=_text(root.find(f"{ATOM}title")))
    for entry in root.findall(f"{ATOM}entry")[:MAX_ITEMS]:
        link = ""
        for el in entry.findall(f"{ATOM}link"):
            if el.get("rel", "alternate") == "alternate":
                link = el.get("href", "")
                break
        body = _text(entry.find(f"{ATOM}content")) or _text(entry.find(f"{ATOM}summary"))
        author = entry.find(f"{ATOM}author")
        feed.entries.append(
            {
                "external_id": (_text(entry.find(f"{ATOM}id")) or link)[:300],
                "title": strip_html(_text(entry.find(f"{ATOM}title")))[:500],
                "text": strip_html(body),
                "url": link[:1000] if link.startswith(("http://", "https://")) else "",
                "published_at": parse_date(
                    _text(entry.find(f"{ATOM}published")) or _text(entry.find(f"{ATOM}updated"))
                ),
                "author": _text(author.find(f"{ATOM}name")) if author is not None else "",
            }
        )
    return feed
