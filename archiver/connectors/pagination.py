"""Pagination strategies, one per API style. A paginator reads a page and says where the next one is.

Connectors loop with ``follow``; it also guards against cursor loops (a next URL seen before), which a
buggy or hostile API can produce, and against runaway page counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from ..errors import MalformedResponse

__all__ = ["NextUrlPaginator", "Paginator", "follow"]

MAX_PAGES = 100_000


class Paginator(Protocol):
    def next_url(self, body: Any, headers: Mapping[str, str]) -> str | None:
        """The absolute URL of the next page, exactly as the API gave it, or None on the last page."""
        ...


class NextUrlPaginator:
    """APIs that put the next page's URL in the body (Graph API ``paging.next``). Never builds cursors."""

    def __init__(self, *path: str) -> None:
        self.path = path or ("paging", "next")

    def next_url(self, body: Any, headers: Mapping[str, str]) -> str | None:
        node = body
        for key in self.path:
            if not isinstance(node, Mapping):
                return None
            node = node.get(key)
        return node if isinstance(node, str) and node else None


def follow(first_url: str, first_params: Mapping[str, str] | None, paginator: Paginator,
           fetch: Callable[[str, Mapping[str, str] | None], tuple[Any, Mapping[str, str]]],
           describe: Callable[[str], str] = lambda u: u) -> Iterator[Any]:
    """Yield each page's body from the first request to the last, following the paginator."""
    seen: set[str] = set()
    url: str | None = first_url
    params = first_params
    pages = 0
    while url is not None:
        body, headers = fetch(url, params)
        pages += 1
        yield body
        following = paginator.next_url(body, headers)
        if following is not None and (following in seen or following == url):
            raise MalformedResponse(f"cursor loop: page {pages} points back to {describe(following)}",
                                    url=describe(following))
        if pages >= MAX_PAGES:
            raise MalformedResponse(f"more than {MAX_PAGES} pages from {describe(first_url)}")
        seen.add(url if params is None else f"{url}?{sorted(params.items())}")
        url, params = following, None
