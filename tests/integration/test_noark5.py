"""The Noark 5 extraction of the demo municipality: it validates against Arkivverket's official schemas (read from
../shared, independently of the copies it carries), passes the Arkade-style checks as a folder and as a tar, is
reproducible, and ``verify`` names each kind of corruption with its Arkade check."""

from __future__ import annotations

import hashlib
import shutil
import tarfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from archiver.cli import main
from archiver.clock import FixedClock
from archiver.config import Settings
from archiver.fakes.demo import DEMO_PAGE_ID, demo_page
from archiver.fakes.graph import FakeGraphServer, FakePost
from archiver.noark5.check import extraction_problems
from archiver.noark5.export import ExportResult, export_noark5
from archiver.noark5.extract import Period
from archiver.pipeline import head, review, run, services_for
from tests.conftest import make_settings, shared

NIGHT = datetime(2026, 11, 3, 1, 30, tzinfo=UTC)
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
EXPORTED = "2026-12-01T02:00:00Z"
SCREENED_POST = f"{DEMO_PAGE_ID}_950"


def _world() -> tuple[FakeGraphServer, FakePost]:
    page = demo_page()
    post = FakePost(id=SCREENED_POST, created_time="2026-11-02T08:00:00+0000",
                    message="Mistet lommebok med fødselsnummer 158385 10075 på bussen, meld fra",
                    comments=[{"id": "950_1", "created_time": "2026-11-02T09:00:00+0000", "is_hidden": False,
                               "message": "Jeg fant den ved skolen, sønnen min på 7 år har den",
                               "from": {"name": "Kari Innbygger", "id": "91001"}}])
    page.posts.append(post)
    return FakeGraphServer(page), post


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Path]]:
    """Two nights and one review decision of the demo page, then the November extraction."""
    tmp = tmp_path_factory.mktemp("noark5")
    server, post = _world()
    with server:
        settings = make_settings(tmp, server.url, server.page)
        run(services_for(settings, clock=FixedClock(NIGHT)), NIGHT - timedelta(days=40), NIGHT)
        post.comments.append({"id": "950_2", "created_time": "2026-11-03T12:00:00+0000", "is_hidden": False,
                              "message": "Takk for hjelpen!", "from": {"name": "Demo kommune", "id": DEMO_PAGE_ID}})
        later = NIGHT + timedelta(days=1)
        run(services_for(settings, clock=FixedClock(later)), later - timedelta(days=1), later)
        services = services_for(settings, clock=FixedClock(later + timedelta(hours=8)))
        finding = next(f for f in head(services, "facebook", DEMO_PAGE_ID, SCREENED_POST).thread.screening.findings
                       if f.category == "child_related")
        review(services, "demo-facebook", SCREENED_POST, finding.id, "confirmed", "arkivar.kari", None)
    yield settings, tmp


@pytest.fixture(scope="module")
def extraction(archive: tuple[Settings, Path]) -> ExportResult:
    settings, tmp = archive
    return export_noark5(settings, NOVEMBER, tmp / "noark5", shared("noark5"), EXPORTED)


def test_every_file_validates_against_the_official_schemas(extraction: ExportResult) -> None:
    official = shared("noark5")
    pairs = {"arkivstruktur.xml": "arkivstruktur.xsd", "endringslogg.xml": "endringslogg.xsd",
             "loependeJournal.xml": "loependeJournal.xsd", "offentligJournal.xml": "offentligJournal.xsd",
             "arkivuttrekk.xml": "addml.xsd"}
    for xml, xsd in pairs.items():
        schema = etree.XMLSchema(etree.parse(str(official / xsd)))
        assert schema.validate(etree.parse(str(extraction.folder / xml))), (xml, schema.error_log.last_error)
        assert (extraction.folder / xsd).read_bytes() == (official / xsd).read_bytes(), "only official schemas"


