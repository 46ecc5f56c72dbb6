"""A fake YouTube Data API v3, shaped like the recorded responses in ../shared/reference/api-samples/youtube:
``kind``/``etag``/``pageInfo``/``items``, ``nextPageToken``/``prevPageToken``, comment threads that embed at
most five replies, ``comments?parentId=`` for the rest, reply ids ``<parent>.<suffix>``, and the Google error
envelope ``error{code,message,errors[{domain,reason}]}`` (``quotaExceeded``, ``rateLimitExceeded``,
``commentsDisabled``, ``videoNotFound``, ``keyInvalid``). Hidden comments stand for comments held for review:
counted in ``commentCount`` but not listed, as for an API key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..clock import Clock
from .server import FakeApi, Fault, Reply, Request
from .world import FakeAccount, FakeItem, FakeThread

__all__ = ["FakeYouTubeServer"]

EMBEDDED = 5


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _etag(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()[:27]


def _error(status: int, reason: str, message: str, domain: str = "youtube.commentThread",
           **extra: str) -> Reply:
    return Reply(status, {"error": {"code": status, "message": message,
                                    "errors": [{"message": message, "domain": domain, "reason": reason, **extra}]}})


class FakeYouTubeServer(FakeApi):
    content_type = "application/json; charset=UTF-8"

    def __init__(self, account: FakeAccount, *, port: int = 0,
                 clock: Clock | None = None, comments_disabled: frozenset[str] = frozenset()) -> None:
        super().__init__(port=port, clock=clock)
        self.account = account
        self.comments_disabled = set(comments_disabled)

    @property
    def uploads(self) -> str:
        return "UU" + self.account.me.id[2:]

    def handle(self, request: Request) -> Reply:
        if request.query.get("key") != self.account.token and request.bearer != self.account.token:
            return _error(400, "keyInvalid", "API key not valid. Please pass a valid API key.", "usageLimits")
        parts = [p for p in request.path.split("/") if p]
        if parts[:2] != ["youtube", "v3"] or len(parts) != 3:
            return _error(404, "notFound", "Not Found", "global")
        resource = parts[2]
        if resource == "channels":
            return self._channels(request)
        if resource == "playlistItems":
            return self._playlist(request)
        if resource == "videos":
            return self._videos(request)
        if resource == "commentThreads":
            return self._threads(request)
        if resource == "comments":
            return self._replies(request)
        return _error(404, "notFound", "Not Found", "global")

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        if fault.kind == "rate_limit":
            return _error(403, "rateLimitExceeded", "The request cannot be completed because you have exceeded your "
                          "quota.", "usageLimits")
        if fault.kind == "quota":
            return _error(403, "quotaExceeded", "The request cannot be completed because you have exceeded your "
                          '<a href="/youtube/v3/getting-started#quota">quota</a>.', "youtube.quota")
        if fault.kind == "auth_expired":
            return _error(401, "authError", "Request had invalid authentication credentials.", "global",
                          location="Authorization", locationType="header")
        if fault.kind == "gone":
            return _error(404, "videoNotFound", "The video identified by the videoId parameter could not be found.",
                          location="videoId", locationType="parameter")
        if fault.kind == "http_500":
            return _error(503, "backendError", "Backend Error", "global")
        if fault.kind == "cursor_loop":
            return Reply(200, {"kind": "youtube#commentThreadListResponse", "etag": "loop",
                               "nextPageToken": request.query.get("pageToken") or "CAoQAA",
                               "pageInfo": {"totalResults": 0, "resultsPerPage": 0}, "items": []})
        return super().fault_reply(fault, request)

    # ------------------------------------------------------------------------------------------ bodies

    def _list(self, kind: str, items: list[dict[str, Any]], request: Request, cap: int) -> Reply:
        limit = max(1, min(int(request.query.get("maxResults") or 20), cap))
        token = request.query.get("pageToken") or ""
        offset = int(token[3:]) if token.startswith("off") and token[3:].isdecimal() else 0
        chunk = items[offset:offset + limit]
        body: dict[str, Any] = {"kind": kind, "etag": _etag(kind, offset, len(items))}
        if offset + limit < len(items):
            body["nextPageToken"] = f"off{offset + limit}"
        if offset:
            body["prevPageToken"] = f"off{max(0, offset - limit)}"
        body["pageInfo"] = {"totalResults": len(items), "resultsPerPage": limit}
        body["items"] = chunk
        return Reply(200, body)

    def _channels(self, request: Request) -> Reply:
        me = self.account.me
        items = [{"kind": "youtube#channel", "etag": _etag(me.id), "id": me.id,
                  "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": self.uploads}}}] \
            if request.query.get("id") == me.id or request.query.get("mine") == "true" else []
        return Reply(200, {"kind": "youtube#channelListResponse", "etag": _etag("channels"),
                           "pageInfo": {"totalResults": len(items), "resultsPerPage": 5}, "items": items})

    def _playlist(self, request: Request) -> Reply:
        if request.query.get("playlistId") != self.uploads:
            return _error(404, "playlistNotFound", "The playlist identified with the request's playlistId parameter "
                          "cannot be found.", "youtube.playlistItem")
        threads = sorted(self.account.threads, key=lambda t: t.post.created, reverse=True)
        items = [{"kind": "youtube#playlistItem", "etag": _etag(t.post.id), "id": f"PLI{t.post.id}",
                  "snippet": {"publishedAt": _iso(t.post.created), "channelId": self.account.me.id,
                              "title": t.post.text[:60], "description": t.post.text, "channelTitle":
                              self.account.me.name, "playlistId": self.uploads, "position": n,
                              "resourceId": {"kind": "youtube#video", "videoId": t.post.id}},
                  "contentDetails": {"videoId": t.post.id, "videoPublishedAt": _iso(t.post.created)},
                  "status": {"privacyStatus": "public"}} for n, t in enumerate(threads)]
        return self._list("youtube#playlistItemListResponse", items, request, 50)

    def _videos(self, request: Request) -> Reply:
        items = []
        for video_id in request.query.get("id", "").split(","):
            thread = self.account.thread(video_id)
            if thread is None:
                continue
            post = thread.post
            items.append({
                "kind": "youtube#video", "etag": _etag(post.id), "id": post.id,
                "snippet": {"publishedAt": _iso(post.created), "channelId": self.account.me.id,
                            "title": post.text[:60], "description": post.text, "channelTitle": self.account.me.name,
                            "categoryId": "25", "liveBroadcastContent": "none", "defaultAudioLanguage": "no"},
                "contentDetails": {"duration": "PT2M10S", "dimension": "2d", "definition": "hd", "caption": "false"},
                "status": {"uploadStatus": "processed", "privacyStatus": "public", "license": "youtube",
                           "embeddable": True, "publicStatsViewable": True},
                "statistics": {"viewCount": str(40 * post.likes + 7), "likeCount": str(post.likes),
                               "favoriteCount": "0",
                               "commentCount": str(len(thread.comments) + thread.unseen_comments)},
            })
        return Reply(200, {"kind": "youtube#videoListResponse", "etag": _etag("videos"),
                           "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}, "items": items})

    def _comment(self, thread: FakeThread, item: FakeItem) -> dict[str, Any]:
        snippet: dict[str, Any] = {
            "channelId": self.account.me.id, "videoId": thread.post.id, "textDisplay": item.text,
            "textOriginal": item.text, "authorDisplayName": item.author.name,
            "authorProfileImageUrl": f"https://yt3.ggpht.com/{item.author.id}=s48",
            "authorChannelUrl": f"http://www.youtube.com/channel/{item.author.id}",
            "authorChannelId": {"value": item.author.id}, "canRate": True, "viewerRating": "none",
            "likeCount": item.likes, "publishedAt": _iso(item.created), "updatedAt": _iso(item.edited or item.created),
        }
        if item.parent:
            snippet["parentId"] = item.parent
        return {"kind": "youtube#comment", "etag": _etag(item.id, item.text), "id": item.id, "snippet": snippet}

    def _visible(self, thread: FakeThread, parent: str | None) -> list[FakeItem]:
        return sorted((c for c in thread.children(parent) if not c.hidden), key=lambda c: c.created)

    def _threads(self, request: Request) -> Reply:
        video_id = request.query.get("videoId", "")
        thread = self.account.thread(video_id)
        if thread is None:
            return _error(404, "videoNotFound", "The video identified by the videoId parameter could not be found.",
                          location="videoId", locationType="parameter")
        if video_id in self.comments_disabled:
            return _error(403, "commentsDisabled", "The video identified by the videoId parameter has disabled "
                          "comments.", location="videoId", locationType="parameter")
        items = []
        for top in sorted(self._visible(thread, None), key=lambda c: c.created, reverse=True):  # order=time
            replies = self._visible(thread, top.id)
            entry: dict[str, Any] = {
                "kind": "youtube#commentThread", "etag": _etag(top.id), "id": top.id,
                "snippet": {"channelId": self.account.me.id, "videoId": video_id,
                            "topLevelComment": self._comment(thread, top), "canReply": True,
                            "totalReplyCount": len(replies), "isPublic": True}}
            if replies and "replies" in request.query.get("part", ""):
                entry["replies"] = {"comments": [self._comment(thread, r) for r in replies[-EMBEDDED:][::-1]]}
            items.append(entry)
        return self._list("youtube#commentThreadListResponse", items, request, 100)

    def _replies(self, request: Request) -> Reply:
        parent = request.query.get("parentId", "")
        found = self.account.item(parent)
        if found is None:
            return _error(404, "commentNotFound", "The comment identified by the parentId parameter could not be "
                          "found.", "youtube.comment", location="parentId", locationType="parameter")
        thread, _ = found
        items = [self._comment(thread, r) for r in self._visible(thread, parent)]
        return self._list("youtube#commentListResponse", items, request, 100)

    def extra_headers(self, request: Request, reply: Reply) -> Mapping[str, str]:
        return {"vary": "Origin, X-Origin, Referer"}
