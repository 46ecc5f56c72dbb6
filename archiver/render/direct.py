"""The direct PDF/A-2b engine: lays a thread's rendition (``view.py``) straight onto A4 pages and writes the PDF
with pikepdf, without HTML. It shows what the HTML template shows, in the same order, with the same marks.

Why: WeasyPrint spends about 0.5 s on a 50-comment thread (CSS cascade, layout, drawing and font subsetting
are each a share); this engine takes a few hundredths, so a night of thousands of threads renders in minutes.

What it draws itself: text that needs neither shaping nor the bidi algorithm, in DejaVu Sans with Droid Sans
Fallback and Nanum for Chinese, Japanese and Korean, and emoji as colour images. A thread holding any other
character (Arabic, Hebrew, Indic scripts, combining marks, bidi controls, a character no face has) is rendered
by WeasyPrint instead, as are HTML documents that are not threads (innsyn covers, fixity reports).

Fonts are Type 0 / CIDFontType2 with an identity CIDToGIDMap, each embedded as a subset of the glyphs used
(``fonts.subset_program``), with a ToUnicode map so text can be searched and extracted.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, BinaryIO

from ..clock import parse_ts
from ..model import Thread
from .fonts import Face, drawable, subset_program
from .html import emoji_image
from .layout import BODY, BOLD, PAGE_H, PAGE_W, PT_PER_PX, SMALL, Box, Pages, Row, Style, emoji_in, lines
from .view import EntryView, HeaderView, entries, header_view, pdf_title, screening_view

__all__ = ["DirectRenderer", "direct_drawable"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Rendition:
    """The view values of one rendition (``view.py``), built once for the drawability test and the layout."""

    header: HeaderView
    screening: dict[str, Any] | None
    entries: list[tuple[EntryView, str, int]]

    @classmethod
    def of(cls, thread: Thread, rendered_at: str) -> _Rendition:
        return cls(header_view(thread, rendered_at), screening_view(thread), list(entries(thread)))

    def texts(self) -> Iterator[str]:
        """Every text the rendition shows that does not come from this module."""
        header = self.header
        yield from (header.heading, header.account_name, header.account_id, header.post_id, header.permalink or "",
                    header.platform, *header.gaps)
        if self.screening and self.screening["skjerming"]:
            yield from (str(value) for value in self.screening["skjerming"].values())
        for view, _kind, _depth in self.entries:
            yield from (view.author_name, view.text, view.id, view.reactions_text, *(v.text for v in view.versions))
            for attachment in view.attachments:
                yield from (attachment.type, attachment.title or "", attachment.url or "", attachment.alt_text or "")

    def drawable(self) -> bool:
        for text in self.texts():
            position = 0
            for found in emoji_in(text):
                if _emoji_pixels(found["emoji"]) is None:
                    return False
                if not all(map(drawable, set(text[position:found["match_start"]]))):
                    return False
                position = found["match_end"]
            if not all(map(drawable, set(text[position:]))):
                return False
        return True


def direct_drawable(thread: Thread) -> bool:
    """Whether every character of the thread's rendition is one the direct engine draws faithfully (emoji
    included: each must have its colour image)."""
    return _Rendition.of(thread, "1970-01-01T00:00:00Z").drawable()


# ---- the rendition --------------------------------------------------------------------------------------------

_META = Style(size=10, colour="#333")
_META_BOLD = Style(size=10, bold=True, colour="#333")
_NOTE = Style(size=8.5)
_NOTE_BOLD = Style(size=8.5, bold=True)
_HISTORY = Style(size=9, colour="#333")
_FOOT = Style(size=7.5, colour="#555")
_BADGES = {"org": Style(size=7.5, bold=True, colour="#174", badge=True),
           "hidden": Style(size=7.5, bold=True, colour="#8a5a00", badge=True),
           "deleted": Style(size=7.5, bold=True, colour="#a11", badge=True)}


def _rows(spans: list[tuple[str, Style]], width: float, *, indent: float = 0.0, bar: str | None = None) -> list[Row]:
    return [Row(line.height, line, indent, bar=bar) for line in lines(spans, width)]


def _layout(rendition: _Rendition) -> Pages:
    pages = Pages()
    width = pages.content_width
    header = rendition.header
    pages.block(_header_rows(header, width), Box(pad_y=2.25, bottom_rule=(1.5, "#234"), margin_bottom=7.5,
                                                   keep_together=False))
    screening = rendition.screening
    box = Box(frame="#c80", pad_x=6, pad_y=3, margin_bottom=7.5, keep_together=False)
    if screening and screening["skjerming"]:
        pages.block(_rows(_screening_spans(screening), width - 12.75), box)
    if header.gaps:
        spans = [("Merknader om fullstendighet (completeness):", _NOTE_BOLD),
                 *(("\n• " + gap, _NOTE) for gap in header.gaps)]
        pages.block(_rows(spans, width - 12.75), box)
    for view, kind, depth in rendition.entries:
        frame = _entry_box(view, kind, depth)
        inner = width - frame.margin_left - frame.border - 2 * frame.pad_x
        pages.block(_entry_rows(view, depth, inner), frame)
    pages.y += 10.5
    note = f"Gjengitt av {header.software} {header.rendered_at} UTC. Sidetall nederst: side n / N."
    pages.block([Row(3.0, rule="#ccc"), *_rows([(note, _FOOT)], width)], Box(keep_together=False))
    pages.number()
    return pages


def _header_rows(header: HeaderView, width: float) -> list[Row]:
    reported = f" / {header.reported} oppgitt av plattformen" if header.reported is not None else ""
    meta = [("Plattform:", _META_BOLD), (f" {header.platform}   ", _META), ("Konto:", _META_BOLD),
            (f" {header.account_name} ({header.account_id})   ", _META), ("Innlegg-ID:", _META_BOLD),
            (f" {header.post_id}", _META), ("\nLenke:", _META_BOLD), (f" {header.permalink or 'ikke oppgitt'}", _META),
            ("\nFanget (capture):", _META_BOLD), (f" {header.captured_from} – {header.captured_to} UTC   ", _META),
            ("Kommentarer:", _META_BOLD), (f" {header.captured} fanget{reported}", _META)]
    heading = Style(size=17, bold=True)
    return [*_rows([(header.heading, heading)], width), Row(3.0), *_rows(meta, width)]


def _screening_spans(screening: dict[str, Any]) -> list[tuple[str, Style]]:
    skjerming = screening["skjerming"]
    lead = ("Offentlig versjon: personopplysninger er erstattet med merker som navngir kategorien."
            if screening["public"] else "Skjermet versjon (ikke offentlig).")
    text = (f" Foreslått skjerming: tilgangsrestriksjon {skjerming['code']}, {skjerming['hjemmel']}. "
            f"Kategorier: {skjerming['categories']}. Innlegg/kommentarer berørt: {skjerming['entries']}.")
    if not screening["public"]:
        decided = f", {screening['decided']} vurdert av arkivar" if screening["decided"] else ""
        text += f" Funn: {screening['findings']}{decided}."
    return [(lead, _NOTE_BOLD), (text, _NOTE)]


def _entry_box(view: EntryView, kind: str, depth: int) -> Box:
    """The template's CSS, rule by rule in its order: post, organisation, hidden, deleted, missing."""
    margin = min(depth, 8) * 16 * PT_PER_PX
    border, colour, background, dashed = 2.25, "#9ab", None, False
    pad_y, after = 2.25, 5.25
    if kind == "post":
        border, colour, background, pad_y, after = 3.0, "#234", "#f3f6f8", 4.5, 9.0
    if view.author.is_organisation:
        colour = "#2a6"
    if view.visibility == "hidden":
        colour, background = "#c80", "#fff8e8"
    if view.visibility == "deleted":
        colour, background = "#b22", "#fdeeee"
    if view.missing_since:
        colour, dashed = "#b22", True
    return Box(margin_left=margin, border=border, border_colour=colour, dashed=dashed, pad_x=6.0, pad_y=pad_y,
                background=background, margin_bottom=after)