def test_the_arkade_style_checks_pass_on_the_folder_and_the_tar(extraction: ExportResult) -> None:
    assert extraction_problems(extraction.folder) == []
    assert extraction_problems(extraction.tar) == []
    with tarfile.open(extraction.tar) as tar:
        names = tar.getnames()
    assert names[0] == extraction.folder.name and f"{extraction.folder.name}/arkivuttrekk.xml" in names


def test_structure_journals_and_screening(extraction: ExportResult) -> None:
    tree = etree.parse(str(extraction.folder / "arkivstruktur.xml"))
    ns = {"n": "http://www.arkivverket.no/standarder/noark5/arkivstruktur"}
    xsi = "{http://www.w3.org/2001/XMLSchema-instance}type"
    assert len(tree.findall("n:arkivdel", ns)) == 1, "one account, one year"
    cases = tree.findall(".//n:mappe", ns)
    assert all(c.get(xsi) == "saksmappe" for c in cases) and len(cases) == 4
    screened = next(c for c in cases if "Mistet lommebok" in c.findtext("n:tittel", namespaces=ns))
    assert "158385" in screened.findtext("n:tittel", namespaces=ns)
    public_title = screened.findtext("n:offentligTittel", namespaces=ns)
    assert "158385" not in public_title and "*****" in public_title
    posts = screened.findall("n:registrering", ns)
    assert [p.findtext("n:journalpostnummer", namespaces=ns) for p in posts] == ["1", "2", "3"], \
        "one journalpost per archived version: first night, the answer, the decision"
    assert {p.findtext("n:journalposttype", namespaces=ns) for p in posts} == {"Inngående dokument"}
    assert posts[0].findtext("n:skjerming/n:tilgangsrestriksjon", namespaces=ns)
    variants = [o.findtext("n:variantformat", namespaces=ns) for o in posts[0].findall(".//n:dokumentobjekt", ns)]
    assert variants == ["Arkivformat", "Dokument hvor deler av innholdet er skjermet"]
    public = (extraction.folder / "offentligJournal.xml").read_text()
    assert "158385" not in public and "Kari Innbygger" not in public and "*****" in public
    assert "<tittel>" not in public
    log = (extraction.folder / "endringslogg.xml").read_text()
    assert "arkivar.kari" in log and "confirmed" in log, "the review decision is in the change log"


def test_export_is_reproducible_and_a_rerun_writes_nothing(archive: tuple[Settings, Path],
                                                           extraction: ExportResult, tmp_path: Path) -> None:
    settings, _tmp = archive
    again = export_noark5(settings, NOVEMBER, extraction.folder.parent, shared("noark5"), EXPORTED)
    assert not again.created
    elsewhere = export_noark5(settings, NOVEMBER, tmp_path / "other", shared("noark5"), EXPORTED)
    assert elsewhere.folder.name == extraction.folder.name
    assert hashlib.sha256(elsewhere.tar.read_bytes()).digest() == hashlib.sha256(extraction.tar.read_bytes()).digest()


def test_cli_exports_and_verifies(archive: tuple[Settings, Path], tmp_path: Path, capsys) -> None:
    settings, _tmp = archive
    config = tmp_path / "c.toml"
    config.write_text(f'[archive]\norganisation = "Demo kommune"\nstore = "{settings.store_path}"\n'
                      f'work = "{tmp_path / "work"}"\n[noark5]\nschemas = "{shared("noark5")}"\n'
                      f'out = "{tmp_path / "out"}"\n[[accounts]]\nkey = "a"\nplatform = "facebook"\n'
                      f'account_id = "1"\nname = "a"\nbase_url = "http://127.0.0.1:9"\napi_version = "v21.0"\n'
                      f'credential = "none"\n')
    assert main(["export", "noark5", "--config", str(config), "--month", "2026-11"]) == 0
    assert main(["verify", str(tmp_path / "out")]) == 0
    assert "2 package(s) or extraction(s) checked, 0 failed" in capsys.readouterr().out
    assert main(["export", "noark5", "--config", str(config), "--month", "2026-13"]) == 3
    assert "--month YYYY-MM" in capsys.readouterr().err
    assert main(["export", "noark5", "--config", str(config), "--month", "2025-01"]) == 3
    assert "no archived versions" in capsys.readouterr().err


