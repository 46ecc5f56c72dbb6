"""TrueType faces for the direct PDF engine: metrics read once per process, a fallback chain per weight, which
characters it can draw without shaping, and embeddable subsets.

A subset keeps every glyph at its own id, so a page's content names the font's glyph ids directly (Identity
CIDToGIDMap) and each document embeds exactly the glyphs it draws.
"""

from __future__ import annotations

import io
import struct
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from pathlib import Path

__all__ = ["FACES", "Face", "chain", "drawable", "primary", "subset_program"]

# (regular, bold) per place in the chain: the first face that has a character draws it. DejaVu covers Latin,
# Greek and Cyrillic; Droid Sans Fallback Chinese and Japanese; Nanum Korean; Symbola symbols, among them the
# Control Pictures that stand for control characters (Debian packages fonts-dejavu-core, fonts-droid-fallback,
# fonts-nanum, fonts-symbola: scripts/install.sh).
FACES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",) * 2,
    ("/usr/share/fonts/truetype/nanum/NanumGothic.ttf", "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"),
    ("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",) * 2,
)
# bidirectional classes that need the Unicode bidi algorithm, which this engine does not implement
_BIDI = frozenset({"R", "AL", "AN", "RLE", "RLO", "LRE", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI"})
# scripts whose letters change shape with their neighbours (Indic, South-East Asian, Tibetan, Mongolian,
# conjoining Hangul jamo); their text needs a shaping engine
_SHAPED = ((0x0900, 0x0DFF), (0x0E00, 0x0FFF), (0x1000, 0x109F), (0x1100, 0x11FF), (0x1780, 0x18AF),
           (0x1A00, 0x1AFF), (0x1B00, 0x1C4F), (0xA8E0, 0xA9FF), (0xAA00, 0xAADF), (0xD7B0, 0xD7FF))


@dataclass(eq=False)
class Face:
    """One TrueType font as the layout and the PDF see it; widths in 1/1000 em as written in /W."""

    path: Path
    name: str
    units: int
    gids: dict[str, int]
    widths: dict[str, int]
    gid_widths: dict[int, int]
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]
    program: bytes = field(repr=False)
    codes: dict[str, str] = field(default_factory=dict, repr=False)  # character -> its glyph id as 4 hex digits

    def width(self, text: str) -> int:
        widths = self.widths
        return sum(widths[c] for c in text)


@cache
def _face(path: str) -> Face | None:
    from fontTools.ttLib import TTFont

    file = Path(path)
    if not file.is_file():
        return None
    program = file.read_bytes()
    font = TTFont(io.BytesIO(program), recalcTimestamp=False, lazy=True)
    units = font["head"].unitsPerEm
    scale = 1000 / units
    metrics = font["hmtx"].metrics
    order = font.getGlyphOrder()
    gid_of = {name: gid for gid, name in enumerate(order)}
    gids: dict[str, int] = {}
    for code, name in font.getBestCmap().items():
        if 0xD800 <= code <= 0xDFFF:
            continue
        gids[chr(code)] = gid_of[name]
    gid_widths = {gid: round(metrics[name][0] * scale) for gid, name in enumerate(order)}
    widths = {char: gid_widths[gid] for char, gid in gids.items()}
    head, hhea = font["head"], font["hhea"]
    os2 = font["OS/2"] if "OS/2" in font else None
    name = font["name"].getDebugName(6) or file.stem
    face = Face(path=file, name="".join(c for c in name if c.isalnum() or c in "-_") or "Font", units=units,
                gids=gids, widths=widths, gid_widths=gid_widths, ascent=round(hhea.ascent * scale),
                descent=round(hhea.descent * scale),
                cap_height=round((getattr(os2, "sCapHeight", 0) or hhea.ascent * 0.7) * scale),
                bbox=(round(head.xMin * scale), round(head.yMin * scale), round(head.xMax * scale),
                      round(head.yMax * scale)),
                program=program, codes={char: f"{gid:04X}" for char, gid in gids.items()})
    return face


@cache
def primary(bold: bool) -> Face | None:
    """The first face of the weight's chain that is installed, loaded alone: most threads need no other."""
    return next((face for face in (_face(pair[1 if bold else 0]) for pair in FACES) if face is not None), None)


@cache
def chain(bold: bool) -> tuple[Face, ...]:
    """The faces of one weight, in fallback order; faces whose file is missing are left out. Loading them all
    costs about half a second, so it waits for the first character the primary face does not have."""
    faces = (_face(pair[1 if bold else 0]) for pair in FACES)
    return tuple(face for face in faces if face is not None)


_DRAWABLE: dict[str, bool] = {}


def drawable(char: str) -> bool:
    """Whether the direct engine draws ``char`` faithfully: a face of both weights has it, and it needs neither
    the bidi algorithm nor shaping (right-to-left scripts, combining marks, format characters, Indic and
    other shaped scripts go to WeasyPrint, which has HarfBuzz and fontconfig's whole font set)."""
    known = _DRAWABLE.get(char)
    if known is not None:
        return known
    code = ord(char)
    category = unicodedata.category(char)
    ok = not (unicodedata.bidirectional(char) in _BIDI or category in ("Mn", "Mc", "Me", "Cf", "Cn", "Co", "Cs")
              or any(low <= code <= high for low, high in _SHAPED))
    ok = ok and all(_has(char, bold) for bold in (False, True))
    if len(_DRAWABLE) < 100_000:
        _DRAWABLE[char] = ok
    return ok


def _has(char: str, bold: bool) -> bool:
    first = primary(bold)
    return (first is not None and char in first.gids) or any(char in face.gids for face in chain(bold))


def subset_program(face: Face, used: frozenset[int]) -> bytes:
    """A TrueType program of ``face`` holding the glyphs ``used`` (and the components of composite glyphs)
    at their own ids: ``glyf`` and ``loca`` rebuilt, other glyphs empty with zero advance, hinting, names,
    character map and layout tables left out (a CIDFontType2 with an identity CIDToGIDMap needs none of them).
    Milliseconds where fontTools' subsetter takes half a second for DejaVu Sans."""
    font = face.program
    tables = _table_directory(font)
    head = bytearray(_table(font, tables, b"head"))
    hhea = _table(font, tables, b"hhea")
    maxp = _table(font, tables, b"maxp")
    count = struct.unpack(">H", maxp[4:6])[0]
    long_offsets = struct.unpack(">h", head[50:52])[0] == 1
    raw_loca = _table(font, tables, b"loca")
    loca = (struct.unpack(f">{count + 1}I", raw_loca[:4 * (count + 1)]) if long_offsets
            else tuple(2 * x for x in struct.unpack(f">{count + 1}H", raw_loca[:2 * (count + 1)])))
    glyf = _table(font, tables, b"glyf")
    keep = _with_components(glyf, loca, {0, *used}, count)
    lengths = [0] * count
    glyphs = []
    for gid in sorted(keep):
        data = glyf[loca[gid]:loca[gid + 1]]
        data += b"\0" * (-len(data) % 4)
        glyphs.append(data)
        lengths[gid] = len(data)
    offsets = [0, *accumulate(lengths)]
    metrics_count = struct.unpack(">H", hhea[34:36])[0]
    hmtx = _table(font, tables, b"hmtx")
    kept_hmtx = bytearray(len(hmtx))  # every advance and side bearing zero but the kept glyphs'
    for gid in keep:
        at, size = (4 * gid, 4) if gid < metrics_count else (4 * metrics_count + 2 * (gid - metrics_count), 2)
        kept_hmtx[at:at + size] = hmtx[at:at + size]
    head[8:12] = b"\0\0\0\0"  # checkSumAdjustment, set below
    head[50:52] = struct.pack(">h", 1)
    post = _table(font, tables, b"post")[:32]
    out = {b"head": bytes(head), b"hhea": hhea, b"maxp": maxp, b"hmtx": bytes(kept_hmtx),
           b"loca": struct.pack(f">{count + 1}I", *offsets), b"glyf": b"".join(glyphs),
           b"post": b"\0\3\0\0" + post[4:32].ljust(28, b"\0")}
    if b"OS/2" in tables:
        out[b"OS/2"] = _table(font, tables, b"OS/2")
    return _font_file(out)


def _table_directory(font: bytes) -> dict[bytes, tuple[int, int]]:
    count = struct.unpack(">H", font[4:6])[0]
    directory = {}
    for k in range(count):
        tag, _checksum, offset, length = struct.unpack(">4sIII", font[12 + 16 * k:28 + 16 * k])
        directory[tag] = (offset, length)
    return directory


def _table(font: bytes, tables: dict[bytes, tuple[int, int]], tag: bytes) -> bytes:
    offset, length = tables[tag]
    return font[offset:offset + length]


def _with_components(glyf: bytes, loca: tuple[int, ...], wanted: set[int], count: int) -> set[int]:
    """``wanted`` and every glyph a composite among them is built from."""
    keep: set[int] = set()
    todo = [g for g in wanted if 0 <= g < count]
    while todo:
        gid = todo.pop()
        if gid in keep:
            continue
        keep.add(gid)
        data = glyf[loca[gid]:loca[gid + 1]]
        if len(data) < 10 or struct.unpack(">h", data[:2])[0] >= 0:
            continue
        position = 10
        while position + 4 <= len(data):
            flags, component = struct.unpack(">HH", data[position:position + 4])
            if component < count:
                todo.append(component)
            position += 4 + (4 if flags & 0x0001 else 2)
            position += 2 if flags & 0x0008 else 4 if flags & 0x0040 else 8 if flags & 0x0080 else 0
            if not flags & 0x0020:
                break
    return keep


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _font_file(tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    power = 1 << (len(tags).bit_length() - 1)
    header = struct.pack(">IHHHH", 0x00010000, len(tags), power * 16, power.bit_length() - 1,
                         len(tags) * 16 - power * 16)
    offset = 12 + 16 * len(tags)
    directory, body = [], []
    for tag in tags:
        data = tables[tag]
        directory.append(struct.pack(">4sIII", tag, _checksum(data), offset, len(data)))
        padded = data + b"\0" * (-len(data) % 4)
        body.append(padded)
        offset += len(padded)
    whole = bytearray(header + b"".join(directory) + b"".join(body))
    head_at = 12 + 16 * len(tags) + sum(len(b) for t, b in zip(tags, body, strict=True) if t < b"head")
    whole[head_at + 8:head_at + 12] = struct.pack(">I", (0xB1B0AFBA - _checksum(bytes(whole))) & 0xFFFFFFFF)
    return bytes(whole)
