"""The web app's pages: one function per route, each taking the request's ``Context`` (see ``app``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from markupsafe import Markup, escape
from starlette.responses import RedirectResponse, Response

from .. import disposition, fixity
from ..audit import check
from ..catalog import SearchHit
from ..catalog.search import forms as stem_forms
from ..catalog.search import words
from ..clock import parse_ts
from ..model import Comment, Post, Thread
from ..package.build import (
    PACKAGE_JSON,
    PUBLIC_PDF,
    PUBLIC_XML,
    THREAD_JSON,
    THREAD_PDF,
    THREAD_XML,
    safe_component,
)
from ..pipeline import add_finding, review
from ..sensitive.policy import MARKERS, ScreeningRules, public_version
from . import queries
from .app import LANG_COOKIE, SESSION_COOKIE, BadForm, Context, Forbidden, session_expiry
from .documents import zip_files

__all__ = ["ROUTES"]

PAGE = 25
CATEGORIES = tuple(MARKERS)


# ------------------------------------------------------------------------------------------ login and home

def home(ctx: Context) -> Response:
    if ctx.user is None:
        return RedirectResponse("/login", 303)
    return ctx.render("home.html")


def login_form(ctx: Context) -> Response:
    return ctx.render("login.html", next=_safe_next(ctx.param("next")), error=None)


def login(ctx: Context) -> Response:
    name, password = ctx.field("name").strip(), ctx.field("password")
    address = ctx.request.client.host if ctx.request.client else "unknown"
    keys = (f"user:{name.casefold()}", f"address:{address}")
    target = _safe_next(ctx.field("next"))
    if not ctx.app.throttle.allowed(*keys):
        return ctx.render("login.html", 429, next=target, error=ctx.t("login.throttled"))
    user = ctx.app.users.authenticate(name, password) if name and password else None
    if user is None:
        ctx.app.throttle.failed(*keys)
        return ctx.render("login.html", 401, next=target, error=ctx.t("login.failed"))
    ctx.app.throttle.succeeded(keys[0])
    token = ctx.app.users.open_session(user.name, ctx.now(), session_expiry(ctx.app.services))
    ctx.user, ctx.session_token = user, token
    ctx.record("login", user.name, role=user.role)
    ctx.cookies[SESSION_COOKIE] = token
    return RedirectResponse(target or "/", 303)


def logout(ctx: Context) -> Response:
    if ctx.session_token:
        ctx.app.users.close_session(ctx.session_token)
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def language(ctx: Context) -> Response:
    code = ctx.param("lang")
    if code in ("nb", "en", "da"):
        ctx.cookies[LANG_COOKIE] = code
    return RedirectResponse(_safe_next(ctx.param("next")) or "/", 303)


def _safe_next(value: str) -> str:
    """Only a path on this site (no scheme, no host, no backslashes): no open redirect after login."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else ""


# ------------------------------------------------------------------------------------------------- search

def search(ctx: Context) -> Response:
    query = ctx.param("q").strip()
    filters = {name: ctx.param(name) for name in ("platform", "account", "since", "until", "sensitive",
                                                  "classification", "retention")}
    page = max(0, _int(ctx.param("page"), 0))
    searched = bool(query or any(filters.values()))
    hits: list[tuple[SearchHit, Markup]] = []   # each hit with its highlighted snippet
    more = False
    if searched:
        restricted = ctx.may("restricted")
        found = ctx.app.services.catalog.search(
            query or None, platform=filters["platform"] or None, account=filters["account"] or None,
            since=_day(filters["since"]), until=_day(filters["until"], end=True),
            sensitive={"yes": True, "no": False}.get(filters["sensitive"]),
            classification=filters["classification"] or None, retention=filters["retention"] or None,
            now=ctx.now(), show_restricted=restricted, public_only=not restricted,
            limit=PAGE + 1, offset=page * PAGE)
        more = len(found) > PAGE
        forms = _forms(query)
        hits = [(h, _snippet(h.text, forms) if h.text is not None else Markup("")) for h in found[:PAGE]]
        shown = [h for h, _ in hits if h.restricted]
        if shown:
            ctx.record("access", "search", query=query, restricted_entries=[
                f"{h.platform}/{h.account_id}/{h.post_id}/{h.entry_id}" for h in shown])
    accounts = sorted({a.key for a in ctx.app.settings.accounts})
    platforms = sorted({a.platform for a in ctx.app.settings.accounts})
    params = {"q": query, **filters}
    links = {"self": ctx.url("/search", **params, page=page or None),
             "prev": ctx.url("/search", **params, page=(page - 1) or None),
             "next": ctx.url("/search", **params, page=page + 1)}
    return ctx.render("search.html", query=query, filters=filters, hits=hits, page=page, more=more,
                      searched=searched, accounts=accounts, platforms=platforms, links=links,
                      retention_states=("retained", "due", "held", "permanent"))