def test_export_without_schemas_says_where_to_get_them(archive: tuple[Settings, Path], tmp_path: Path) -> None:
    from archiver.errors import ConfigError

    with pytest.raises(ConfigError, match="arkivverket/schemas"):
        export_noark5(archive[0], NOVEMBER, tmp_path, None, EXPORTED)
    assert not any(tmp_path.iterdir()), "nothing half-written"


def _edit(file: Path, old: str, new: str) -> None:
    text = file.read_text()
    assert old in text, (file, old)
    file.write_text(text.replace(old, new, 1))


def _addml_value(root: Path, name: str, path: str | None, value: str) -> None:
    """Set the value of the ADDML property ``name`` (for a count: the one next to elementPath ``path``)."""
    file = root / "arkivuttrekk.xml"
    tree = etree.parse(str(file))
    a = "{http://www.arkivverket.no/standarder/addml}"
    for prop in tree.iter(a + "property"):
        if prop.get("name") != name:
            continue
        siblings = prop.getparent()
        if path is None or any(s.findtext(a + "value") == path for s in siblings if s.get("name") == "elementPath"):
            prop.find(a + "value").text = value
            tree.write(str(file), xml_declaration=True, encoding="UTF-8")
            return
    raise AssertionError(f"no ADDML property {name} {path}")


def _first_document(root: Path) -> Path:
    return sorted((root / "dokumenter").iterdir())[0]


def _systemid(root: Path, n: int) -> str:
    return [e.text for e in etree.parse(str(root / "arkivstruktur.xml")).iter("{*}systemID")][n]


CORRUPTIONS = {
    "changed byte in a document": (lambda r: _first_document(r).write_bytes(
        _first_document(r).read_bytes()[:-2] + b"X\n"), "N5.30"),
    "missing document": (lambda r: _first_document(r).unlink(), "N5.32"),
    "extra document": (lambda r: (r / "dokumenter" / "extra.pdf").write_bytes(b"%PDF"), "N5.33"),
    "wrong document count": (lambda r: _addml_value(r, "antallDokumentfiler", None, "99"), "N5.28"),
    "wrong element count": (lambda r: _addml_value(r, "value", "//mappe", "99"), "count"),
    "broken reference": (lambda r: _edit(r / "endringslogg.xml", "<referanseArkivenhet>",
                                         "<referanseArkivenhet>0"), "N5.62"),
    "duplicated systemID": (lambda r: _edit(r / "arkivstruktur.xml", _systemid(r, 2), _systemid(r, 1)), "N5.47"),
    "changed XML": (lambda r: _edit(r / "loependeJournal.xml", "<saksansvarlig>", "<saksansvarlig>X "), "N5.02"),
    "empty element": (lambda r: _edit(r / "loependeJournal.xml", "<seleksjon>journaldato</seleksjon>",
                                      "<seleksjon> </seleksjon>"), "N5.63"),
    "journal count": (lambda r: _edit(r / "offentligJournal.xml", "<antallJournalposter>",
                                      "<antallJournalposter>1"), "N5.59"),
    "missing schema": (lambda r: (r / "endringslogg.xsd").unlink(), "N5.01"),
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_verify_names_each_corruption_with_its_check(extraction: ExportResult, tmp_path: Path, name: str) -> None:
    root = tmp_path / extraction.folder.name
    shutil.copytree(extraction.folder, root)
    damage, check = CORRUPTIONS[name]
    damage(root)
    problems = extraction_problems(root)
    assert any(p.message.startswith(check + ":") for p in problems), [str(p) for p in problems]
