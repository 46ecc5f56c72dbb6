"""Thread -> PDF/A-2b with one of three engines, then the same deterministic metadata pass (``finalise``).

``direct`` (the default, ``direct.DirectRenderer``): socialarkiv lays the thread out and writes the PDF itself,
a few hundredths of a second a thread; threads it cannot draw faithfully go to WeasyPrint.

``weasyprint`` (``WeasyPrintRenderer``): WeasyPrint's PDF/A-2b from the HTML template (``html.py``).

``wkhtmltopdf`` (``PdfRenderer``): wkhtmltopdf through pdfkit, then Ghostscript, from the same template.

* wkhtmltopdf runs with local file access disabled and no network access is possible (the HTML holds
  only data: URIs; anything else is refused by the fail-closed exit code).
* Debian's wkhtmltopdf ignores header/footer switches, so "n / N" page numbers are drawn by Ghostscript
  with an EndPage procedure while it converts to PDF/A-2b with an sRGB OutputIntent
  (TOOLING_NOTES.md 2.3: absolute ICC path, a definition file not named PDFA_def.ps, policy 1).
* Ghostscript drops DOCINFO and stamps the wall clock; pikepdf then writes title and dates from the
  injected clock into DOCINFO and uncompressed XMP and saves with a content-derived /ID, so the same thread
  and clock give the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from ..clock import format_ts, parse_ts
from ..errors import ConfigError, RenderError
from ..model import Thread
from . import ENGINES
from .html import VOLUME_COMMENTS, render_html, render_volumes
from .view import pdf_title

if TYPE_CHECKING:
    from .direct import DirectRenderer

__all__ = ["ENGINES", "ICC_PROFILE", "PdfRenderer", "RenderError", "ThreadRenderer", "WeasyPrintRenderer",
           "finalise", "pdf_renderer"]


ICC_PROFILE = Path("/usr/share/color/icc/sRGB.icc")
_GS_PDFA_DEF = """%!
% socialarkiv: PDF/A-2b definition (sRGB output intent); written per run, never named PDFA_def.ps
/ICCProfile ({icc}) def
[ /_objdef {{icc_PDFA}} /type /stream /OBJ pdfmark
[ {{icc_PDFA}} << /N 3 >> /PUT pdfmark
[ {{icc_PDFA}} ICCProfile (r) file /PUT pdfmark
[ /_objdef {{OutputIntent_PDFA}} /type /dict /OBJ pdfmark
[ {{OutputIntent_PDFA}} <<
  /Type /OutputIntent
  /S /GTS_PDFA1
  /DestOutputProfile {{icc_PDFA}}
  /OutputConditionIdentifier (sRGB)
  /Info (sRGB IEC61966-2.1)
>> /PUT pdfmark
[ {{Catalog}} << /OutputIntents [ {{OutputIntent_PDFA}} ] >> /PUT pdfmark
"""
_GS_PAGE_NUMBERS = """%!
% socialarkiv: draw "n / N" centred at the foot of every page. The page number comes from EndPage's own
% showpage count, which survives the save/restore the PDF interpreter wraps around each page.
/SA_Total ({total}) def
/SA_Show {{
  dup stringwidth pop ( / ) stringwidth pop add SA_Total stringwidth pop add
  currentpagedevice /PageSize get 0 get exch sub 2 div 22 moveto
  show ( / ) show SA_Total show
}} bind def
<< /EndPage {{
     exch 1 index 2 ne {{
       gsave /DejaVuSans findfont 8 scalefont setfont 0.25 setgray
       1 add 12 string cvs SA_Show
       grestore pop true
     }} {{ pop pop false }} ifelse
   }} bind
>> setpagedevice
"""


class ThreadRenderer(Protocol):
    """What the pipeline and the web app need of an engine."""

    def render_thread(self, thread: Thread, out: BinaryIO, *, rendered_at: str) -> None:
        """Write the thread's PDF/A-2b rendition to ``out``; ``rendered_at`` is every date in the file."""

    def render(self, html: str, out: BinaryIO, *, title: str, created: datetime) -> None:
        """Write a PDF/A-2b of an HTML document (innsyn cover pages, reports) to ``out``."""


@dataclass
class PdfRenderer:
    """Renders thread HTML to PDF/A-2b. Tools are looked up on PATH unless given."""

    wkhtmltopdf: str | None = None
    ghostscript: str | None = None
    timeout: float = 600.0

    def __post_init__(self) -> None:
        self.wkhtmltopdf = self.wkhtmltopdf or shutil.which("wkhtmltopdf")
        self.ghostscript = self.ghostscript or shutil.which("gs")
        missing = [name for name, path in (("wkhtmltopdf", self.wkhtmltopdf), ("gs (Ghostscript)", self.ghostscript))
                   if not path]
        if missing or not ICC_PROFILE.is_file():
            raise ConfigError("PDF rendering needs " + ", ".join(missing or ["icc-profiles-free"]) +
                              ": install the Debian packages wkhtmltopdf ghostscript icc-profiles-free "
                              "(scripts/install.sh does)")

    def render_thread(self, thread: Thread, out: BinaryIO, *, rendered_at: str) -> None:
        self.render(render_html(thread, rendered_at=rendered_at), out, title=pdf_title(thread),
                    created=parse_ts(rendered_at))

    def render(self, html: str, out: BinaryIO, *, title: str, created: datetime) -> None:
        """Write a PDF/A-2b of ``html`` to ``out``; ``created`` becomes every date in the file."""
        import pdfkit
        import pikepdf

        with tempfile.TemporaryDirectory(prefix="socialarkiv-pdf-") as tmp:
            work = Path(tmp)
            runtime = work / "xdg"
            runtime.mkdir(mode=0o700)
            config = pdfkit.configuration(wkhtmltopdf=self.wkhtmltopdf,
                                          environ={**_minimal_env(), "XDG_RUNTIME_DIR": str(runtime)})
            options = {"disable-local-file-access": None, "quiet": "", "encoding": "UTF-8",
                       "page-size": "A4", "margin-top": "14mm", "margin-bottom": "18mm",
                       "margin-left": "12mm", "margin-right": "12mm", "disable-javascript": None,
                       "no-outline": None,
                       # no network: every request goes to a proxy on a port nothing listens on (our HTML holds
                       # no URL to fetch; this holds if it ever did)
                       "proxy": "http://127.0.0.1:1"}
            raw = work / "raw.pdf"
            try:
                pdfkit.from_string(html, str(raw), options=options, configuration=config, verbose=False)
            except OSError as exc:
                raise RenderError(f"wkhtmltopdf failed: {str(exc).strip()[:500]}") from exc
            with pikepdf.open(raw) as pdf:
                pages = len(pdf.pages)
            definition = work / "socialarkiv_pdfa.ps"
            definition.write_text(_GS_PDFA_DEF.format(icc=str(ICC_PROFILE)), encoding="ascii")
            numbers = work / "socialarkiv_pagenumbers.ps"
            numbers.write_text(_GS_PAGE_NUMBERS.format(total=pages), encoding="ascii")
            converted = work / "pdfa.pdf"
            command = [self.ghostscript or "gs", "-q", "-dPDFA=2", "-dBATCH", "-dNOPAUSE", "-dNOOUTERSAVE",
                       "-sColorConversionStrategy=RGB", "-dPDFACompatibilityPolicy=1",
                       f"--permit-file-read={ICC_PROFILE}", "-sDEVICE=pdfwrite",
                       f"-sOutputFile={converted}", str(numbers), str(definition), str(raw)]
            result = subprocess.run(command, capture_output=True, timeout=self.timeout, env=_gs_env(created),
                                    check=False)
            if result.returncode != 0 or not converted.is_file():
                raise RenderError(f"Ghostscript failed (exit {result.returncode}): "
                                  f"{result.stderr.decode('utf-8', 'replace')[:500]}")
            finalise(converted, out, title=title, created=created)


# Page numbers "n / N" at the foot, as the wkhtmltopdf engine draws them with Ghostscript.
_WEASYPRINT_CSS = """@page { @bottom-center { content: %s counter(page) " / " counter(pages);
  font-family: "DejaVu Sans", sans-serif; font-size: 8pt; color: #404040; } }"""


@dataclass
class WeasyPrintRenderer:
    """``weasyprint``: WeasyPrint's native PDF/A-2b (``pdf_variant="pdf/a-2b"``) from the same HTML template.
    Only ``data:`` URIs are fetched; anything else in the HTML fails the rendering (fail closed)."""

    timeout: float = 600.0

    def __post_init__(self) -> None:
        try:
            import weasyprint
            from weasyprint.text.fonts import FontConfiguration
        except (ImportError, OSError) as exc:  # OSError: pango missing
            raise ConfigError(f"the weasyprint engine needs WeasyPrint and pango: {exc}") from exc
        # shared by every rendering of this renderer: fonts, the page CSS and decoded (emoji) images
        self._fonts = FontConfiguration()
        self._css = weasyprint.CSS(string=_WEASYPRINT_CSS % "", font_config=self._fonts)
        self._images: dict[str, object] = {}

    def render_thread(self, thread: Thread, out: BinaryIO, *, rendered_at: str) -> None:
        """A thread of more than ``VOLUME_COMMENTS`` comments is laid out in volumes (bounded memory)."""
        created = parse_ts(rendered_at)
        if len(thread.comments) > VOLUME_COMMENTS:
            self.render_volumes(render_volumes(thread, rendered_at=rendered_at), out, title=pdf_title(thread),
                                created=created)
        else:
            self.render(render_html(thread, rendered_at=rendered_at), out, title=pdf_title(thread), created=created)

    def render(self, html: str, out: BinaryIO, *, title: str, created: datetime) -> None:
        self.render_volumes([html], out, title=title, created=created)

    def render_volumes(self, volumes: list[str], out: BinaryIO, *, title: str, created: datetime) -> None:
        """One PDF/A-2b of several HTML volumes (``render_volumes`` in ``html.py``), laid out one at a time so
        memory stays that of one volume; each volume's pages are numbered "del k / n · x / y"."""
        import pikepdf
        import weasyprint

        if len(self._images) > 1024:  # emoji are few; anything else must not grow a long-lived worker
            self._images.clear()
        with tempfile.TemporaryDirectory(prefix="socialarkiv-pdf-") as tmp, _source_date(created):
            parts = []
            for number, html in enumerate(volumes, start=1):
                css = self._css if len(volumes) == 1 else weasyprint.CSS(
                    string=_WEASYPRINT_CSS % f'"del {number} / {len(volumes)} · "', font_config=self._fonts)
                parts.append(self._layout(html, Path(tmp) / f"volume-{number:04d}.pdf", css))
            raw = parts[0]
            if len(parts) > 1:
                raw = Path(tmp) / "volumes.pdf"
                with pikepdf.open(parts[0]) as whole:
                    others = [pikepdf.open(part) for part in parts[1:]]
                    try:
                        for other in others:
                            whole.pages.extend(other.pages)
                        whole.save(raw)
                    finally:
                        for other in others:
                            other.close()
            finalise(raw, out, title=title, created=created, producer="WeasyPrint, pikepdf")

    def _layout(self, html: str, path: Path, css: object) -> Path:
        import weasyprint
        from weasyprint.urls import FatalURLFetchingError, URLFetcher

        only_data_uris = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True, allow_redirects=False)
        try:
            document = weasyprint.HTML(string=html, url_fetcher=only_data_uris)
            document.write_pdf(path, pdf_variant="pdf/a-2b", stylesheets=[css], font_config=self._fonts,
                               cache=self._images, uncompressed_pdf=False)
        # WeasyPrint raises many kinds, a refused URL even as a BaseException; the caller quarantines
        except (Exception, FatalURLFetchingError) as exc:
            raise RenderError(f"WeasyPrint failed: {type(exc).__name__}: {str(exc)[:300]}") from exc
        return path


_ENVIRONMENT = threading.Lock()


@contextmanager
def _source_date(created: datetime) -> Iterator[None]:
    """fontTools stamps the wall clock into every font subset it writes (head.modified) unless
    SOURCE_DATE_EPOCH is set: set it to the capture clock while WeasyPrint renders, then restore it."""
    with _ENVIRONMENT:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(created.timestamp()))
        try:
            yield
        finally:
            if before is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = before


def pdf_renderer(engine: str) -> PdfRenderer | WeasyPrintRenderer | DirectRenderer:
    """The renderer of the configured engine (``[archive] pdf_engine``)."""
    if engine == "direct":
        from .direct import DirectRenderer

        return DirectRenderer()
    if engine == "wkhtmltopdf":
        return PdfRenderer()
    if engine == "weasyprint":
        return WeasyPrintRenderer()
    raise ConfigError(f"unknown PDF engine {engine!r}; choose one of {', '.join(ENGINES)} ([archive] pdf_engine)")


def finalise(source: Path | Any, out: BinaryIO, *, title: str, created: datetime,
             producer: str = "wkhtmltopdf, Ghostscript, pikepdf", claim_pdfa: bool = False) -> None:
    """Title, dates and ids from the injected clock in DOCINFO and uncompressed XMP, identical images shared,
    a content-derived /ID: the same input and clock give the same bytes. ``source`` is a file an engine wrote,
    or an open pikepdf document; ``claim_pdfa`` writes the PDF/A-2b identification (an engine that wrote none)."""
    import pikepdf

    stamp = format_ts(created)
    pdf_date = created.strftime("D:%Y%m%d%H%M%SZ")
    with (source if isinstance(source, pikepdf.Pdf) else pikepdf.open(source)) as pdf:
        if "/OutputIntents" not in pdf.Root or len(pdf.Root.OutputIntents) == 0:
            raise RenderError("the PDF engine wrote no OutputIntent: the result would not be PDF/A")
        pdf.docinfo = pdf.make_indirect(pikepdf.Dictionary(
            Title=pikepdf.String(title), Creator=pikepdf.String("socialarkiv"),
            Producer=pikepdf.String(f"socialarkiv ({producer})"),
            CreationDate=pikepdf.String(pdf_date), ModDate=pikepdf.String(pdf_date)))
        if claim_pdfa:  # as attributes, so the namespace precedes the values (FIDO's fmt/477 signature)
            pdf.Root.Metadata = pdf.make_stream(_PDFA_XMP)
        document_id = f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'socialarkiv:' + title + stamp)}"
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:title"] = title
            meta["xmp:CreateDate"] = stamp
            meta["xmp:ModifyDate"] = stamp
            meta["xmp:MetadataDate"] = stamp
            meta["xmp:CreatorTool"] = "socialarkiv"
            meta["pdf:Producer"] = f"socialarkiv ({producer})"
            meta["xmpMM:DocumentID"] = document_id
            meta["xmpMM:InstanceID"] = document_id
            if meta.pdfa_status != "2B":
                raise RenderError(f"PDF/A identification is {meta.pdfa_status or 'missing'}, expected 2B")
        _share_identical_images(pdf)
        if "/ID" in pdf.trailer:
            del pdf.trailer["/ID"]  # the engines' are time-based; qpdf derives a new one from the content
        metadata = pdf.Root.Metadata
        metadata.write(metadata.read_bytes())  # uncompressed XMP: PRONOM then identifies fmt/477
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve, min_version="1.7" if claim_pdfa else "")


_PDFA_XMP = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
             b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
             b'<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="2" '
             b'pdfaid:conformance="B"/></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>')


