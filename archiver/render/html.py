"""Thread -> HTML for the PDF renditions. Pure: user text is always escaped, nothing is fetched.

Emoji are drawn as small PNG images (data: URIs, rendered from Noto Color Emoji with Pillow) because
wkhtmltopdf paints colour-font glyphs as blanks. Characters that would be invisible or reorder the page
(control characters, lone surrogates) are shown as visible symbols; the XML and JSON keep the exact text.
"""

from __future__ import annotations

import base64
import io
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import emoji
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from ..model import Comment, Thread
from .view import entry_view, header_view, pdf_title, screening_view, visible

__all__ = ["EMOJI_FONT", "VOLUME_COMMENTS", "emoji_image", "emoji_png", "pdf_title", "render_html", "render_volumes",
           "text_to_html"]

# a thread with more comments is laid out in volumes of this many (bounded memory: laying out 20,000 comments
# at once took WeasyPrint 4 GB); the volumes are one PDF, each numbered "del k / n, side x / y"
VOLUME_COMMENTS = 2000

EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
_TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _environment() -> Environment:
    environment = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(default=True),
                              keep_trailing_newline=True)
    environment.filters["as_html"] = text_to_html
    return environment


@cache
def emoji_image(sequence: str) -> Any:
    """The emoji drawn in colour, 48 x 48 RGBA (a Pillow image), or None where the font or Pillow cannot draw
    it. Both the HTML template's images and the direct engine's come from here."""
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
    return canvas.crop((0, 0, max(box[2], 128), 128)).resize((48, 48), Image.Resampling.LANCZOS)


@cache
def emoji_png(sequence: str) -> str | None:
    """A data: URI of ``emoji_image`` as PNG, or None."""
    image = emoji_image(sequence)
    if image is None:
        return None
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def text_to_html(text: str) -> Markup:
    """Escaped user text with emoji as images. The only way user text enters the page."""
    text = visible(text)
    parts: list[str] = []
    position = 0
    for found in emoji.emoji_list(text):
        start, end = found["match_start"], found["match_end"]
        parts.append(str(escape(text[position:start])))
        uri = emoji_png(text[start:end])
        if uri is None:
            parts.append(str(escape(text[start:end])))
        else:
            parts.append(f'<img class="emoji" alt="{escape(text[start:end])}" src="{uri}">')
        position = end
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))


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
    header = header_view(thread, rendered_at)
    context: dict[str, Any] = {
        **vars(header),
        "post": entry_view(thread.post) if volume is None or volume.number == 1 else None,
        "comments": ((entry_view(c), depth) for c, depth in (thread.walk() if volume is None else volume.comments)),
        "volume": None if volume is None or volume.of == 1 else {
            "number": volume.number, "of": volume.of, "first": volume.first,
            "last": volume.first + len(volume.comments) - 1, "total": len(thread.comments)},
        "closing": volume is None or volume.number == volume.of,
        "screening": screening_view(thread),
    }
    return _environment().get_template("thread.html").render(**context)