def _day(value: str, *, end: bool = False) -> str | None:
    """A date (YYYY-MM-DD) as the timestamp that starts it, or starts the next day for an end."""
    if not value:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise BadForm(f"the date {value!r} is not YYYY-MM-DD")
    start = parse_ts(f"{value}T00:00:00Z")
    if end:
        start += timedelta(days=1)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def _forms(query: str) -> set[str]:
    return {form for word in words(query) for form in stem_forms(word)}


def _snippet(text: str, forms: set[str], width: int = 240) -> Markup:
    """The text around the first hit, with every word whose stem matches the query marked."""
    tokens = list(re.finditer(r"\w+", text))
    matched = [m for m in tokens if forms and set(stem_forms(m.group().casefold())) & forms]
    start = max(0, matched[0].start() - width // 3) if matched else 0
    end = min(len(text), start + width)
    out = [Markup("…") if start else Markup("")]
    position = start
    for m in matched:
        if m.start() < start or m.end() > end:
            continue
        out.append(escape(text[position:m.start()]))
        out.append(Markup("<mark>") + escape(m.group()) + Markup("</mark>"))
        position = m.end()
    out.append(escape(text[position:end]))
    if end < len(text):
        out.append(Markup("…"))
    return Markup("").join(out)


# ------------------------------------------------------------------------------------------------- thread

@dataclass
class EntryView:
    id: str
    kind: str
    depth: int
    author: str
    organisation: bool
    created_at: str
    edited_at: str | None
    visibility: str
    missing_since: str | None
    text: Markup
    restricted: bool
    versions: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Loaded:
    thread: Thread
    meta: dict[str, Any]
    relative: str
    version: int
    versions: list[dict[str, Any]]
    row: dict[str, Any] | None


def _load(ctx: Context, platform: str, account_id: str, post_id: str, version: int | None) -> Loaded:
    catalog = ctx.app.services.catalog
    listed = queries.versions(catalog, platform, account_id, post_id)
    if not listed:
        raise BadForm(ctx.t("thread.unknown"))
    chosen = listed[-1] if version is None else next((v for v in listed if v["version"] == version), None)
    if chosen is None:
        raise BadForm(ctx.t("thread.no_version", version=version))
    store = ctx.app.services.store
    thread = Thread.from_dict(json.loads(store.read(f"{chosen['path']}/{THREAD_JSON}")))
    meta = json.loads(store.read(f"{chosen['path']}/{PACKAGE_JSON}"))
    return Loaded(thread, meta, chosen["path"], chosen["version"], listed,
                  queries.thread_row(catalog, platform, account_id, post_id))


def _rules(ctx: Context) -> ScreeningRules:
    config = ctx.app.settings.screening
    return ScreeningRules(config.min_confidence, config.tilgangsrestriksjon, config.skjermingshjemmel)


def _key(ctx: Context, prefix: str = "") -> tuple[str, str, str]:
    getter = ctx.field if prefix == "form" else ctx.param
    platform, account_id, post_id = getter("platform"), getter("account"), getter("post")
    if not (platform and account_id and post_id):
        raise BadForm(ctx.t("thread.missing_key"))
    return platform, account_id, post_id


def thread_page(ctx: Context) -> Response:
    platform, account_id, post_id = _key(ctx)
    version = _int(ctx.param("version"), None)
    loaded = _load(ctx, platform, account_id, post_id, version)
    full = ctx.may("restricted")
    restricted = bool((loaded.meta.get("access") or {}).get("skjerming"))
    shown = loaded.thread if full else public_version(loaded.thread, _rules(ctx))
    entries = _entries(shown, marks=full)
    if full and restricted:
        ctx.record("access", loaded.meta["id"], view="thread", version=loaded.version)
    lock = ctx.app.services.store.lock(loaded.relative)
    return ctx.render("thread.html", loaded=loaded, thread=shown, entries=entries, full=full,
                      restricted=restricted, lock=lock, categories=CATEGORIES,
                      key={"platform": platform, "account": account_id, "post": post_id},
                      screening=loaded.thread.screening if full else None)


def _entries(thread: Thread, *, marks: bool) -> list[EntryView]:
    """The post and the comment tree in reading order (depth first), without recursion (a reply chain may be
    thousands deep)."""
    spans: dict[tuple[str, str], list[Any]] = {}
    decided: dict[str, list[dict[str, Any]]] = {}
    if marks and thread.screening is not None:
        for finding in thread.screening.findings:
            spans.setdefault((finding.entry_id, finding.field), []).append(finding)
            decided.setdefault(finding.entry_id, []).append({
                "id": finding.id, "category": finding.category, "confidence": finding.confidence,
                "field": finding.field, "detector": finding.detector,
                "verdict": finding.decision.verdict if finding.decision else None,
                "by": finding.decision.by if finding.decision else None})
    restricted_ids = set(thread.screening.skjerming.restricted_entries) if (
        thread.screening and thread.screening.skjerming) else set()

    def view(entry: Post | Comment, kind: str, depth: int) -> EntryView:
        history = entry.history
        versions = [{"text": _marked(v.text, spans.get((entry.id, f"version:{n}"), [])), "edited_at": v.edited_at,
                     "observed_at": v.observed_at, "source": v.source}
                    for n, v in enumerate(history.versions)] if history else []
        return EntryView(
            entry.id, kind, depth, entry.author.display_name or entry.author.id or "?", entry.author.is_organisation,
            entry.created_at, entry.edited_at, entry.visibility, history.missing_since if history else None,
            _marked(entry.text, spans.get((entry.id, "text"), [])), entry.id in restricted_ids,
            versions, [{"at": c.at, "change": c.change, "source": c.source} for c in history.changes] if history
            else [], [{"type": a.type, "url": a.url, "alt": a.alt_text, "title": a.title} for a in entry.attachments],
            decided.get(entry.id, []))

    children: dict[str | None, list[Comment]] = {}
    ids = {c.id for c in thread.comments}
    for comment in thread.comments:
        parent = comment.parent_id if comment.parent_id in ids else None
        children.setdefault(parent, []).append(comment)
    out = [view(thread.post, "post", 0)]
    stack: list[tuple[Comment, int]] = [(c, 1) for c in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        comment, depth = stack.pop()
        if comment.id in seen:   # a parent cycle in hostile data: show each comment once
            continue
        seen.add(comment.id)
        out.append(view(comment, "comment", depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(comment.id, [])))
    return out


def _marked(text: str, findings: Sequence[Any]) -> Markup:
    """The text with each finding's span in a <mark> naming its category (overlaps merged)."""
    spans: list[list[Any]] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if spans and f.start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], f.end)
        else:
            spans.append([f.start, f.end, f.category, f.decision.verdict if f.decision else "undecided"])
    out, position = [], 0
    for start, end, category, verdict in spans:
        out.append(escape(text[position:start]))
        out.append(Markup('<mark class="finding {}" title="{}">').format(verdict, category) + escape(text[start:end])
                   + Markup("</mark>"))
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)


