"""A fake Mastodon instance, shaped like the recorded Mastodon 4.6 responses in
../shared/reference/api-samples/mastodon: HTML ``content``, ``Link`` header paging (``max_id`` older,
``min_id`` newer), ``X-RateLimit-*`` headers with an ISO 8601 reset, ``{"error": …}`` bodies, ``/context``,
``/history`` with every version. Statuses with ``unseen_comments`` count replies this instance never received
(federation), as real instances do.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ..clock import Clock
from .server import FakeApi, Fault, Reply, Request
from .world import FakeAccount, FakeItem, FakeThread

__all__ = ["FakeMastodonServer"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class FakeMastodonServer(FakeApi):
    def __init__(self, account: FakeAccount, *, port: int = 0,
                 clock: Clock | None = None, domain: str = "social.demo.example") -> None:
        super().__init__(port=port, clock=clock)
        self.account = account
        self.domain = domain

    def extra_headers(self, request: Request, reply: Reply) -> Mapping[str, str]:
        reset = self.clock.now().replace(microsecond=212100) + timedelta(minutes=5)
        return {"x-ratelimit-limit": "300", "x-ratelimit-remaining": "299",
                "x-ratelimit-reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}

    def route_name(self, path: str) -> str:
        last = path.rstrip("/").rsplit("/", 1)[-1]
        return last if last in ("statuses", "context", "history") else "status"

    def handle(self, request: Request) -> Reply:
        if self.account.token and request.bearer != self.account.token:
            return Reply(401, {"error": "The access token is invalid"})
        parts = [p for p in request.path.split("/") if p]
        if parts[:2] != ["api", "v1"]:
            return Reply(404, {"error": "Not Found"})
        rest = parts[2:]
        if len(rest) == 3 and rest[0] == "accounts" and rest[2] == "statuses":
            if rest[1] != self.account.me.id:
                return Reply(404, {"error": "Record not found"})
            return self._timeline(request)
        if rest[:1] == ["statuses"] and len(rest) in (2, 3):
            found = self.account.item(rest[1])
            if found is None:
                return Reply(404, {"error": "Record not found"})
            thread, item = found
            if len(rest) == 2:
                return Reply(200, self.status(thread, item))
            if rest[2] == "context":
                return Reply(200, self._context(thread, item))
            if rest[2] == "history":
                return Reply(200, self._history(item))
        return Reply(404, {"error": "Not Found"})

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        if fault.kind in ("rate_limit", "quota"):
            reset = self.clock.now() + timedelta(minutes=fault.regain_minutes)
            return Reply(429, {"error": "Too many requests"},
                         {"x-ratelimit-limit": "300", "x-ratelimit-remaining": "0",
                          "x-ratelimit-reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ")})
        if fault.kind == "auth_expired":
            return Reply(401, {"error": "The access token is invalid"})
        if fault.kind == "gone":
            return Reply(404, {"error": "Record not found"})
        if fault.kind == "http_500":
            return Reply(503, {"error": "Service Unavailable"})
        if fault.kind == "cursor_loop":
            link = f'<{self.url}{request.path}?{urlencode(dict(request.query))}>; rel="next"'
            return Reply(200, [], {"link": link})
        return super().fault_reply(fault, request)

    # ------------------------------------------------------------------------------------------ bodies

    def _timeline(self, request: Request) -> Reply:
        limit = max(1, min(int(request.query.get("limit") or 20), 40))
        statuses = sorted((t.post for t in self.account.threads), key=lambda i: int(i.id), reverse=True)
        if request.query.get("max_id"):
            statuses = [s for s in statuses if int(s.id) < int(request.query["max_id"])]
        if request.query.get("min_id"):
            statuses = [s for s in statuses if int(s.id) > int(request.query["min_id"])][-limit:]
        page = statuses[:limit]
        headers = {}
        if page:
            base = f"{self.url}{request.path}"
            links = []
            if len(statuses) > limit:
                links.append(f'<{base}?{urlencode({"limit": limit, "max_id": page[-1].id})}>; rel="next"')
            links.append(f'<{base}?{urlencode({"limit": limit, "min_id": page[0].id})}>; rel="prev"')
            headers["link"] = ", ".join(links)
        threads = {t.post.id: t for t in self.account.threads}
        return Reply(200, [self.status(threads[s.id], s) for s in page], headers)

    def _context(self, thread: FakeThread, item: FakeItem) -> dict[str, Any]:
        if item is not thread.post:
            ancestors: list[dict[str, Any]] = []
            parent = item.parent
            while parent is not None:
                found = self.account.item(parent)
                if found is None:
                    break
                ancestors.insert(0, self.status(thread, found[1]))
                parent = found[1].parent
            ancestors.insert(0, self.status(thread, thread.post))
            descendants = self._below(thread, item.id)
        else:
            ancestors, descendants = [], self._below(thread, None)
        return {"ancestors": ancestors, "descendants": descendants}

    def _below(self, thread: FakeThread, parent: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        stack = list(reversed(thread.children(parent)))
        while stack:  # depth first, oldest first, as Mastodon orders descendants
            comment = stack.pop()
            out.append(self.status(thread, comment))
            stack.extend(reversed(thread.children(comment.id)))
        return out

    def _history(self, item: FakeItem) -> list[dict[str, Any]]:
        versions = [old for _, old in item.versions] + [item.text]
        times = [item.created] + [item.edited or item.created] * len(item.versions)
        return [{"content": f"<p>{html.escape(text)}</p>", "spoiler_text": "", "sensitive": False,
                 "created_at": _iso(when), "account": self._account(item), "poll": None,
                 "media_attachments": [], "emojis": []} for text, when in zip(versions, times, strict=True)]

    def _account(self, item: FakeItem) -> dict[str, Any]:
        person = item.author
        acct = person.handle if not item.remote else f"{person.handle}@remote.example"
        return {"id": person.id, "username": person.handle, "acct": acct, "display_name": person.name,
                "url": f"https://{self.domain}/@{person.handle}", "bot": False, "locked": False}

    def status(self, thread: FakeThread, item: FakeItem) -> dict[str, Any]:
        is_post = item is thread.post
        replies = len(thread.children(None if is_post else item.id)) + (thread.unseen_comments if is_post else 0)
        parent = None if is_post else (item.parent or thread.post.id)
        parent_item = self.account.item(parent) if parent else None
        return {
            "id": item.id, "created_at": _iso(item.created), "in_reply_to_id": parent,
            "in_reply_to_account_id": parent_item[1].author.id if parent_item else None,
            "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "nb",
            "uri": f"https://{self.domain}/users/{item.author.handle}/statuses/{item.id}",
            "url": f"https://{self.domain}/@{item.author.handle}/{item.id}",
            "replies_count": replies, "reblogs_count": 0, "favourites_count": item.likes, "quotes_count": 0,
            "edited_at": _iso(item.edited) if item.edited else None,
            "content": "".join(f"<p>{html.escape(line)}</p>" for line in item.text.split("\n")),
            "reblog": None, "account": self._account(item),
            "media_attachments": [{"id": str(900 + n), "type": "image" if m.kind == "photo" else m.kind, "url": m.url,
                                   "preview_url": m.url, "remote_url": None, "description": m.alt or None,
                                   "blurhash": None, "meta": {}} for n, m in enumerate(item.media)],
            "mentions": [], "tags": [], "emojis": [], "card": None, "poll": None,
        }
