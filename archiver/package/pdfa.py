"""PDF/A-2b property checks without veraPDF (../shared/reference/STANDARDS.md section 4.2).

No PDF/A validator runs offline, so every rendition is checked for the properties that can be checked: the
XMP claims part 2 conformance B and is stored uncompressed, every compressed stream passes its integrity
check, an sRGB OutputIntent (GTS_PDFA1, an ICC profile with three components), every font embedded, no
encryption, no JavaScript or launch actions, no embedded files, no reference to an external resource, a
title and a creation date in the metadata, clean syntax, and PRONOM identification as ``fmt/477`` (FIDO).
The authoritative check stays veraPDF or Arkade at the receiving archive.
"""

from __future__ import annotations

import io
import zlib
from functools import cache
from typing import Any

import pikepdf

from ..errors import Problem

__all__ = ["PRONOM_PDFA_2B", "pdfa_problems", "pronom_id"]

PRONOM_PDFA_2B = "fmt/477"
_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


@cache
def _fido() -> Any:
    from fido.fido import CONFIG_DIR, Fido
    from fido.versions import get_local_versions

    versions = get_local_versions(CONFIG_DIR)
    return Fido(quiet=True, nocontainer=True,
                format_files=[versions.pronom_signature, versions.fido_extension_signature])


def pronom_id(data: bytes) -> str | None:
    """The PRONOM format id FIDO gives these bytes (its bundled signatures; no network), or None."""
    fido = _fido()
    matches = fido.match_formats(data[:fido.bufsize], data[-fido.bufsize:])
    return fido.get_puid(matches[0][0]) if matches else None


def pdfa_problems(data: bytes, where: str) -> list[Problem]:
    """Every PDF/A-2b property this PDF breaks, each naming ``where`` and what is wrong."""
    problems: list[Problem] = []

    def fail(message: str) -> None:
        problems.append(Problem(where, message))

    identified = pronom_id(data)
    if identified != PRONOM_PDFA_2B:
        fail(f"identified as {identified or 'nothing'} by FIDO, not {PRONOM_PDFA_2B} (PDF/A-2b)")
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as exc:
        return [*problems, Problem(where, f"not a readable PDF: {exc}")]
    with pdf:
        try:
            if pdf.is_encrypted:
                fail("encrypted")
            for issue in pdf.check_pdf_syntax():
                fail(f"syntax: {issue}")
            _flate_streams(pdf, fail)
            _metadata(pdf, fail)
            _output_intent(pdf, fail)
            _fonts(pdf, fail)
            _actions_and_files(pdf, fail)
        except (pikepdf.PdfError, ValueError, KeyError, TypeError) as exc:  # a damaged file is a finding
            fail(f"damaged PDF, the checks stopped: {str(exc)[:200]}")
    return problems


def _flate_streams(pdf: pikepdf.Pdf, fail: Any) -> None:
    """Every Flate stream inflates with its Adler-32 check intact: qpdf decodes a stream whose compressed bytes
    were altered into other content without a word when the Huffman codes still parse."""
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        filters = obj.get("/Filter")
        if filters != pikepdf.Name.FlateDecode and not (isinstance(filters, pikepdf.Array) and len(filters) == 1
                                                        and filters[0] == pikepdf.Name.FlateDecode):
            continue
        try:
            zlib.decompress(obj.read_raw_bytes())
        except zlib.error as exc:
            fail(f"object {obj.objgen[0]} {obj.objgen[1]}: its compressed data is damaged ({exc})")


def _metadata(pdf: pikepdf.Pdf, fail: Any) -> None:
    stream = pdf.Root.get("/Metadata")
    if stream is None:
        fail("no XMP metadata stream")
        return
    if stream.get("/Filter") is not None:
        fail("the XMP metadata stream is compressed (format identification needs it uncompressed)")
    meta = pdf.open_metadata()
    if (meta.get("pdfaid:part"), str(meta.get("pdfaid:conformance", "")).upper()) != ("2", "B"):
        fail(f"XMP claims PDF/A part {meta.get('pdfaid:part')} conformance {meta.get('pdfaid:conformance')}, "
             "not 2B")
    if not meta.get("dc:title"):
        fail("no title in the XMP metadata")
    if not meta.get("xmp:CreateDate"):
        fail("no creation date in the XMP metadata")


def _output_intent(pdf: pikepdf.Pdf, fail: Any) -> None:
    intents: Any = pdf.Root.get("/OutputIntents") or []
    good = [i for i in intents if i.get("/S") == pikepdf.Name.GTS_PDFA1 and i.get("/DestOutputProfile") is not None
            and int(i.DestOutputProfile.get("/N", 0)) == 3]
    if not good:
        fail("no GTS_PDFA1 OutputIntent with an RGB ICC profile")


def _fonts(pdf: pikepdf.Pdf, fail: Any) -> None:
    missing: set[str] = set()
    for page in pdf.pages:
        resources: Any = page.obj.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            for each in [font, *(font.get("/DescendantFonts") or [])]:
                descriptor = each.get("/FontDescriptor")
                if each.get("/Subtype") == pikepdf.Name.Type3:
                    continue  # glyphs drawn by the PDF itself
                if descriptor is None:
                    if each.get("/Subtype") != pikepdf.Name.Type0:
                        missing.add(str(each.get("/BaseFont", "?")))
                elif not any(descriptor.get(name) is not None for name in _FONT_FILES):
                    missing.add(str(each.get("/BaseFont", "?")))
    for name in sorted(missing):
        fail(f"font {name} is not embedded")


def _actions_and_files(pdf: pikepdf.Pdf, fail: Any) -> None:
    names: Any = pdf.Root.get("/Names") or {}
    if names.get("/JavaScript") is not None:
        fail("has document JavaScript")
    if names.get("/EmbeddedFiles") is not None:
        fail("has embedded files")
    if pdf.Root.get("/AA") is not None:
        fail("has additional actions (/AA) on the document")
    opening = pdf.Root.get("/OpenAction")
    if isinstance(opening, pikepdf.Dictionary) and opening.get("/S") in (pikepdf.Name.JavaScript,
                                                                          pikepdf.Name.Launch):
        fail("opens with a JavaScript or launch action")
    for number, page in enumerate(pdf.pages, start=1):
        if page.obj.get("/AA") is not None:
            fail(f"page {number} has additional actions (/AA)")
        for annotation in page.obj.get("/Annots") or []:
            action = annotation.get("/A")
            kind = action.get("/S") if isinstance(action, pikepdf.Dictionary) else None
            if kind in (pikepdf.Name.JavaScript, pikepdf.Name.Launch, pikepdf.Name.ImportData):
                fail(f"page {number} has a {kind} action")
            if kind == pikepdf.Name.GoToR or (isinstance(action, pikepdf.Dictionary) and action.get("/F")):
                fail(f"page {number} refers to an external file")