def _entry_rows(view: EntryView, depth: int, width: float) -> list[Row]:
    who: list[tuple[str, Style]] = [(view.author_name, BOLD)]
    if view.author.is_organisation:
        who.append(("ORGANISASJONEN", _BADGES["org"]))
    if view.visibility == "hidden":
        who.append(("SKJULT (hidden)", _BADGES["hidden"]))
    if view.visibility == "deleted":
        who.append(("SLETTET VED KILDEN (deleted at source)", _BADGES["deleted"]))
    if view.missing_since:
        who.append((f"BORTE FRA KILDEN siden {view.missing_since} · sist sett {view.last_seen or 'ukjent'}",
                    _BADGES["deleted"]))
    who.append((f" {view.created}" + (f" · endret {view.edited}" if view.edited else ""), SMALL))
    if depth > 8:
        who.append((f" svar på nivå {depth}", _FOOT))
    rows = [*_rows(who, width), *_rows([(view.text, BODY)], width)]
    for att in view.attachments:
        alt = f" — alt: {att.alt_text}" if att.alt_text else ""
        rows += _rows([(f"Vedlegg ({att.type}): {att.title or ''} {att.url or ''}{alt}", Style(9.5, colour="#333"))],
                      width)
    if view.reactions_text:
        rows += _rows([(f"Reaksjoner: {view.reactions_text}", SMALL)], width)
    if view.versions or len(view.changes) > 1:
        rows += [Row(3.0, rule="#aaa"), *_rows([("Historikk (history):", Style(9, bold=True, colour="#333"))], width)]
        for version in view.versions:
            edited = f" (endret {version.edited})" if version.edited else ""
            rows += _rows([(f"Tidligere versjon, {version.source} {version.observed}{edited}:", _HISTORY),
                           ("\n" + version.text, Style(9, colour="#444"))], width - 10.5, indent=10.5, bar="#ccc")
        for change in view.changes:
            rows += _rows([(change, _HISTORY)], width)
    first = f" · først sett {view.first_seen}" if view.first_seen else ""
    return rows + _rows([(f"ID {view.id}{first}", SMALL)], width)