DOWNLOADS: dict[str, tuple[str, str, bool]] = {   # name -> (package file, media type, restricted)
    "thread.pdf": (THREAD_PDF, "application/pdf", True),
    "public.pdf": (PUBLIC_PDF, "application/pdf", False),
    "thread.xml": (THREAD_XML, "application/xml", True),
    "public.xml": (PUBLIC_XML, "application/xml", False),
}


def download(ctx: Context) -> Response:
    platform, account_id, post_id = _key(ctx)
    name = ctx.param("file")
    version = _int(ctx.param("version"), None)
    loaded = _load(ctx, platform, account_id, post_id, version)
    restricted_thread = bool((loaded.meta.get("access") or {}).get("skjerming"))
    store = ctx.app.services.store
    filename = f"{platform}-{safe_component(post_id)}-v{loaded.version}-{name}"
    if name == "package.zip":
        if not ctx.may("restricted"):
            raise Forbidden
        data = zip_files({path: store.read(f"{loaded.relative}/{path}") for path in store.files(loaded.relative)})
        ctx.record("access", loaded.meta["id"], view="package", version=loaded.version)
        return _attachment(data, "application/zip", filename)
    if name not in DOWNLOADS:
        raise BadForm(ctx.t("download.unknown"))
    path, media, restricted_file = DOWNLOADS[name]
    if not restricted_thread and not restricted_file:
        path = THREAD_PDF if name == "public.pdf" else THREAD_XML   # an open thread: the full rendition is public
    elif restricted_thread and restricted_file:
        if not ctx.may("restricted"):
            raise Forbidden
        ctx.record("access", loaded.meta["id"], view=name, version=loaded.version)
    return _attachment(store.read(f"{loaded.relative}/{path}"), media, filename)


