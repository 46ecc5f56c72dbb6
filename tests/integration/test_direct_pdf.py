"""The direct PDF/A-2b engine against the template it stands in for: the same words, the same order, the same
marks; what it hands to WeasyPrint; long threads as one document. Checked with poppler and pikepdf."""

import io
import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.model import Author, Comment, Thread
from archiver.package.pdfa import pdfa_problems
from archiver.render.direct import direct_drawable
from archiver.render.pdf import pdf_renderer

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples" / "valid"
AT = "2026-11-02T01:30:00Z"
pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


def _example(name: str) -> Thread:
    return Thread.from_dict(json.loads((EXAMPLES / name).read_text(encoding="utf-8")))


def _render(engine: str, thread: Thread) -> bytes:
    out = io.BytesIO()
    pdf_renderer(engine).render_thread(thread, out, rendered_at=AT)
    return out.getvalue()


def _text(data: bytes, tmp_path: Path, *options: str) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True).stdout


def _producer(data: bytes) -> str:
    with pikepdf.open(io.BytesIO(data)) as doc:
        return str(doc.docinfo.Producer)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_the_direct_rendition_shows_what_the_template_shows_in_its_order(name, tmp_path):
    """Character for character, in order, the WeasyPrint rendition of the HTML template: header, marks, badges,
    history, attachments, ids, the rendering note. Where lines and pages break differs, so white space and the
    "n / N" page footers are left out of the comparison."""
    thread = _example(name)
    assert direct_drawable(thread)
    direct, template = _render("direct", thread), _render("weasyprint", thread)
    assert "direct engine" in _producer(direct)

    def shown(data: bytes) -> str:
        text = re.sub(r"^\s*\d+ / \d+\s*$", "", _text(data, tmp_path), flags=re.MULTILINE)
        return "".join(text.split())

    assert shown(direct) == shown(template)
    assert pdfa_problems(direct, name) == []


@pytest.mark.parametrize(("text", "engine", "shown"), [
    pytest.param("Blåbærsyltetøy, rødgrødmedfløde — Ærø, Åsane", "direct", "Blåbærsyltetøy,rødgrødmedfløde—Ærø,Åsane",
                 id="norwegian-danish"),
    pytest.param("道路什么时候开放？ 東京都 서울", "direct", "道路什么时候开放？東京都서울", id="cjk-hangul"),
    pytest.param("Takk 👍😀 🇳🇴 👨‍👩‍👧‍👦 ok", "direct", "Takkok", id="emoji-as-images"),
    pytest.param("bell \x07 and \ud800 lone", "direct", "bell␇and\ufffdlone", id="controls-shown-as-symbols"),
    pytest.param("مرحبا، متى سيتم فتح الطريق؟", "WeasyPrint", "الطريق", id="arabic"),
    pytest.param("שלום, מתי הכביש ייפתח?", "WeasyPrint", None, id="hebrew"),
    pytest.param("नमस्ते", "WeasyPrint", None, id="devanagari-shaped"),
    pytest.param("cafe\u0301 with a combining accent", "WeasyPrint", None, id="combining-mark"),
    pytest.param("text \u202eoverride", "WeasyPrint", None, id="bidi-control"),
    pytest.param("private \ue000 use", "WeasyPrint", None, id="no-face-has-it"),
])
def test_what_the_direct_engine_cannot_draw_faithfully_goes_to_weasyprint(text, engine, shown, tmp_path):
    base = _example("demo-road-works.json")
    thread = replace(base, comments=(replace(base.comments[0], text=text), *base.comments[1:]))
    data = _render("direct", thread)
    assert engine in _producer(data)
    assert pdfa_problems(data, "thread.pdf") == []
    if shown:
        assert shown in "".join(_text(data, tmp_path).split())


def test_a_long_thread_is_one_document_in_reply_order_with_every_comment(tmp_path):
    """More comments than WeasyPrint's volume size: one PDF/A, no volumes, each comment once and in order,
    every page numbered n / N, the same bytes twice."""
    base = _example("demo-road-works.json")
    author = Author(id="u1", display_name="Innbygger Ødegård")
    comments = tuple(Comment(id=f"c{n}", author=author, created_at="2026-10-01T08:00:00Z",
                             text=f"Kommentar nummer {n} om veiarbeidet i Kirkegata, og om bussen kjører.",
                             parent_id=None if n % 5 == 0 else f"c{n - n % 5}") for n in range(3000))
    thread = replace(base, comments=comments)
    data = _render("direct", thread)
    assert data == _render("direct", thread)
    assert pdfa_problems(data, "long.pdf") == []
    text = _text(data, tmp_path)
    numbers = [int(n) for n in re.findall(r"Kommentar nummer (\d+) ", " ".join(text.split()))]
    assert numbers == [int(comment.id[1:]) for comment, _depth in thread.walk()]
    with pikepdf.open(io.BytesIO(data)) as doc:
        pages = len(doc.pages)
    footers = re.findall(r"^\s*(\d+) / (\d+)\s*$", text, flags=re.MULTILINE)
    assert [(int(a), int(b)) for a, b in footers] == [(k, pages) for k in range(1, pages + 1)]
    assert "del 1 /" not in text


