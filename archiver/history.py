"""What makes two captures of a thread "the same": the content hash over a canonical form.

Provenance (capture times, request counts) never counts; volatile fields (by default reaction counts) are
recorded in every package but, by configuration, do not force a new version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from .model import Thread

__all__ = ["canonical_content", "content_hash"]


def canonical_content(thread: Thread, volatile: Iterable[str] = ("reactions",)) -> dict[str, Any]:
    ignored = set(volatile)
    data = thread.to_dict()
    data.pop("provenance")

    def strip(entry: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in entry.items() if k not in ignored}

    data["post"] = strip(data["post"])
    data["comments"] = sorted((strip(c) for c in data["comments"]), key=lambda c: c["id"])
    return data


def content_hash(thread: Thread, volatile: Iterable[str] = ("reactions",)) -> str:
    text = json.dumps(canonical_content(thread, volatile), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
