"""Page layout for the direct PDF engine: styled text broken into lines, lines stacked into framed blocks, blocks
placed on A4 pages, each page a list of PDF content operators. Knows fonts (``fonts.py``) but no thread.

Measures follow the HTML template's CSS (``templates/thread.html``), px converted at 0.75 pt.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import emoji

from .fonts import Face, chain, primary

__all__ = ["BODY", "BOLD", "PAGE_H", "PAGE_W", "PT_PER_PX", "SMALL", "Box", "Line", "Pages", "Row", "Style", "emoji_in",
           "lines"]

PT_PER_PX = 0.75
PAGE_W, PAGE_H = 595.276, 841.89
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 45.35, 51.02, 39.69
LINE = 1.35
_BADGE_MARGIN, _BADGE_PAD = 4 * PT_PER_PX, 4 * PT_PER_PX  # .badge { margin-left: 4px; padding: 0 4px }
_CJK = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_TOKENS = re.compile(r"\n|[ \t]+|[^\s]+")
# every emoji sequence holds a character from U+00A9 up that is not a Latin letter: text without one has none
_MAYBE_EMOJI = re.compile("[\u00a9\u00ae\u203c-\U0010ffff]|\u20e3")


def emoji_in(text: str) -> list[Any]:
    return emoji.emoji_list(text) if _MAYBE_EMOJI.search(text) else []


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return tuple(round(int(value[k:k + 2], 16) / 255, 4) for k in (0, 2, 4))  # type: ignore[return-value]


@dataclass(frozen=True)
class Style:
    size: float = 12.5
    bold: bool = False
    colour: str = "#111"
    badge: bool = False


BODY = Style()
BOLD = Style(bold=True)
SMALL = Style(size=9.5, colour="#555")


@dataclass
class Run:
    """What one line draws at ``x``: glyphs of one face, size and colour (``face``), an emoji image
    (``image``), or a badge (bordered label, ``style.badge``) holding glyph runs of its own."""

    x: float
    face: Face | None
    style: Style
    text: str
    width: float
    image: str | None = None
    inner: tuple[tuple[Face | None, str, float], ...] = ()


@dataclass
class Line:
    size: float
    runs: list[Run] = field(default_factory=list)
    width: float = 0.0
    hard: bool = False  # opened by a newline in the text: its leading spaces are kept

    @property
    def height(self) -> float:
        return self.size * LINE


Piece = tuple[str, str, float, list[tuple[Face | None, str, float]]]


def _pieces(text: str, style: Style) -> Iterator[Piece]:
    """(kind, text, width, face runs) of each unbreakable piece: "word", "space", "newline", "emoji" or, for a
    badge style, the whole text as one "badge"."""
    bold, scale = style.bold, style.size / 1000
    first = primary(bold)
    assert first is not None, "drawable() passes no text when no face is installed"
    if style.badge:
        runs = _face_runs(text, bold, scale)
        yield "badge", text, sum(r[2] for r in runs) + 2 * _BADGE_PAD + _BADGE_MARGIN, runs
        return
    position = 0
    for found in [*emoji_in(text), None]:
        start = found["match_start"] if found else len(text)
        for token in _TOKENS.findall(text[position:start]):
            if token == "\n":
                yield "newline", token, 0.0, []
            elif token[0] in " \t":
                token = token.replace("\t", " ")
                space = first.width(token) * scale
                yield "space", token, space, [(first, token, space)]
            else:
                for word in _split_cjk(token):
                    runs = _face_runs(word, bold, scale)
                    yield "word", word, sum(r[2] for r in runs), runs
        if found:
            yield "emoji", found["emoji"], style.size * 1.15, []
            position = found["match_end"]


def _split_cjk(word: str) -> list[str]:
    """A word with CJK characters breaks between any two of them, as browsers do."""
    if not _CJK.search(word):
        return [word]
    parts: list[str] = []
    current = ""
    for char in word:
        if _CJK.match(char):
            parts.extend([current, char] if current else [char])
            current = ""
        else:
            current += char
    return [*parts, current] if current else parts


def _face_runs(word: str, bold: bool, scale: float) -> list[tuple[Face | None, str, float]]:
    first = primary(bold)
    assert first is not None
    widths = first.widths
    if all(c in widths for c in word):
        return [(first, word, sum(widths[c] for c in word) * scale)]
    runs: list[tuple[Face | None, str, float]] = []
    for char in word:
        face = next((f for f in chain(bold) if char in f.gids), first)
        width = face.widths.get(char, first.widths.get("\ufffd", 600)) * scale
        if runs and runs[-1][0] is face:
            runs[-1] = (face, runs[-1][1] + char, runs[-1][2] + width)
        else:
            runs.append((face, char, width))
    return runs


def lines(spans: list[tuple[str, Style]], width: float) -> list[Line]:
    """Greedy line breaking of styled text: at spaces, between CJK characters and around emoji; a word wider
    than the line is broken between characters (``word-wrap: break-word``); newlines are kept
    (``white-space: pre-wrap``)."""
    base = max((s.size for _t, s in spans), default=BODY.size)
    result = [Line(base)]
    for text, style in spans:
        for kind, piece, piece_width, runs in _pieces(text, style):
            if kind == "newline":
                result.append(Line(base, hard=True))
            elif kind == "word" and piece_width > width:
                for face, part, _width in runs:
                    for char in part:
                        char_width = face.widths.get(char, 600) * style.size / 1000 if face else 0.0
                        _place(result, base, width, "word", char, char_width, [(face, char, char_width)], style)
            else:
                _place(result, base, width, kind, piece, piece_width, runs, style)
    return result


def _place(lines: list[Line], base: float, width: float, kind: str, text: str, piece_width: float,
           runs: list[tuple[Face | None, str, float]], style: Style) -> None:
    line = lines[-1]
    if kind != "space" and line.runs and line.width + piece_width > width:
        line = Line(base)
        lines.append(line)
    if kind == "space" and not line.runs and len(lines) > 1 and not line.hard:
        return  # a space that would open a wrapped line hangs at the end of the line before
    line.size = max(line.size, style.size)
    if kind in ("emoji", "badge"):
        line.runs.append(Run(line.width, None, style, text, piece_width, image=text if kind == "emoji" else None,
                              inner=tuple(runs)))
        line.width += piece_width
        return
    for face, part, part_width in runs:
        last = line.runs[-1] if line.runs else None
        if last is not None and last.face is face and last.style == style and last.image is None and not style.badge:
            last.text += part  # the glyphs follow on by their advances: one string for the run of a line
            last.width += part_width
        else:
            line.runs.append(Run(line.width, face, style, part, part_width))
        line.width += part_width


# ---- blocks and pages ----------------------------------------------------------------------------------------

@dataclass
class Row:
    """One line of a block, or a rule: indented ``indent`` from the block's content edge, with an optional bar
    on its left (a history version's border)."""

    height: float
    line: Line | None = None
    indent: float = 0.0
    rule: str | None = None  # colour of a dotted rule across the row
    bar: str | None = None


@dataclass(frozen=True)
class Box:
    """How a block is framed: left margin, left border, padding, background, full border, margin below."""

    margin_left: float = 0.0
    border: float = 0.0
    border_colour: str = "#000"
    dashed: bool = False
    pad_x: float = 0.0
    pad_y: float = 0.0
    background: str | None = None
    frame: str | None = None  # colour of a border on all four sides
    bottom_rule: tuple[float, str] | None = None  # (width, colour) of a border below
    margin_bottom: float = 0.0
    keep_together: bool = True


class Pages:
    """Places blocks top to bottom; a block that fits on a page is never split (``page-break-inside:
    avoid``), a longer one continues on the next page with its frame drawn per page."""

    def __init__(self) -> None:
        self.pages: list[list[str]] = []
        self.y = 0.0
        self.fonts: dict[int, tuple[int, Face, set[str]]] = {}  # id(face) -> (its /F number, face, characters)
        self.images: dict[str, int] = {}
        self._new_page()

    def _new_page(self) -> None:
        self.pages.append([])
        self.y = MARGIN_TOP

    @property
    def content_width(self) -> float:
        return PAGE_W - 2 * MARGIN_SIDE

    def block(self, rows: list[Row], box: Box) -> None:
        if not rows:
            return
        height = sum(r.height for r in rows) + 2 * box.pad_y
        bottom = PAGE_H - MARGIN_BOTTOM
        if box.keep_together and self.y + height > bottom and height <= bottom - MARGIN_TOP and \
                self.y > MARGIN_TOP:
            self._new_page()
        start = 0
        while start < len(rows):
            room = bottom - self.y - 2 * box.pad_y
            end, used = start, 0.0
            while end < len(rows) and (used + rows[end].height <= room or end == start):
                used += rows[end].height
                end += 1
            if end == start + 1 and used > room and self.y > MARGIN_TOP:
                self._new_page()
                continue
            self._draw(rows[start:end], box, used)
            start = end
            if start < len(rows):
                self._new_page()
        self.y += box.margin_bottom

    def _draw(self, rows: list[Row], box: Box, used: float) -> None:
        page = self.pages[-1]
        x0 = MARGIN_SIDE + box.margin_left
        height = used + 2 * box.pad_y
        top = self.y
        inner_width = self.content_width - box.margin_left
        if box.background:
            page.append(f"{_fill(box.background)} {_n(x0)} {_n(PAGE_H - top - height)} {_n(inner_width)} "
                        f"{_n(height)} re f")
        if box.border:
            dash = "[4.5 3] 0 d " if box.dashed else ""
            x = x0 + box.border / 2
            page.append(f"q {dash}{_stroke(box.border_colour)} {_n(box.border)} w {_n(x)} {_n(PAGE_H - top)} m "
                        f"{_n(x)} {_n(PAGE_H - top - height)} l S Q")
        if box.frame:
            page.append(f"q {_stroke(box.frame)} 0.75 w {_n(x0 + 0.375)} {_n(PAGE_H - top - height + 0.375)} "
                        f"{_n(inner_width - 0.75)} {_n(height - 0.75)} re S Q")
        y = top + box.pad_y
        left = x0 + box.border + box.pad_x
        for row in rows:
            x = left + row.indent
            if row.bar:
                page.append(f"q {_stroke(row.bar)} 1.5 w {_n(x - 5.25)} {_n(PAGE_H - y)} m {_n(x - 5.25)} "
                            f"{_n(PAGE_H - y - row.height)} l S Q")
            if row.rule:
                middle = PAGE_H - y - row.height / 2
                page.append(f"q [0.75 1.5] 0 d {_stroke(row.rule)} 0.75 w {_n(x)} {_n(middle)} m "
                            f"{_n(x0 + inner_width - box.pad_x)} {_n(middle)} l S Q")
            if row.line is not None:
                self._text(page, row.line, x, y)
            y += row.height
        if box.bottom_rule:
            rule_width, colour = box.bottom_rule
            page.append(f"q {_stroke(colour)} {_n(rule_width)} w {_n(x0)} {_n(PAGE_H - top - height)} m "
                        f"{_n(x0 + inner_width)} {_n(PAGE_H - top - height)} l S Q")
        self.y = top + height

    def _text(self, page: list[str], line: Line, left: float, top: float) -> None:
        baseline = PAGE_H - (top + line.size * 1.02)
        for run in line.runs:
            x = left + run.x
            if run.image is not None:
                number = self.images.setdefault(run.image, len(self.images) + 1)
                size = run.width
                page.append(f"q {_n(size)} 0 0 {_n(size)} {_n(x)} {_n(baseline - 0.2 * run.style.size)} cm "
                            f"/E{number} Do Q")
            elif run.style.badge:  # margin, then a frame around padding and the text
                height = run.style.size * 1.25
                bottom = baseline - 0.28 * run.style.size
                page.append(f"q {_stroke(run.style.colour)} 0.75 w {_n(x + _BADGE_MARGIN)} {_n(bottom)} "
                            f"{_n(run.width - _BADGE_MARGIN)} {_n(height)} re S Q")
                offset = x + _BADGE_MARGIN + _BADGE_PAD
                for face, part, part_width in run.inner:
                    if face is not None and part:
                        self._glyphs(page, face, part, run.style, offset, baseline)
                    offset += part_width
            elif run.face is not None and run.text:
                self._glyphs(page, run.face, run.text, run.style, x, baseline)

    def number(self) -> None:
        """ "n / N" centred at the foot of every page, as the HTML engines draw it."""
        face = primary(False)
        assert face is not None
        style = Style(size=8, colour="#404040")
        for number, page in enumerate(self.pages, start=1):
            label = f"{number} / {len(self.pages)}"
            self._glyphs(page, face, label, style, (PAGE_W - face.width(label) * style.size / 1000) / 2, 22.0)

    def _glyphs(self, page: list[str], face: Face, text: str, style: Style, x: float, baseline: float) -> None:
        entry = self.fonts.get(id(face))
        if entry is None:
            entry = self.fonts[id(face)] = (len(self.fonts) + 1, face, set())
        number, _face, drawn = entry
        drawn.update(text)
        codes = face.codes
        hexes = "".join([codes.get(char, "0000") for char in text])
        page.append(f"BT /F{number} {_n(style.size)} Tf {_fill(style.colour)} {_n(x)} {_n(baseline)} Td "
                    f"<{hexes}> Tj ET")


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@cache
def _fill(colour: str) -> str:
    r, g, b = _rgb(colour)
    return f"{r:g} {g:g} {b:g} rg"


@cache
def _stroke(colour: str) -> str:
    r, g, b = _rgb(colour)
    return f"{r:g} {g:g} {b:g} RG"


