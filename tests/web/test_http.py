"""The web app over HTTP (Starlette's test client against the real app, a real archive and SQLite catalog):
every route for every role, sessions, CSRF, throttling, audit events for restricted content, and the tasks
(review, added findings, innsyn, holds, disposition approval, fixity)."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from pathlib import Path

import pikepdf
import pytest
from starlette.testclient import TestClient

from archiver.disposition import propose
from archiver.model import CHANGE_KINDS
from archiver.sensitive.policy import MARKERS
from archiver.web import i18n
from archiver.web.app import PERMISSIONS, create_app
from tests.web.conftest import LATER, PASSWORD, USERS, Site, national_ids_in, site_at

SECRET = b"0" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def app(site: Site) -> object:
    return create_app(site.services, session_secret=SECRET)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def login(app: object, role: str | None) -> TestClient:
    client = TestClient(app, base_url="http://127.0.0.1")  # type: ignore[arg-type]
    if role is None:
        return client
    page = client.get("/login").text
    answer = client.post("/login/submit", data={"csrf": _csrf(page), "name": USERS[role], "password": PASSWORD},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    return client


@pytest.fixture(scope="module")
def clients(app: object) -> dict[str | None, TestClient]:
    return {role: login(app, role) for role in (*USERS, None)}


def _links(page: str, prefix: str) -> list[str]:
    return [html.unescape(x) for x in re.findall(rf'href="({re.escape(prefix)}[^"]*)"', page)]


def _thread_with_findings(client: TestClient) -> str:
    page = client.get("/search?sensitive=yes").text
    links = _links(page, "/thread?")
    assert links, "the demo has threads with personal data"
    return links[0].split("#")[0]


def _audit_events(site: Site) -> list[dict[str, object]]:
    assert site.services.audit is not None
    return site.services.audit.events()


# --------------------------------------------------------------------------------------------- roles

ALLOWED = {   # path -> roles that may open it
    "/search?q=Kirkegata": {"officer", "auditor", "operator", "public"},
    "/review": {"officer"},
    "/innsyn": {"officer"},
    "/retention": {"officer", "auditor", "operator"},
    "/audit": {"auditor"},
    "/operator": {"operator", "auditor"},
}


@pytest.mark.parametrize("role", [*USERS, None])
@pytest.mark.parametrize("path", list(ALLOWED))
def test_every_page_for_every_role(clients: dict[str | None, TestClient], path: str, role: str | None) -> None:
    answer = clients[role].get(path, follow_redirects=False)
    if role is None:
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
    elif role in ALLOWED[path]:
        assert answer.status_code == 200, answer.text[:500]
        assert answer.headers["content-security-policy"].startswith("default-src 'none'")
        assert answer.headers["cache-control"] == "no-store"
    else:
        assert answer.status_code == 403


def test_the_thread_page_and_downloads_by_role(clients: dict[str | None, TestClient], site: Site) -> None:
    thread = _thread_with_findings(clients["officer"])
    query = thread.split("?", 1)[1]
    for role in USERS:
        page = clients[role].get(thread)
        assert page.status_code == 200
        full = "restricted" in PERMISSIONS[role]
        assert ('class="finding' in page.text) is full
        assert bool(national_ids_in(re.sub(r"<[^>]+>", " ", page.text))) is full
        for name in ("thread.pdf", "thread.xml", "package.zip", "public.pdf", "public.xml"):
            answer = clients[role].get(f"/thread/download?file={name}&{query}")
            expected = 200 if full or name.startswith("public") else 403
            assert answer.status_code == expected, (role, name)
            if expected == 200 and name.endswith(".pdf"):
                assert answer.content.startswith(b"%PDF-")
    assert clients[None].get(thread, follow_redirects=False).status_code == 303


def test_post_routes_refuse_other_roles_and_missing_csrf(clients: dict[str | None, TestClient]) -> None:
    routes = {"/review/decide": "officer", "/review/add": "officer", "/innsyn/export": "officer",
              "/retention/hold": "officer", "/retention/approve": "officer", "/audit/verify": "auditor"}
    for path, role in routes.items():
        for other in USERS:
            client = clients[other]
            token = _csrf(client.get("/search").text)
            assert client.post(path, data={"csrf": "forged"}).status_code == 403   # CSRF first, for everyone
            if other != role:
                assert client.post(path, data={"csrf": token}).status_code == 403, (path, other)
        assert clients[None].post(path, data={"csrf": "x"}).status_code == 403


def test_languages_and_every_word_exists(clients: dict[str | None, TestClient]) -> None:
    client = clients["officer"]
    assert "Søk i arkivet" in client.get("/search").text
    assert "Search the archive" in client.get("/search?lang=en").text
    assert "Søg i arkivet" in client.get("/search", headers={"accept-language": "da-DK,da;q=0.9"}).text
    used: set[str] = set()
    for template in Path(i18n.__file__).with_name("templates").glob("*.html"):
        used |= set(re.findall(r"t\('([a-z_]+\.[a-z_.]*[a-z_])'", template.read_text(encoding="utf-8")))
    for source in Path(i18n.__file__).parent.glob("*.py"):
        used |= set(re.findall(r'ctx\.t\("([a-z_]+\.[a-z_.]+)"', source.read_text(encoding="utf-8")))
    dynamic = {f"role.{r}" for r in USERS} | {f"home.role.{r}" for r in USERS} | {
        f"category.{c}" for c in MARKERS} | {f"change.{c}" for c in CHANGE_KINDS} | {
        "audit.result.passed", "audit.result.failed", "entry.post", "entry.comment", "review.confirmed",
        "review.rejected", *(f"retention.state.{s}" for s in ("retained", "due", "held", "permanent"))}
    for key in sorted(used | dynamic):
        assert key in i18n.NB and key in i18n.EN, key


# ------------------------------------------------------------------------------------- login and sessions

def test_login_logout_throttling_and_no_open_redirect(app: object, site: Site) -> None:
    clock = Clock()
    throttled = create_app(site.services, session_secret=SECRET, monotonic=clock)
    client = TestClient(throttled, base_url="http://127.0.0.1")
    token = _csrf(client.get("/login").text)
    for _ in range(5):
        assert client.post("/login/submit", data={"csrf": token, "name": "kari", "password": "wrong"}
                           ).status_code == 401
    # the right password is refused too while the name is throttled; the wait ends it
    assert client.post("/login/submit", data={"csrf": token, "name": "kari", "password": PASSWORD}
                       ).status_code == 429
    clock.now += 901
    answer = client.post("/login/submit", data={"csrf": token, "name": "kari", "password": PASSWORD,
                                                "next": "//evil.example/"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = client.cookies.get("socialarkiv_session")
    assert cookie and client.get("/review").status_code == 200
    # logging out ends the session on the server: the old cookie is worthless
    client.post("/logout", data={"csrf": _csrf(client.get("/search").text)})
    stolen = TestClient(throttled, base_url="http://127.0.0.1", cookies={"socialarkiv_session": cookie})
    assert stolen.get("/review", follow_redirects=False).status_code == 303
    # unknown users cost the same path and give the same answer
    token = _csrf(client.get("/login").text)
    assert client.post("/login/submit", data={"csrf": token, "name": "nobody", "password": "x" * 12}
                       ).status_code == 401


def test_single_sign_on_through_a_trusted_proxy_header(site: Site) -> None:
    import dataclasses

    web = dataclasses.replace(site.settings.web, trusted_header="X-Remote-User", trusted_proxies=("testclient",))
    services = dataclasses.replace(site.services, settings=dataclasses.replace(site.settings, web=web))
    client = TestClient(create_app(services, session_secret=SECRET))
    assert client.get("/review", headers={"X-Remote-User": "kari"}).status_code == 200
    assert client.get("/review", headers={"X-Remote-User": "per"}).status_code == 403
    assert client.get("/review", headers={"X-Remote-User": "mallory"}, follow_redirects=False).status_code == 303
    # from an address that is not the proxy, the header means nothing
    other = TestClient(create_app(site.services, session_secret=SECRET))
    assert other.get("/review", headers={"X-Remote-User": "kari"}, follow_redirects=False).status_code == 303


# --------------------------------------------------------------------------------------------- search

def test_search_highlights_pages_and_hides_restricted_text_from_the_public(clients: dict[str | None, TestClient]
                                                                           ) -> None:
    page = clients["officer"].get("/search?q=Kirkegata").text
    assert "<mark>Kirkegata</mark>" in page and 'rel="bookmark"' in page
    everything = clients["officer"].get("/search?platform=facebook").text
    assert 'rel="next"' in everything   # 330 comments in the snow thread: more than one page
    second = clients["officer"].get("/search?platform=facebook&page=1").text
    assert 'rel="prev"' in second and second != everything
    for role in USERS:
        text = re.sub(r"<[^>]+>", " ", clients[role].get("/search?sensitive=yes").text)
        assert bool(national_ids_in(text)) is (role == "officer"), role
    assert clients["officer"].get("/search?since=nonsense").status_code == 400


def test_restricted_views_are_written_to_the_audit_log(clients: dict[str | None, TestClient], site: Site) -> None:
    before = len(_audit_events(site))
    thread = _thread_with_findings(clients["officer"])
    clients["officer"].get(thread)
    clients["officer"].get("/thread/download?file=thread.pdf&" + thread.split("?", 1)[1])
    clients["public"].get(thread)
    events = _audit_events(site)[before:]
    access = [e for e in events if e["kind"] == "access"]
    assert {e["actor"] for e in access} == {"kari"}
    assert {e["details"]["view"] for e in access if "view" in e["details"]} >= {"thread", "thread.pdf"}  # type: ignore[index,operator]


# ------------------------------------------------------------------------------------------------ tasks

def test_review_confirm_reject_and_add_a_missed_finding(app: object, site: Site,
                                                        clients: dict[str | None, TestClient]) -> None:
    officer = clients["officer"]
    queue = officer.get("/review").text
    findings = re.findall(r'name="finding" value="([0-9a-f]+)"', queue)
    assert len(findings) >= 2
    form = re.search(r'<form method="post" action="/review/decide".*?</form>', queue, re.S)
    assert form
    fields = dict(re.findall(r'name="(platform|account|post)" value="([^"]+)"', form.group(0)))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    finding = re.search(r'name="finding" value="([0-9a-f]+)"', form.group(0)).group(1)  # type: ignore[union-attr]
    answer = officer.post("/review/decide", data={"csrf": _csrf(queue), **fields, "finding": finding,
                                                  "verdict": "rejected", "note": "kundenummer"}, follow_redirects=False)
    assert answer.status_code == 303
    assert finding not in officer.get("/review").text
    versions = site.services.catalog.version_paths(fields["platform"], fields["account"], fields["post"])
    assert len(versions) == 2   # the decision is a new version of the thread
    # mark a word the detector missed; the public rendition follows
    thread = f"/thread?platform={fields['platform']}&account={fields['account']}&post={fields['post']}"
    page = officer.get(thread).text
    entry = html.unescape(re.findall(r'name="entry" value="([^"]+)"', page)[1])
    text = html.unescape(re.search(r'data-entry="' + re.escape(html.escape(entry)) + r'">(.*?)</p>', page, re.S
                                   ).group(1))  # type: ignore[union-attr]
    word = max(re.findall(r"[A-Za-zÆØÅæøå]{5,}", re.sub(r"<[^>]+>", "", text)), key=len)
    answer = officer.post("/review/add", data={"csrf": _csrf(page), **fields, "entry": entry, "text": word,
                                               "category": "person_name"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    public = clients["public"].get(thread).text
    assert "[navn fjernet]" in public and word not in re.sub(r"<[^>]+>", " ", public).split()
    assert len(site.services.catalog.version_paths(fields["platform"], fields["account"], fields["post"])) == 3
    bad = officer.post("/review/add", data={"csrf": _csrf(page), **fields, "entry": entry, "text": "not there xyz",
                                            "category": "person_name"})
    assert bad.status_code == 400 and "kopier den" in bad.text


def test_innsyn_export_is_public_pdf_a_with_a_cover_and_logged(clients: dict[str | None, TestClient],
                                                              site: Site) -> None:
    officer = clients["officer"]
    thread = _thread_with_findings(officer)
    key = re.findall(r"(?:platform|account|post)=([^&]+)", thread)
    from urllib.parse import unquote
    line = "|".join(unquote(k) for k in key)
    form = officer.get("/innsyn?thread=" + line).text
    assert html.escape(line) in form
    answer = officer.post("/innsyn/export", data={"csrf": _csrf(form), "reference": "2026/1234",
                                                  "threads": line})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = archive.namelist()
        assert names[0] == "00-forside.pdf" and "manifest-sha256.txt" in names and len(names) == 3
        for name in names:
            if name.endswith(".pdf"):
                data = archive.read(name)
                with pikepdf.open(io.BytesIO(data)) as pdf:
                    meta = pdf.open_metadata()
                    assert meta.pdfa_status in ("2B", "2U"), name
                assert not national_ids_in(_pdf_text(data)), name
        assert "2026/1234" in _pdf_text(archive.read("00-forside.pdf"))
    events = [e for e in _audit_events(site) if e["kind"] == "innsyn"]
    assert events and events[-1]["actor"] == "kari" and events[-1]["subject"] == "2026/1234"
    refused = officer.post("/innsyn/export", data={"csrf": _csrf(form), "reference": "", "threads": line})
    assert refused.status_code == 400


def _pdf_text(data: bytes) -> str:
    import subprocess
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_holds_and_fixity_dashboard(clients: dict[str | None, TestClient], site: Site) -> None:
    officer, auditor = clients["officer"], clients["auditor"]
    page = officer.get("/retention").text
    assert "dialog-10" in page and "Bevaringsplan punkt 4.2" in page
    answer = officer.post("/retention/hold", data={"csrf": _csrf(page), "action": "hold",
                                                   "account_key": "demo-facebook",
                                                   "post": "104857600123456_700000000000002",
                                                   "reason": "Klagesak 2026/77"}, follow_redirects=False)
    assert answer.status_code == 303
    page = officer.get("/retention").text
    assert "Klagesak 2026/77" in page
    officer.post("/retention/hold", data={"csrf": _csrf(page), "action": "release", "account_key": "demo-facebook",
                                          "post": "104857600123456_700000000000002", "reason": "Saken er avsluttet"})
    assert "Klagesak 2026/77" not in officer.get("/retention").text
    # fixity: passes, then a changed file is named, as is a lock shorter than the schedule
    dashboard = auditor.get("/audit").text
    assert "Hashkjeden er intakt" in dashboard
    assert auditor.post("/audit/verify", data={"csrf": _csrf(dashboard)}).status_code == 200
    report = json.loads(auditor.get("/audit/report?format=json").content)
    assert report["result"] == "passed" and report["packages"] >= 23 and report["by"] == "revi"
    pdf = auditor.get("/audit/report?format=pdf")
    with pikepdf.open(io.BytesIO(pdf.content)) as document:
        assert document.open_metadata().pdfa_status in ("2B", "2U")
    victim = next((site.root / "archive" / "packages" / "x").rglob("thread.xml"))
    victim.chmod(0o644)
    victim.write_bytes(victim.read_bytes().replace(b"<", b"<!-- x --><", 1))
    auditor.post("/audit/verify", data={"csrf": _csrf(dashboard)})
    report = json.loads(auditor.get("/audit/report?format=json").content)
    assert report["result"] == "failed"
    assert any("thread.xml has changed" in p for f in report["failing"] for p in f["problems"])
    assert "thread.xml has changed" in auditor.get("/audit").text


def test_disposition_approval_through_the_web(demo_template: Path, tmp_path: Path) -> None:
    later = site_at(demo_template, tmp_path / "later", LATER)
    proposal = propose(later.services)
    assert proposal is not None
    app = create_app(later.services, session_secret=SECRET)
    officer = login(app, "officer")
    page = officer.get("/retention").text
    assert proposal in page and "demo-mastodon" in page
    answer = officer.post("/retention/approve", data={"csrf": _csrf(page), "proposal": proposal,
                                                      "reason": "Utløpt", "decision": "2027/5"}, follow_redirects=False)
    assert answer.status_code == 303
    assert "Godkjent av kari" in officer.get("/retention").text
    auditor = login(app, "auditor")
    assert auditor.post("/retention/approve", data={"csrf": _csrf(page), "proposal": proposal}).status_code == 403
    later.services.catalog.close()


def test_operator_page_shows_the_last_run_per_account(clients: dict[str | None, TestClient]) -> None:
    page = clients["operator"].get("/operator").text
    for platform in ("facebook", "instagram", "x", "youtube", "linkedin", "mastodon", "bluesky"):
        assert f"demo-{platform}" in page
    assert "night-1" in page and "Webhook" in page