def _attachment(data: bytes, media: str, filename: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ------------------------------------------------------------------------------------------ screening review

def review_queue(ctx: Context) -> Response:
    page = max(0, _int(ctx.param("page"), 0))
    rows, total = queries.review_queue(ctx.app.services.catalog, limit=10, offset=page * 10)
    items: list[dict[str, Any]] = []
    for row in rows:
        loaded = _load(ctx, row["platform"], row["account_id"], row["post_id"], None)
        entries = [e for e in _entries(loaded.thread, marks=True) if any(f["verdict"] is None for f in e.findings)]
        items.append({"row": row, "entries": entries, "version": loaded.version})
    if items:
        ctx.record("access", "review-queue",
                   threads=[f"{r['platform']}/{r['account_id']}/{r['post_id']}" for r in rows])
    return ctx.render("review.html", items=items, total=total, page=page, more=(page + 1) * 10 < total,
                      categories=CATEGORIES)


def review_decide(ctx: Context) -> Response:
    platform, account_id, post_id = _key(ctx, "form")
    verdict = ctx.field("verdict")
    if verdict not in ("confirmed", "rejected"):
        raise BadForm(ctx.t("review.bad_verdict"))
    row = queries.thread_row(ctx.app.services.catalog, platform, account_id, post_id)
    if row is None:
        raise BadForm(ctx.t("thread.unknown"))
    assert ctx.user is not None
    review(ctx.app.services, row["account_key"], post_id, ctx.field("finding"), verdict, ctx.user.name,
           ctx.field("note").strip() or None)
    return RedirectResponse(_safe_next(ctx.field("next")) or "/review", 303)


def review_add(ctx: Context) -> Response:
    platform, account_id, post_id = _key(ctx, "form")
    entry_id, marked, category = ctx.field("entry"), ctx.field("text"), ctx.field("category")
    if category not in CATEGORIES:
        raise BadForm(ctx.t("review.bad_category"))
    if not marked.strip():
        raise BadForm(ctx.t("review.no_text"))
    loaded = _load(ctx, platform, account_id, post_id, None)
    listed: list[Post | Comment] = [loaded.thread.post, *loaded.thread.comments]
    entry = next((e for e in listed if e.id == entry_id), None)
    if entry is None:
        raise BadForm(ctx.t("thread.unknown"))
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(marked), entry.text)]
    if not spans:
        raise BadForm(ctx.t("review.not_in_text"))
    row = loaded.row or {}
    assert ctx.user is not None
    add_finding(ctx.app.services, str(row.get("account_key", "")), post_id, entry_id, "text", spans, category,
                ctx.user.name, ctx.field("note").strip() or None)
    return RedirectResponse(ctx.url("/thread", platform=platform, account=account_id, post=post_id) + f"#e-{entry_id}",
                            303)


# -------------------------------------------------------------------------------------- access requests

def innsyn_form(ctx: Context) -> Response:
    threads = "\n".join(ctx.request.query_params.getlist("thread"))
    return ctx.render("innsyn.html", threads=threads, reference="", error=None)


def innsyn(ctx: Context) -> Response:
    from .documents import innsyn_package

    reference = ctx.field("reference").strip()
    lines = [line.strip() for line in ctx.field("threads").splitlines() if line.strip()]
    if not reference or not lines:
        return ctx.render("innsyn.html", 400, threads=ctx.field("threads"), reference=reference,
                          error=ctx.t("innsyn.missing"))
    keys = []
    for line in lines:
        parts = line.split("|", 2)
        if len(parts) != 3 or not queries.versions(ctx.app.services.catalog, *parts):
            return ctx.render("innsyn.html", 400, threads=ctx.field("threads"), reference=reference,
                              error=ctx.t("innsyn.unknown", line=line))
        keys.append((parts[0], parts[1], parts[2]))
    assert ctx.user is not None
    data, name, digest = innsyn_package(ctx, reference, keys)
    ctx.record("innsyn", reference, threads=["|".join(k) for k in keys], sha256=digest)
    return _attachment(data, "application/zip", name)


# ------------------------------------------------------------------------------------ retention and holds

def retention(ctx: Context) -> Response:
    services = ctx.app.services
    return ctx.render("retention.html", summary=queries.retention_summary(services.catalog),
                      holds=queries.active_holds(services.catalog),
                      proposals=disposition.pending_proposals(services),
                      disposed=queries.dispositions(services.catalog),
                      due=services.catalog.due_for_disposition(ctx.now()), edit=ctx.may("retention-edit"),
                      accounts=sorted(a.key for a in ctx.app.settings.accounts))


