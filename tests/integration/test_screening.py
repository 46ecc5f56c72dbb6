"""Screening in the nightly run: every thread is screened, packages carry the skjerming proposal and a public
rendition with markers, and a records officer's decision makes a new version that changes the renditions."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.clock import FixedClock
from archiver.fakes.demo import DEMO_PAGE_ID
from archiver.fakes.graph import FakeGraphServer, FakePage, FakePost
from archiver.package.build import PACKAGE_JSON
from archiver.package.verify import verify_tree
from archiver.pipeline import head, review, run, services_for
from tests.conftest import make_settings, write_config

POST_ID = f"{DEMO_PAGE_ID}_901"
NIGHT = datetime(2026, 11, 3, 1, 30, tzinfo=UTC)
TEXT = "Fødselsnummeret mitt er 158385 10075, og min sønn på 7 år har astma. Hilsen Ola"


@pytest.fixture
def server() -> FakeGraphServer:
    post = FakePost(id=POST_ID, created_time="2026-11-01T10:00:00+0000", message="Spørsmål om skoleskyss?",
                    comments=[{"id": "901_1", "created_time": "2026-11-01T10:05:00+0000", "message": TEXT,
                               "from": {"name": "Innbygger", "id": "90001"}, "is_hidden": False},
                              {"id": "901_2", "created_time": "2026-11-01T10:07:00+0000", "from":
                               {"name": "Demo kommune", "id": DEMO_PAGE_ID}, "is_hidden": False,
                               "message": "Ring servicetorget på 69 10 80 00 eller skriv til post@example.com."}])
    with FakeGraphServer(FakePage(id=DEMO_PAGE_ID, name="Demo kommune", posts=[post])) as fake:
        yield fake


def _package(tmp: Path, version: int) -> Path:
    return tmp / "archive" / "packages" / "facebook" / DEMO_PAGE_ID / POST_ID / f"v{version:05d}"


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_nightly_screening_public_rendition_and_review(server: FakeGraphServer, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, server.url, server.page)
    run(services_for(settings, clock=FixedClock(NIGHT)), NIGHT - timedelta(days=1), NIGHT)
    first = _package(tmp_path, 1)
    meta = json.loads((first / PACKAGE_JSON).read_text())
    assert meta["access"]["skjerming"] == {"tilgangsrestriksjon": "13", "categories": ["child_related", "health",
                                           "national_id"], "skjermingshjemmel": "Offl. § 13 jf. fvl. § 13 første "
                                                                               "ledd nr. 1"}
    thread = json.loads((first / "representations/normalised/data/thread.json").read_text())
    assert {f["entry_id"] for f in thread["screening"]["findings"]} == {"901_1"}, \
        "the organisation's own switchboard and mailbox in its answer are not findings"
    assert "158385" not in json.dumps(thread["screening"]), "findings hold offsets, never the value"
    public_xml = (first / "representations/public/data/thread.xml").read_text()
    assert "158385" not in public_xml and "[fødselsnummer fjernet]" in public_xml and "[helseopplysning fjernet]" \
        in public_xml
    public_pdf = _pdf_text(first / "representations/public/data/thread.pdf")
    assert "158385" not in public_pdf and "fødselsnummer fjernet" in public_pdf and "Offentlig versjon" in public_pdf
    assert "158385 10075" in _pdf_text(first / "representations/rendition/data/thread.pdf")

    services = services_for(settings, clock=FixedClock(NIGHT + timedelta(hours=8)))
    health = next(f for f in head(services, "facebook", DEMO_PAGE_ID, POST_ID).thread.screening.findings
                  if f.category == "health")
    outcome = review(services, "demo-facebook", POST_ID, health.id, "rejected", "arkivar.kari",
                     "astma i en søknad om skyss er ikke sensitivt her")
    assert outcome.status == "archived" and outcome.version == 2 and outcome.changes == {"reviewed": 1}
    second = _package(tmp_path, 2)
    decided = json.loads((second / "representations/normalised/data/thread.json").read_text())["screening"]
    decision = next(f["decision"] for f in decided["findings"] if f["id"] == health.id)
    assert decision == {"verdict": "rejected", "by": "arkivar.kari", "at": "2026-11-03T09:30:00Z",
                        "note": "astma i en søknad om skyss er ikke sensitivt her"}
    assert "health" not in decided["skjerming"]["categories"]
    assert "astma" in (second / "representations/public/data/thread.xml").read_text(), "the rejection shows"

    # the decision survives the next nightly capture, which changes nothing else
    run(services_for(settings, clock=FixedClock(NIGHT + timedelta(days=1))), NIGHT, NIGHT + timedelta(days=1))
    latest = head(services_for(settings), "facebook", DEMO_PAGE_ID, POST_ID)
    assert latest.version == 2
    assert not any(verify_tree(tmp_path / "archive" / "packages").values())


def test_review_cli_lists_and_refuses_unknown_findings(server: FakeGraphServer, tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path / "c.toml", server.url, tmp_path, server.page.token)
    assert main(["run", "--config", str(config), "--since", "2026-10-01T00:00:00Z",
                 "--until", "2026-11-03T00:00:00Z"]) == 0
    capsys.readouterr()
    assert main(["review", "list", "--config", str(config), "--account", "demo-facebook", "--post", POST_ID]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {f["category"] for f in listed["findings"]} == {"national_id", "child_related", "health"}
    assert any("⟦158385 10075⟧" in f["context"] for f in listed["findings"])
    assert main(["review", "confirm", "--config", str(config), "--account", "demo-facebook", "--post", POST_ID,
                 "--finding", "0000000000000000", "--by", "kari"]) == 3
    assert "has no finding" in capsys.readouterr().err