# ---- the PDF ---------------------------------------------------------------------------------------------------

def _assemble(pages: Pages) -> Any:
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    from .pdf import ICC_PROFILE

    pdf = pikepdf.new()
    fonts = Dictionary({f"/F{number}": _font(pdf, face, used) for number, face, used in pages.fonts.values()})
    images = Dictionary({f"/E{number}": _image(pdf, sequence) for sequence, number in pages.images.items()})
    resources = pdf.make_indirect(Dictionary(Font=fonts, XObject=images,
                                             ProcSet=Array([Name.PDF, Name.Text, Name.ImageC])))
    for ops in pages.pages:
        page = Dictionary(Type=Name.Page, MediaBox=Array([0, 0, PAGE_W, PAGE_H]), Resources=resources,
                          Contents=pdf.make_stream("\n".join(ops).encode("ascii")))
        pdf.pages.append(pikepdf.Page(page))
    profile = pdf.make_stream(ICC_PROFILE.read_bytes(), N=3)
    pdf.Root.OutputIntents = Array([Dictionary(
        Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=pikepdf.String("sRGB"),
        Info=pikepdf.String("sRGB IEC61966-2.1"), DestOutputProfile=profile)])
    return pdf


def _font(pdf: Any, face: Face, chars: set[str]) -> Any:
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    used: dict[int, str] = {}
    for char in sorted(chars):
        used.setdefault(face.gids.get(char, 0), char)
    gids = sorted(used)
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(f"{face.name}{gids}".encode()).digest()[:6])
    base = Name(f"/{tag}+{face.name}")
    program = subset_program(face, frozenset(gids))
    file = pikepdf.Stream(pdf, zlib.compress(program, 6), Filter=Name.FlateDecode, Length1=len(program))
    descriptor = Dictionary(Type=Name.FontDescriptor, FontName=base, Flags=4, FontBBox=Array(list(face.bbox)),
                            ItalicAngle=0, Ascent=face.ascent, Descent=face.descent, CapHeight=face.cap_height,
                            StemV=80, FontFile2=file)
    widths: list[Any] = []
    for gid in gids:
        widths += [gid, Array([face.gid_widths.get(gid, 0)])]
    system = Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0)
    cid = Dictionary(Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=base, CIDSystemInfo=system,
                     FontDescriptor=descriptor, W=Array(widths), CIDToGIDMap=Name.Identity)
    return pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type0, BaseFont=base, Encoding=Name("/Identity-H"),
                                        DescendantFonts=Array([pdf.make_indirect(cid)]),
                                        ToUnicode=pdf.make_stream(_to_unicode(used))))


