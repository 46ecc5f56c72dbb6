"""Pagination strategies, one per API style. A paginator reads a page and says how to ask for the next one.

    NextUrl      the body carries the next page's URL (Graph ``paging.next``, LinkedIn ``paging.links``)
    TokenParam   the body carries an opaque token that goes into a query parameter (X ``next_token``,
                 YouTube ``nextPageToken``, Bluesky ``cursor``)
    LinkHeader   an RFC 8288 ``Link`` header with ``rel="next"`` (Mastodon)
    Offset       ``start``/``count`` offsets (LinkedIn Rest.li collections)

Connectors loop with ``follow``, which also guards against cursor loops (a request seen before), which a
buggy or hostile API can produce, and against runaway page counts. Paginators never compute ids or cursors
the API did not give, except ``Offset``, whose API works that way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urljoin

from ..errors import MalformedResponse

__all__ = [
    "MAX_PAGES", "LinkHeader", "NextUrl", "Offset", "Paginator", "Request", "StopBefore", "TokenParam", "follow",
    "items_of",
]

MAX_PAGES = 100_000
Request = tuple[str, Mapping[str, str] | None]


class Paginator(Protocol):
    def next_request(self, url: str, params: Mapping[str, str] | None, body: Any,
                     headers: Mapping[str, str]) -> Request | None:
        """The next page's request (URL and query parameters), or None on the last page."""
        ...


def _dig(body: Any, path: tuple[str, ...]) -> Any:
    node = body
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


class NextUrl:
    """The next URL sits in the body at ``path``; relative URLs are resolved against the current one.

    For LinkedIn's ``paging.links[{rel, href}]`` give ``rel="next"``: ``path`` then points at the list."""

    def __init__(self, *path: str, rel: str | None = None) -> None:
        self.path = path or ("paging", "next")
        self.rel = rel

    def next_request(self, url: str, params: Mapping[str, str] | None, body: Any,
                     headers: Mapping[str, str]) -> Request | None:
        node = _dig(body, self.path)
        if self.rel is not None:
            links = node if isinstance(node, list) else []
            node = next((link.get("href") for link in links
                         if isinstance(link, Mapping) and link.get("rel") == self.rel), None)
        if not isinstance(node, str) or not node:
            return None
        return urljoin(url, node), None


class TokenParam:
    """An opaque token at ``path`` in the body goes into query parameter ``param`` of the same request."""

    def __init__(self, param: str, *path: str) -> None:
        self.param = param
        self.path = path

    def next_request(self, url: str, params: Mapping[str, str] | None, body: Any,
                     headers: Mapping[str, str]) -> Request | None:
        token = _dig(body, self.path)
        if not isinstance(token, str) or not token:
            return None
        return url, {**(params or {}), self.param: token}


_LINK = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')


class LinkHeader:
    """RFC 8288 ``Link`` header; follows ``rel`` (default ``next``) exactly as given."""

    def __init__(self, rel: str = "next") -> None:
        self.rel = rel

    def next_request(self, url: str, params: Mapping[str, str] | None, body: Any,
                     headers: Mapping[str, str]) -> Request | None:
        target = parse_link_header(headers.get("link", "")).get(self.rel)
        return (urljoin(url, target), None) if target else None


def parse_link_header(value: str) -> dict[str, str]:
    links: dict[str, str] = {}
    for match in _LINK.finditer(value):
        rels = re.search(r'rel="?([^";]+)"?', match.group(2))
        if rels:
            for rel in rels.group(1).split():
                links.setdefault(rel, match.group(1))
    return links


class Offset:
    """``start``/``count`` collections: the next page starts where this one ended; stop on a short page or
    when ``total`` (if the API reports it) is reached."""

    def __init__(self, items: str = "elements", start: str = "start", count: str = "count",
                 total: tuple[str, ...] = ("paging", "total")) -> None:
        self.items, self.start, self.count, self.total = items, start, count, total

    def next_request(self, url: str, params: Mapping[str, str] | None, body: Any,
                     headers: Mapping[str, str]) -> Request | None:
        current = dict(params or {})
        items = body.get(self.items) if isinstance(body, Mapping) else None
        size = int(current.get(self.count) or 10)
        start = int(current.get(self.start) or 0)
        if not isinstance(items, list) or len(items) < size or not items:
            return None
        total = _dig(body, self.total)
        if isinstance(total, int) and start + len(items) >= total:
            return None
        return url, {**current, self.start: str(start + len(items))}


def follow(first_url: str, first_params: Mapping[str, str] | None, paginator: Paginator,
           fetch: Callable[[str, Mapping[str, str] | None], tuple[Any, Mapping[str, str]]],
           describe: Callable[[str], str] = lambda u: u) -> Iterator[Any]:
    """Yield each page's body from the first request to the last, following the paginator."""
    seen: set[str] = set()
    request: Request | None = (first_url, first_params)
    pages = 0
    while request is not None:
        url, params = request
        seen.add(_key(url, params))
        body, headers = fetch(url, params)
        pages += 1
        yield body
        request = paginator.next_request(url, params, body, headers)
        if request is not None and _key(*request) in seen:
            raise MalformedResponse(f"cursor loop: page {pages} points back to {describe(request[0])}",
                                    url=describe(request[0]))
        if pages >= MAX_PAGES:
            raise MalformedResponse(f"more than {MAX_PAGES} pages from {describe(first_url)}")


def _key(url: str, params: Mapping[str, str] | None) -> str:
    return url if not params else f"{url}?{sorted(params.items())}"


class StopBefore:
    """Wrap a paginator for newest-first listings: stop once a page reaches back before ``since``.

    ``times`` reads the timestamps of a page's items (items without a readable time are ignored)."""

    def __init__(self, inner: Paginator, since: datetime, times: Callable[[Any], Iterable[datetime | None]]) -> None:
        self.inner, self.since, self.times = inner, since, times

    def next_request(self, url: str, params: Mapping[str, str] | None, body: Any,
                     headers: Mapping[str, str]) -> Request | None:
        seen = [t for t in self.times(body) if t is not None]
        if seen and min(seen) < self.since:
            return None
        return self.inner.next_request(url, params, body, headers)


def items_of(body: Any, key: str) -> list[Any]:
    """The list under ``key`` of a page body, or an empty list for anything else."""
    value = body.get(key) if isinstance(body, Mapping) else None
    return value if isinstance(value, list) else []
