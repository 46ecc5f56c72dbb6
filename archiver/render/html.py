"""Thread -> HTML for the PDF renditions. Pure: user text is always escaped, nothing is fetched.

Emoji are drawn as small PNG images (data: URIs, rendered from Noto Color Emoji with Pillow) because
wkhtmltopdf paints colour-font glyphs as blanks. Characters that would be invisible or reorder the page
(control characters, lone surrogates) are shown as visible symbols; the XML and JSON keep the exact text.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import emoji
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from .. import __version__
from ..model import Attachment, Author, Comment, Post, Thread

__all__ = ["EMOJI_FONT", "VOLUME_COMMENTS", "render_html", "render_volumes", "text_to_html"]

# a thread with more comments is laid out in volumes of this many (bounded memory: laying out 20,000 comments
# at once took WeasyPrint 4 GB); the volumes are one PDF, each numbered "del k / n, side x / y"
VOLUME_COMMENTS = 2000

EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(default=True),
                       keep_trailing_newline=True)


@cache
def _emoji_png(sequence: str) -> str | None:
    """A data: URI of the emoji drawn in colour, or None where the font or Pillow cannot draw it."""
    if not EMOJI_FONT.is_file():
        return None
    from PIL import Image, ImageDraw, ImageFont  # heavy; imported only when a thread holds emoji

    try:
        font = ImageFont.truetype(str(EMOJI_FONT), 109, layout_engine=ImageFont.Layout.RAQM)
    except (OSError, ImportError, KeyError):
        font = ImageFont.truetype(str(EMOJI_FONT), 109)
    canvas = Image.new("RGBA", (160, 136), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((0, 0), sequence, font=font, embedded_color=True)
    box = canvas.getbbox()
    if box is None:
        return None
    canvas = canvas.crop((0, 0, max(box[2], 128), 128)).resize((48, 48), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _visible(text: str) -> str:
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())) if ord(m.group()) < 0x20 else "\u2421", text)


def text_to_html(text: str) -> Markup:
    """Escaped user text with emoji as images. The only way user text enters the page."""
    text = _visible(text)
    parts: list[str] = []
    position = 0
    for found in emoji.emoji_list(text):
        start, end = found["match_start"], found["match_end"]
        parts.append(str(escape(text[position:start])))
        uri = _emoji_png(text[start:end])
        if uri is None:
            parts.append(str(escape(text[start:end])))
        else:
            parts.append(f'<img class="emoji" alt="{escape(text[start:end])}" src="{uri}">')
        position = end
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))


@dataclass(frozen=True)
class _View:
    id: str
    author: Author
    author_name: Markup
    created: str
    edited: str | None
    visibility: str
    text_html: Markup
    attachments: tuple[Attachment, ...]
    reactions_text: str
    first_seen: str | None = None
    last_seen: str | None = None
    missing_since: str | None = None
    versions: tuple[_VersionView, ...] = ()
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _VersionView:
    observed: str
    source: str
    edited: str | None
    text_html: Markup


_SOURCES = {"capture": "fanget", "platform": "plattformens historikk", "webhook": "webhook-hendelse"}
_CHANGES = {"added": "først sett", "edited": "endret", "hidden": "skjult", "unhidden": "vist igjen",
            "deleted_at_source": "slettet ved kilden", "missing": "borte fra kilden", "reappeared": "tilbake"}


def _view(item: Post | Comment) -> _View:
    name = item.author.display_name or ("Ukjent forfatter (ikke oppgitt av plattformen)"
                                        if item.author.id is None else f"Bruker {item.author.id}")
    reactions = ", ".join(f"{k} {v}" for k, v in sorted(item.reactions.items()))
    history = item.history
    extra: dict[str, Any] = {}
    if history is not None:
        extra = {
            "first_seen": _human(history.first_seen_at) if history.first_seen_at else None,
            "last_seen": _human(history.last_seen_at) if history.last_seen_at else None,
            "missing_since": _human(history.missing_since) if history.missing_since else None,
            "versions": tuple(_VersionView(_human(v.observed_at), _SOURCES.get(v.source, v.source),
                                           _human(v.edited_at) if v.edited_at else None, text_to_html(v.text))
                              for v in history.versions),
            "changes": tuple(f"{_human(c.at)}: {_CHANGES.get(c.change, c.change)} ({_SOURCES.get(c.source, c.source)})"
                             for c in history.changes),
        }
    return _View(id=item.id, author=item.author, author_name=text_to_html(name), created=_human(item.created_at),
                 edited=_human(item.edited_at) if item.edited_at else None, visibility=item.visibility,
                 text_html=text_to_html(item.text), attachments=item.attachments, reactions_text=reactions, **extra)


def _human(timestamp: str) -> str:
    return timestamp.replace("T", " ").replace("Z", " UTC")


class Volume(NamedTuple):
    """One volume of a long thread: its number, how many there are, its comments with their depths in
    reply-tree order, and the position of its first comment in the whole thread."""

    number: int
    of: int
    comments: list[tuple[Comment, int]]
    first: int


def render_volumes(thread: Thread, *, rendered_at: str, size: int = VOLUME_COMMENTS) -> list[str]:
    """The thread as one HTML page per volume of ``size`` comments in reply-tree order: every volume has the
    capture header and says which comments it holds; the post opens the first, the rendering note ends the
    last. A thread of ``size`` comments or fewer is one volume, the page ``render_html`` gives."""
    walk = list(thread.walk())
    count = max(1, -(-len(walk) // size))
    return [render_html(thread, rendered_at=rendered_at,
                        volume=Volume(k + 1, count, walk[k * size:(k + 1) * size], k * size + 1))
            for k in range(count)]


def render_html(thread: Thread, *, rendered_at: str, volume: Volume | None = None) -> str:
    """The thread as one HTML page, or one ``volume`` of a long thread (``render_volumes``)."""
    src = thread.source
    completeness = thread.provenance.completeness
    context: dict[str, Any] = {
        "title": pdf_title(thread),
        "heading": text_to_html(f"{src.account_name}: tråd fra {src.platform}"),
        "platform": src.platform, "account_name": text_to_html(src.account_name), "account_id": src.account_id,
        "post_id": src.post_id, "permalink": src.permalink,
        "captured_from": _human(thread.provenance.capture_started_at).replace(" UTC", ""),
        "captured_to": _human(thread.provenance.capture_ended_at).replace(" UTC", ""),
        "captured": completeness.captured_comment_count, "reported": completeness.reported_comment_count,
        "gaps": completeness.gaps,
        "post": _view(thread.post) if volume is None or volume.number == 1 else None,
        "comments": ((_view(c), depth) for c, depth in (thread.walk() if volume is None else volume.comments)),
        "volume": None if volume is None or volume.of == 1 else {
            "number": volume.number, "of": volume.of, "first": volume.first,
            "last": volume.first + len(volume.comments) - 1, "total": len(thread.comments)},
        "closing": volume is None or volume.number == volume.of,
        "software": f"socialarkiv {__version__}", "rendered_at": _human(rendered_at).replace(" UTC", ""),
        "screening": _screening_view(thread),
    }
    return _environment().get_template("thread.html").render(**context)


def _screening_view(thread: Thread) -> dict[str, Any] | None:
    screening = thread.screening
    if screening is None:
        return None
    skjerming = screening.skjerming
    decided = sum(1 for f in screening.findings if f.decision is not None)
    return {
        # the public rendition carries the screening without its findings (their offsets point into the
        # unredacted texts)
        "public": not screening.findings and skjerming is not None,
        "findings": len(screening.findings), "decided": decided,
        "skjerming": None if skjerming is None else {
            "code": skjerming.tilgangsrestriksjon, "hjemmel": skjerming.skjermingshjemmel,
            "categories": ", ".join(skjerming.categories), "entries": len(skjerming.restricted_entries)},
    }


def pdf_title(thread: Thread) -> str:
    src = thread.source
    return _visible(f"{src.account_name} – {src.platform} – innlegg {src.post_id}")
