"""Benchmark: API requests per thread on every platform, against the minimum each API allows.

Captures N threads x M comments (about a third replies, a few edited, a few hidden) from each platform's fake
API with the largest page sizes, counts the requests the connector made per thread, and compares them with
the fewest requests that API needs for the same content (largest pages, no repeated calls):

    facebook   post + ceil(comments / 100)                 (all comments and replies in one flat stream)
    instagram  ceil(top-level / 100)                        (replies nest in the comments page; the media
                                                             object itself could be nested into the listing)
    x          ceil(replies / 100) + ceil(edited / 100)     (the root arrives in includes; earlier versions)
    youtube    video + ceil(top / 100) + per top with more than 5 replies ceil(replies / 100)
    linkedin   post + ceil(top / 100) + per comment with replies ceil(replies / 100)
    mastodon   context + one history per edited status      (the root status comes with the listing)
    bluesky    one getPostThread at depth 1000

Usage: .venv/bin/python bench/bench_requests.py [--threads 20] [--comments 200]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archiver.clock import FixedClock
from archiver.config import Secret, parse_settings
from archiver.connectors import connector_class
from archiver.fakes import API_VERSIONS, fake_for
from archiver.fakes.demo import synthetic_page
from archiver.fakes.graph import FakeGraphServer
from archiver.fakes.world import FakeThread, synthetic_account

NOW = datetime(2026, 11, 20, tzinfo=UTC)
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def minimum(platform: str, thread: FakeThread) -> int:
    comments = thread.comments
    tops = [c for c in comments if c.parent is None]
    replies = {t.id: sum(1 for c in comments if c.parent == t.id) for t in tops}
    edited = sum(1 for c in [thread.post, *comments] if c.edited)
    pages = lambda n: max(1, math.ceil(n / 100))  # noqa: E731
    if platform == "instagram":
        return pages(len(tops))
    if platform == "x":
        return pages(len(comments)) + math.ceil(edited / 100)
    if platform == "youtube":
        visible = [t for t in tops if not t.hidden]
        return 1 + pages(len(visible)) + sum(pages(replies[t.id]) for t in visible if replies[t.id] > 5)
    if platform == "linkedin":
        return 1 + pages(len(tops)) + sum(pages(n) for n in replies.values() if n)
    if platform == "mastodon":
        return 1 + edited
    if platform == "bluesky":
        return 1
    return 1 + pages(len(comments))


def measure(platform: str, threads: int, comments: int) -> dict[str, Any]:
    token = "bench-token"
    if platform == "facebook":
        page = synthetic_page(threads, comments, seed=7, token=token)
        server: Any = FakeGraphServer(page)
        account_id, sources = page.id, None
    else:
        world = synthetic_account(platform, threads, comments, seed=7, token=token)
        server, account_id, sources = fake_for(platform, world), world.me.id, world
    with server:
        account = parse_settings({"archive": {"organisation": "B"}, "accounts": [{
            "key": "b", "platform": platform, "account_id": account_id, "name": "Bench", "base_url": server.url,
            "api_version": API_VERSIONS[platform], "credential": f"value:{token}"}]}, base=Path(".")).accounts[0]
        connector = connector_class(platform)(account, Secret(token), FixedClock(NOW))
        refs = connector.list_threads(SINCE, NOW)
        listing = connector.client.stats.requests
        made = minimal = 0
        for ref in refs:
            made += len(connector.capture_thread(ref).exchanges)
            if sources is not None:
                found = sources.thread(ref.post_id)
                assert found is not None
                minimal += minimum(platform, found)
            else:
                minimal += 1 + max(1, math.ceil(comments / 100))
    return {"platform": platform, "threads": len(refs), "listing_requests": listing,
            "requests_per_thread": round(made / len(refs), 2), "minimum_per_thread": round(minimal / len(refs), 2),
            "ratio": round(made / minimal, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--comments", type=int, default=200)
    args = parser.parse_args()
    rows = [measure(p, args.threads, args.comments)
            for p in ("facebook", "instagram", "x", "youtube", "linkedin", "mastodon", "bluesky")]
    print(json.dumps({"threads": args.threads, "comments_per_thread": args.comments, "platforms": rows}, indent=2))


if __name__ == "__main__":
    main()