def hold_change(ctx: Context) -> Response:
    assert ctx.user is not None
    account_key, post_id, reason = ctx.field("account_key"), ctx.field("post"), ctx.field("reason").strip()
    if not reason:
        raise BadForm(ctx.t("retention.reason_needed"))
    if ctx.field("action") == "release":
        disposition.release(ctx.app.services, account_key, post_id, ctx.user.name, reason)
    else:
        disposition.hold(ctx.app.services, account_key, post_id, ctx.user.name, reason)
    return RedirectResponse(_safe_next(ctx.field("next")) or "/retention", 303)


def approve(ctx: Context) -> Response:
    assert ctx.user is not None
    disposition.approve(ctx.app.services, ctx.field("proposal"), ctx.user.name, ctx.field("reason"),
                        ctx.field("decision"))
    return RedirectResponse("/retention", 303)


# ------------------------------------------------------------------------------------------------ auditor

def audit_page(ctx: Context) -> Response:
    services = ctx.app.services
    report = fixity.latest_report(_reports(ctx))
    segments = services.audit.segments() if services.audit else []
    problems, head = check(segments)
    recorded = services.catalog.audit_head()
    if head is not None and recorded is not None and (head.segment, head.seq, head.hash) != recorded:
        if (head.segment, head.seq) < recorded[:2]:
            problems.append(ctx.t("audit.truncated"))
    events = services.audit.events(segments)[-50:] if services.audit and not problems else []
    return ctx.render("audit.html", report=report, problems=problems, head=head, events=list(reversed(events)),
                      pending=services.audit.pending() if services.audit else 0)


def audit_verify(ctx: Context) -> Response:
    services = ctx.app.services
    report = fixity.verify_store(services.store, services.catalog, ctx.app.settings.retention, now=ctx.now(),
                                 store_name=_store_name(ctx))
    report["by"] = ctx.user.name if ctx.user else None
    fixity.write_report(_reports(ctx), report)
    ctx.record("fixity", report["store"], result=report["result"], packages=report["packages"],
               failing=len(report["failing"]), retention_shortfalls=len(report["retention_shortfalls"]))
    return RedirectResponse("/audit", 303)


def audit_report(ctx: Context) -> Response:
    from .documents import report_pdf

    report = fixity.latest_report(_reports(ctx))
    if report is None:
        raise BadForm(ctx.t("audit.no_report"))
    stamp = str(report["at"]).replace(":", "")
    if ctx.param("format") == "pdf":
        return _attachment(report_pdf(ctx, report), "application/pdf", f"fixity-{stamp}.pdf")
    data = json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    return _attachment(data, "application/json", f"fixity-{stamp}.json")


def _reports(ctx: Context) -> Any:
    return ctx.app.settings.store_path / fixity.REPORTS


def _store_name(ctx: Context) -> str:
    storage = ctx.app.settings.storage
    if storage.kind == "s3":
        return f"s3://{storage.bucket}/{storage.prefix}"
    return str(ctx.app.settings.store_path)


# ----------------------------------------------------------------------------------------------- operator

def operator(ctx: Context) -> Response:
    from .documents import run_overview

    overview = run_overview(ctx.app.settings)
    backlog = ctx.app.settings.webhook_spool
    pending = len(list((backlog / "pending").glob("*.json"))) if (backlog / "pending").is_dir() else 0
    return ctx.render("operator.html", overview=overview, webhook_backlog=pending)


# ------------------------------------------------------------------------------------------------ helpers

def _int(value: str, default: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


Handler = Callable[[Context], Response]
ROUTES: list[tuple[str, Handler, str | None, tuple[str, ...]]] = [
    ("/", home, None, ("GET",)),
    ("/login", login_form, None, ("GET",)),
    ("/login/submit", login, None, ("POST",)),
    ("/logout", logout, None, ("POST",)),
    ("/language", language, None, ("GET",)),
    ("/search", search, "search", ("GET",)),
    ("/thread", thread_page, "thread", ("GET",)),
    ("/thread/download", download, "thread", ("GET",)),
    ("/review", review_queue, "review", ("GET",)),
    ("/review/decide", review_decide, "review", ("POST",)),
    ("/review/add", review_add, "review", ("POST",)),
    ("/innsyn", innsyn_form, "innsyn", ("GET",)),
    ("/innsyn/export", innsyn, "innsyn", ("POST",)),
    ("/retention", retention, "retention", ("GET",)),
    ("/retention/hold", hold_change, "retention-edit", ("POST",)),
    ("/retention/approve", approve, "retention-edit", ("POST",)),
    ("/audit", audit_page, "audit", ("GET",)),
    ("/audit/verify", audit_verify, "audit", ("POST",)),
    ("/audit/report", audit_report, "audit", ("GET",)),
    ("/operator", operator, "operator", ("GET",)),
]
