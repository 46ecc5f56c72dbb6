"""Bluesky thread views -> Thread. Pure.

* Ids are at-URIs; the tree comes from the nesting of ``replies`` (and ``record.reply.parent``).
* ``notFoundPost`` (deleted or taken down) and ``blockedPost`` nodes have no content: they are counted as gaps,
  never invented as comments. Deleted replies simply disappear at the source; successive snapshots show it.
* Replies listed in the threadgate's ``hiddenReplies`` are kept as ``hidden``; hidden replies the AppView did
  not return are a gap.
* ``createdAt`` is the client's claim; ``indexedAt`` is used when it is missing. Records cannot be edited in
  the app; the ``cid`` of every post stays in the evidence so a rewritten record is detectable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..config import AccountConfig
from ..connectors.base import RawCapture
from ..connectors.bluesky import thread_nodes
from ..errors import RecordError
from ..model import Attachment, Author, Comment, Post, Thread
from .common import assemble_thread, dig, integer, mapping, required_timestamp, segment, string, text, timestamp, url

__all__ = ["normalise", "normalise_comment", "normalise_post", "read"]

API = "Bluesky AppView (app.bsky)"


def normalise(raw: RawCapture, account: AccountConfig) -> Thread:
    bodies = [e.body for e in raw.by_purpose("thread") if isinstance(e.body, Mapping)]
    root = next((b["thread"] for b in reversed(bodies) if isinstance(b.get("thread"), Mapping)
                 and isinstance(b["thread"].get("post"), Mapping)), None)
    if root is None:
        raise RecordError(f"capture of {raw.ref.post_id} holds no thread view of the post")
    own = account.own_author_ids
    hidden = set(_hidden_replies(bodies[-1], root))
    post = normalise_post(root["post"], own)
    comments: dict[str, Comment] = {}
    blocked = missing = 0
    counted: dict[str, int] = {}
    for exchange in [*raw.by_purpose("thread"), *raw.by_purpose("subthread")]:
        body = exchange.body if isinstance(exchange.body, Mapping) else {}
        hidden.update(_hidden_replies(body, body.get("thread")))
        for node, parent in thread_nodes(body.get("thread")):
            kind = str(node.get("$type", ""))
            if kind.endswith("#blockedPost") or node.get("blocked") is True:
                blocked += 1
                continue
            if kind.endswith("#notFoundPost") or node.get("notFound") is True:
                missing += 1
                continue
            item = node.get("post")
            if not isinstance(item, Mapping):
                continue
            uri = str(item.get("uri"))
            counted[uri] = integer(item.get("replyCount")) or 0
            if uri == post.id:
                continue
            comment = normalise_comment(item, post.id, parent, own, hidden)
            comments.setdefault(comment.id, comment)
    gaps = []
    if blocked:
        gaps.append(f"{blocked} repl(ies) are blocked relative to the capturing account (blockedPost)")
    if missing:
        gaps.append(f"{missing} post(s) in the thread were deleted or taken down (notFoundPost)")
    absent = hidden - set(comments)
    if absent:
        gaps.append(f"{len(absent)} repl(ies) hidden by the thread's author (threadgate) were not returned")
    return assemble_thread(raw, account, api=API, post=post, comments=list(comments.values()),
                           reported=sum(counted.values()), gaps=gaps, permalink=post.permalink)


def normalise_post(view: Mapping[str, Any], own_ids: Iterable[str] = ()) -> Post:
    return Post(**_fields(view, frozenset(own_ids)))


def normalise_comment(view: Mapping[str, Any], root_id: str | None = None, tree_parent: str | None = None,
                      own_ids: Iterable[str] = (), hidden: Iterable[str] = ()) -> Comment:
    """A reply; its parent is ``record.reply.parent`` (else the node above it), null for the thread's root."""
    fields = _fields(view, frozenset(own_ids))
    parent = text(dig(view, "record", "reply", "parent", "uri")) or tree_parent
    if fields["id"] in set(hidden):
        fields["visibility"] = "hidden"
    return Comment(parent_id=None if parent is None or parent == root_id else parent, **fields)