def _share_identical_images(pdf: object) -> None:
    """Point every use of an identical image at one object (each emoji occurrence arrives as its own copy).

    Unreferenced copies are not written on save. This keeps a 500-comment thread with emoji small.
    """
    import pikepdf

    assert isinstance(pdf, pikepdf.Pdf)

    def key(image: pikepdf.Stream) -> str:
        digest = hashlib.sha256(image.read_raw_bytes())
        for name in sorted(k for k in image.keys() if k not in ("/Length", "/SMask")):
            digest.update(f"{name}={image[name]!r}".encode())
        smask = image.get("/SMask")
        if isinstance(smask, pikepdf.Stream):
            digest.update(b"smask" + key(smask).encode())
        return digest.hexdigest()

    first: dict[str, pikepdf.Object] = {}
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(xobjects, pikepdf.Dictionary):
            continue
        for name in list(xobjects.keys()):
            image = xobjects[name]
            if isinstance(image, pikepdf.Stream) and image.get("/Subtype") == pikepdf.Name.Image:
                xobjects[name] = first.setdefault(key(image), image)


def _minimal_env() -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "FONTCONFIG_FILE", "FONTCONFIG_PATH")
    return {k: v for k, v in os.environ.items() if k in keep}


def _gs_env(created: datetime) -> dict[str, str]:
    return {**_minimal_env(), "SOURCE_DATE_EPOCH": str(int(created.timestamp()))}
