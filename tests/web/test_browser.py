"""End to end in a real browser: Debian's headless Chromium driven by Playwright against the web app served
by uvicorn on loopback. A records officer logs in, searches, opens a thread, downloads its PDF, produces an
innsyn export and confirms a finding; a public reader never receives an unredacted national identity number
in any page or download. Screenshots of every page go to ``$SOCIALARKIV_SCREENSHOTS`` (default: the test's
temporary folder)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archiver.web.app import create_app
from tests.tools.ports import free_port
from tests.web.conftest import PASSWORD, USERS, Site, national_ids_in

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed: run "
                                                      "'bash scripts/install.sh --browser'"),
    pytest.mark.slow,
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra of the lock file")


@pytest.fixture(scope="module")
def server(site: Site) -> Iterator[str]:
    import uvicorn

    port = free_port()
    config = uvicorn.Config(create_app(site.services, session_secret=b"1" * 32), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("SOCIALARKIV_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _national_ids(site: Site) -> set[str]:
    """Every national identity number the screening found in the archive's texts."""
    found = set()
    for path in (site.root / "archive" / "packages").rglob("representations/normalised/data/thread.json"):
        thread = json.loads(path.read_text(encoding="utf-8"))
        entries = {e["id"]: e for e in [thread["post"], *thread["comments"]]}
        for finding in (thread.get("screening") or {}).get("findings", []):
            if finding["category"] == "national_id" and finding["field"] == "text":
                found.add(entries[finding["entry_id"]]["text"][finding["start"]:finding["end"]])
    return found


def _login(page: Any, base: str, role: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Brukernavn").fill(USERS[role])
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(f"{base}/")


def _pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_a_records_officer_works_through_the_tasks(server: str, browser: Any, site: Site, shots: Path) -> None:
    context = browser.new_context(accept_downloads=True, locale="nb-NO")
    page = context.new_page()
    _login(page, server, "officer")
    page.screenshot(path=str(shots / "01-home.png"), full_page=True)

    # search, keyboard only: the search field has a label, Enter submits
    page.goto(f"{server}/search")
    page.get_by_label("Ord", exact=True).fill("Kirkegata")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/search\?q=Kirkegata.*"))
    assert page.locator("mark", has_text="Kirkegata").count() > 0
    page.screenshot(path=str(shots / "02-search.png"), full_page=True)

    # open a thread; download the full PDF/A
    page.locator("ol.hits a").first.click()
    page.wait_for_url(re.compile(r".*/thread\?.*"))
    assert page.get_by_role("heading", name="Samtalen").is_visible()
    page.screenshot(path=str(shots / "03-thread.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF/A, full").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-") and "Kirkegata" in _pdf_text(pdf)

    # innsyn from the thread page: the thread is filled in, the export is a zip with a cover
    page.get_by_role("link", name="Innsyn i denne tråden").click()
    page.get_by_label("Saksreferanse").fill("2026/4711")
    page.screenshot(path=str(shots / "04-innsyn.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Lag utleveringen").click()
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
        assert archive.namelist()[0] == "00-forside.pdf"
        assert "2026/4711" in _pdf_text(archive.read("00-forside.pdf"))

    # the review queue: confirm the first finding
    page.goto(f"{server}/review")
    page.screenshot(path=str(shots / "05-review.png"), full_page=True)
    first = page.locator("form.decide").first
    finding = first.locator('input[name="finding"]').get_attribute("value")
    first.get_by_role("button", name="Bekreft").click()
    page.wait_for_url(re.compile(r".*/review.*"))
    assert page.locator(f'input[name="finding"][value="{finding}"]').count() == 0

    # retention, and English
    page.goto(f"{server}/retention")
    page.screenshot(path=str(shots / "06-retention.png"), full_page=True)
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", name="Retention and legal holds").is_visible()
    context.close()


def test_auditor_and_operator_pages(server: str, browser: Any, shots: Path) -> None:
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    _login(page, server, "auditor")
    page.goto(f"{server}/audit")
    page.get_by_role("button", name="Kontroller hele lageret nå").click()
    page.wait_for_url(f"{server}/audit")
    assert page.locator(".result.passed").count() >= 1
    page.screenshot(path=str(shots / "07-audit.png"), full_page=True)
    page.goto(f"{server}/operator")
    page.screenshot(path=str(shots / "08-operator.png"), full_page=True)
    assert page.get_by_role("cell", name="night-1").count() + page.get_by_role("rowheader", name="night-1").count()
    context.close()


def test_a_public_reader_never_receives_a_national_id(server: str, browser: Any, site: Site, shots: Path) -> None:
    secrets = _national_ids(site)
    assert secrets, "the demo archive holds national identity numbers"
    context = browser.new_context(accept_downloads=True, locale="nb-NO")
    page = context.new_page()
    bodies: list[tuple[str, bytes]] = []

    def visit(url: str) -> None:
        response = page.goto(url)
        assert response is not None and response.ok, url
        bodies.append((url, response.body()))

    _login(page, server, "public")
    visit(f"{server}/search?sensitive=yes")
    page.screenshot(path=str(shots / "09-public-search.png"), full_page=True)
    threads = sorted({a.get_attribute("href").split("#")[0] for a in page.locator("ol.hits a").all()})
    visit(f"{server}/search?q=f%C3%B8dselsnummer")
    assert threads
    for number, href in enumerate(threads):
        visit(server + href)
        if number == 0:
            page.screenshot(path=str(shots / "10-public-thread.png"), full_page=True)
        assert page.get_by_role("link", name="PDF/A, full").count() == 0
        for name in ("PDF/A, offentlig", "XML, offentlig"):
            with page.expect_download() as download:
                page.get_by_role("link", name=name).click()
            data = Path(download.value.path()).read_bytes()
            bodies.append((name, _pdf_text(data).encode() if data.startswith(b"%PDF") else data))
        full = page.request.get(server + href.replace("/thread?", "/thread/download?file=thread.pdf&"))
        assert full.status == 403
    assert len(bodies) > len(threads) * 2
    for url, body in bodies:
        text = body.decode("utf-8", "replace")
        for secret in secrets:
            assert secret not in text and secret.replace(" ", "") not in text.replace(" ", ""), url
        assert not national_ids_in(re.sub(r"<[^>]+>", " ", text)), url
    context.close()