def test_the_fonts_are_subsets_with_their_own_glyph_ids_and_a_unicode_map(tmp_path):
    data = _render("direct", _example("demo-road-works.json"))
    listing = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    rows = listing.splitlines()[2:]
    assert rows and all(re.match(r"[A-Z]{6}\+", row) and " CID TrueType " in row for row in rows), listing
    assert all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in rows), listing  # embedded, subset, unicode
    with pikepdf.open(io.BytesIO(data)) as doc:
        for font in doc.pages[0].Resources.Font.values():
            program = font.DescendantFonts[0].FontDescriptor.FontFile2
            assert len(program.read_bytes()) == int(program.Length1)
            assert font.DescendantFonts[0].CIDToGIDMap == pikepdf.Name.Identity


# what the direct engine must draw itself, however it is mixed: controls and lone surrogates (shown as
# symbols), markup, emoji sequences, CJK, newlines and runs of spaces, tokens longer than a line
DRAWN = st.lists(st.one_of(
    # C1 controls and the soft hyphen have no glyph in any face: such a thread goes to WeasyPrint
    st.characters(min_codepoint=0x20, max_codepoint=0x24F, exclude_categories=("Cc", "Cf")),
    st.sampled_from(["\ud800", "\udfff", "\x07", "\x00", "\x1b", "\x7f", "👨‍👩‍👧‍👦", "🇳🇴", "1️⃣", "👍🏽", "道", "서", "ø",
                     "\n", "   ", "<script>alert(1)</script>", "&amp;", "../../etc/passwd", "x" * 300, "€", "→"])),
    max_size=120).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=DRAWN, name=DRAWN)
def test_hostile_text_the_direct_engine_takes_renders_to_a_checked_pdf_a(text, name):
    """A comment and an author's name of hostile text the engine draws itself (nothing here needs shaping):
    it takes the thread, and the PDF/A passes every property check."""
    base = _example("demo-road-works.json")
    first = base.comments[0]
    thread = replace(base, comments=(replace(first, text=text, author=replace(first.author, display_name=name)),
                                     *base.comments[1:]))
    assert direct_drawable(thread)
    data = _render("direct", thread)
    assert "direct engine" in _producer(data)
    assert pdfa_problems(data, "fuzzed.pdf") == []


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_any_text_is_either_drawn_or_handed_over_never_a_crash(text):
    """Arbitrary Unicode: the engine's test says yes or no without failing (WeasyPrint's side is tested above)."""
    base = _example("demo-road-works.json")
    thread = replace(base, comments=(replace(base.comments[0], text=text), *base.comments[1:]))
    if direct_drawable(thread):
        _render("direct", thread)


def test_a_defect_in_the_direct_engine_costs_no_record_weasyprint_draws_it(monkeypatch, caplog):
    import archiver.render.direct as direct

    def broken(rendition):  # type: ignore[no-untyped-def]
        raise IndexError("a layout defect")

    monkeypatch.setattr(direct, "_layout", broken)
    thread = _example("demo-road-works.json")
    with caplog.at_level("WARNING", logger="archiver.render.direct"):
        data = _render("direct", thread)
    assert "WeasyPrint" in _producer(data) and pdfa_problems(data, "fallback.pdf") == []
    assert "IndexError" in caplog.text and thread.comments[0].text[:20] not in caplog.text


def test_a_thread_that_cannot_be_rendered_is_quarantined_and_the_run_goes_on(tmp_path):
    """One thread's rendering fails: it is quarantined with its evidence and a report saying what to do; the
    account's other threads are archived."""
    from datetime import UTC, datetime

    from archiver.errors import RenderError
    from archiver.fakes.demo import synthetic_page
    from archiver.fakes.graph import FakeGraphServer
    from archiver.pipeline import run, services_for
    from tests.conftest import make_settings

    page = synthetic_page(3, 4, seed=11)
    with FakeGraphServer(page) as fake:
        services = services_for(make_settings(tmp_path, fake.url, page))
        render, victim = services.render_pdf, page.posts[1].id

        def failing(thread: Thread, rendered_at: str) -> bytes:
            if thread.source.post_id == victim:
                raise RenderError("Ghostscript failed (exit 1): simulated")
            return render(thread, rendered_at)

        services.render_pdf = failing
        report = run(services, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert report.counts() == {"archived": 2, "quarantined": 1} and not report.account_errors, report.to_dict()
    quarantined = next(o for o in report.outcomes if o.status == "quarantined")
    assert quarantined.post_id == victim
    folder = Path(quarantined.location or "")
    assert "render-failed" in (folder / "report.txt").read_text(encoding="utf-8")
    assert "pdf_engine" in json.loads((folder / "report.json").read_text(encoding="utf-8"))["what_to_do"]
    assert json.loads((folder / "capture.json").read_text(encoding="utf-8"))["exchanges"]