def _to_unicode(used: dict[int, str]) -> bytes:
    pairs = [f"<{gid:04X}> <{used[gid].encode('utf-16-be').hex().upper()}>" for gid in sorted(used)]
    chunks = [pairs[k:k + 100] for k in range(0, len(pairs), 100)]
    body = "".join(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n" for chunk in chunks)
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\n"
            f"endcodespacerange\n{body}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
            ).encode("ascii")


@cache
def _emoji_pixels(sequence: str) -> tuple[int, int, bytes, bytes] | None:
    """The emoji image the HTML engines use, as compressed RGB and alpha planes."""
    image = emoji_image(sequence)
    if image is None:
        return None
    rgb = image.convert("RGB").tobytes()
    alpha = image.getchannel("A").tobytes()
    return image.width, image.height, zlib.compress(rgb, 9), zlib.compress(alpha, 9)


def _image(pdf: Any, sequence: str) -> Any:
    import pikepdf
    from pikepdf import Name

    pixels = _emoji_pixels(sequence)
    assert pixels is not None, "direct_drawable lets only drawable emoji through"
    width, height, rgb, alpha = pixels
    mask = pikepdf.Stream(pdf, alpha, Type=Name.XObject, Subtype=Name.Image, Width=width, Height=height,
                          ColorSpace=Name.DeviceGray, BitsPerComponent=8, Filter=Name.FlateDecode)
    return pikepdf.Stream(pdf, rgb, Type=Name.XObject, Subtype=Name.Image, Width=width, Height=height,
                          ColorSpace=Name.DeviceRGB, BitsPerComponent=8, Filter=Name.FlateDecode,
                          SMask=pdf.make_indirect(mask))


# ---- the engine ------------------------------------------------------------------------------------------------

class DirectRenderer:
    """``direct``: threads laid out and written by socialarkiv itself; what it cannot draw faithfully, and HTML
    documents that are not threads, go to WeasyPrint."""

    def __init__(self) -> None:
        self._weasyprint: Any = None

    def _html_engine(self) -> Any:
        if self._weasyprint is None:
            from .pdf import WeasyPrintRenderer

            self._weasyprint = WeasyPrintRenderer()
        return self._weasyprint

    def render(self, html: str, out: BinaryIO, *, title: str, created: datetime) -> None:
        """An HTML document (a cover page, a report): WeasyPrint."""
        self._html_engine().render(html, out, title=title, created=created)

    def render_thread(self, thread: Thread, out: BinaryIO, *, rendered_at: str) -> None:
        rendition = _Rendition.of(thread, rendered_at)
        if not rendition.drawable():
            self._html_engine().render_thread(thread, out, rendered_at=rendered_at)
            return
        from .pdf import finalise

        try:
            pdf = _assemble(_layout(rendition))
            staged = io.BytesIO()
            finalise(pdf, staged, title=pdf_title(thread), created=parse_ts(rendered_at),
                     producer="direct engine, pikepdf", claim_pdfa=True)
        except Exception as exc:  # a defect of this engine must not cost the record: WeasyPrint draws it
            log.warning("the direct PDF engine failed on thread %s (%s); WeasyPrint renders it",
                        thread.source.post_id, type(exc).__name__)
            self._html_engine().render_thread(thread, out, rendered_at=rendered_at)
            return
        out.write(staged.getvalue())