def read(body: Any) -> list[Post | Comment]:
    """Every post in an XRPC output: thread views (V1 nested, V2 flat), feed pages, ``getRecord``."""
    if not isinstance(body, Mapping):
        return []
    out: list[Post | Comment] = []
    thread = body.get("thread")
    if isinstance(thread, Mapping):
        nodes = [*thread_nodes(thread)]
        parent = thread.get("parent")
        while isinstance(parent, Mapping):
            nodes.append((parent, None))
            parent = parent.get("parent")
        out.extend(normalise_comment(n["post"]) for n, _ in nodes if isinstance(n.get("post"), Mapping))
    elif isinstance(thread, list):  # getPostThreadV2: flat items with depth
        for entry in thread:
            value = entry.get("value") if isinstance(entry, Mapping) else None
            if isinstance(value, Mapping) and isinstance(value.get("post"), Mapping):
                comment = normalise_comment(value["post"])
                if value.get("hiddenByThreadgate") is True:
                    comment = Comment(**{**comment.__dict__, "visibility": "hidden"})
                out.append(comment)
    for item in body.get("feed") or []:
        if isinstance(item, Mapping) and isinstance(item.get("post"), Mapping):
            out.append(normalise_comment(item["post"]))
    if isinstance(body.get("value"), Mapping) and isinstance(body.get("uri"), str):  # com.atproto.repo.getRecord
        did = body["uri"].split("/")[2] if body["uri"].startswith("at://") else None
        out.append(normalise_comment({"uri": body["uri"], "cid": body.get("cid"), "record": body["value"],
                                      "author": {"did": did}}))
    return out


def _hidden_replies(body: Any, thread: Any) -> list[str]:
    gate = body.get("threadgate") if isinstance(body, Mapping) else None
    if not isinstance(gate, Mapping) and isinstance(thread, Mapping):
        gate = dig(thread, "post", "threadgate")
    hidden = dig(gate, "record", "hiddenReplies")
    return [h for h in hidden if isinstance(h, str)] if isinstance(hidden, list) else []


def _fields(view: Mapping[str, Any], own_ids: frozenset[str]) -> dict[str, Any]:
    uri = text(view.get("uri"))
    if not uri:
        raise RecordError("Bluesky post has no uri")
    author = mapping(view.get("author"))
    record = mapping(view.get("record"))
    did = text(author.get("did"))
    handle = text(author.get("handle"))
    created = timestamp(record.get("createdAt"), f"post {uri} createdAt", required=False) or \
        required_timestamp(view.get("indexedAt"), f"post {uri} indexedAt")
    reactions = {k: v for k, v in (("like", integer(view.get("likeCount"))),
                                   ("repost", integer(view.get("repostCount"))),
                                   ("quote", integer(view.get("quoteCount")))) if v is not None}
    rkey = uri.rsplit("/", 1)[-1]
    return {
        "id": uri,
        "author": Author(id=did, display_name=text(author.get("displayName")) or handle,
                         is_organisation=did is not None and did in own_ids),
        "created_at": created,
        "edited_at": None,
        "text": string(record.get("text")),
        "attachments": tuple(_attachments(view.get("embed"))),
        "reactions": reactions,
        "visibility": "visible",
        "permalink": f"https://bsky.app/profile/{segment(profile)}/post/{segment(rkey)}"
        if (profile := handle or did) else None,
    }


def _attachments(embed: Any) -> list[Attachment]:
    if not isinstance(embed, Mapping):
        return []
    kind = str(embed.get("$type", ""))
    if kind.startswith("app.bsky.embed.images"):
        return [Attachment("photo", url(i.get("fullsize")) or url(i.get("thumb")), text(i.get("alt")))
                for i in embed.get("images") or [] if isinstance(i, Mapping)]
    if kind.startswith("app.bsky.embed.video"):
        return [Attachment("video", url(embed.get("playlist")) or url(embed.get("thumbnail")), text(embed.get("alt")))]
    if kind.startswith("app.bsky.embed.external"):
        external = mapping(embed.get("external"))
        return [Attachment("link", url(external.get("uri")), text(external.get("description")),
                           text(external.get("title")))]
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        return [*_attachments(embed.get("media")), *_attachments(embed.get("record"))]
    if kind.startswith("app.bsky.embed.record"):
        quoted = mapping(embed.get("record"))
        uri = text(quoted.get("uri"))
        did = uri.split("/")[2] if uri and uri.startswith("at://") else None
        rkey = uri.rsplit("/", 1)[-1] if uri else ""
        link = f"https://bsky.app/profile/{segment(did)}/post/{segment(rkey)}" if uri and did else None
        return [Attachment("link", link, None, "quoted post" + (" (unavailable)" if quoted.get("blocked")
                                                                or quoted.get("notFound") else ""))]
    return []
