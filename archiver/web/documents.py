"""Documents the web app produces: the innsyn package (a cover page and the public PDF/A of each thread, in a
zip), the fixity report as PDF/A, and the operators' overview of recent runs."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ..clock import parse_ts
from ..config import Settings
from ..package.build import PACKAGE_JSON, PUBLIC_PDF, THREAD_PDF, safe_component
from ..render.pdf import pdf_renderer
from . import queries

if TYPE_CHECKING:
    from .app import Context

__all__ = ["innsyn_package", "report_pdf", "run_overview"]


def _print_templates() -> Environment:
    return Environment(loader=PackageLoader("archiver.web", "templates"), autoescape=select_autoescape(default=True))


def _pdf(settings: Settings, html: str, title: str, created: datetime) -> bytes:
    out = io.BytesIO()
    pdf_renderer(settings.pdf_engine).render(html, out, title=title, created=created)
    return out.getvalue()


def innsyn_package(ctx: Context, reference: str, keys: list[tuple[str, str, str]]) -> tuple[bytes, str, str]:
    """The zip for one access request: ``00-forside.pdf`` (reference, date, who produced it, the threads),
    each thread's public PDF/A (the head version; the full rendition of a thread without restricted content
    is its public one) and ``manifest-sha256.txt``. Returns the bytes, a file name and its SHA-256."""
    store = ctx.app.services.store
    now = ctx.now()
    files: dict[str, bytes] = {}
    listed = []
    for number, (platform, account_id, post_id) in enumerate(keys, start=1):
        head = queries.versions(ctx.app.services.catalog, platform, account_id, post_id)[-1]
        meta = json.loads(store.read(f"{head['path']}/{PACKAGE_JSON}"))
        restricted = bool((meta.get("access") or {}).get("skjerming"))
        name = f"{number:02d}-{platform}-{safe_component(post_id)}.pdf"
        files[name] = store.read(f"{head['path']}/{PUBLIC_PDF if restricted else THREAD_PDF}")
        listed.append({"file": name, "platform": platform, "account": account_id, "post": post_id,
                       "package": meta["id"], "version": head["version"], "redacted": restricted})
    assert ctx.user is not None
    html = _print_templates().get_template("print_cover.html").render(
        t=ctx.t, reference=reference, produced_at=now, produced_by=ctx.user.name, threads=listed,
        organisation=ctx.app.settings.organisation)
    files["00-forside.pdf"] = _pdf(ctx.app.settings, html, f"Innsyn {reference}", parse_ts(now))
    manifest = "".join(f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in sorted(files))
    files["manifest-sha256.txt"] = manifest.encode("utf-8")
    data = zip_files(files)
    return data, f"innsyn-{safe_component(reference)}-{now[:10]}.zip", hashlib.sha256(data).hexdigest()


def zip_files(files: dict[str, bytes]) -> bytes:
    """A zip of the files in name order with a fixed timestamp: the same files give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return out.getvalue()


def report_pdf(ctx: Context, report: dict[str, Any]) -> bytes:
    html = _print_templates().get_template("print_report.html").render(
        t=ctx.t, report=report, organisation=ctx.app.settings.organisation)
    return _pdf(ctx.app.settings, html, f"Fixity {report['store']} {report['at']}", parse_ts(str(report["at"])))


def run_overview(settings: Settings, *, runs: int = 30) -> dict[str, Any]:
    """The newest run reports, and per account its last run with what happened to its threads."""
    folder = settings.store_path / "reports"
    paths = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)[-runs:] if folder.is_dir() else []
    reports = [r for r in (_read(p) for p in reversed(paths)) if r is not None]
    accounts: dict[str, dict[str, Any]] = {}
    for report in reports:   # newest first: the first report naming an account is its last run
        names = {o["account_key"] for o in report.get("outcomes", [])} | set(report.get("account_errors", {}))
        for key in names - set(accounts):
            outcomes = [o for o in report.get("outcomes", []) if o["account_key"] == key]
            accounts[key] = {
                "run_id": report.get("run_id"), "ended_at": report.get("ended_at"), "threads": len(outcomes),
                "new_versions": sum(1 for o in outcomes if o["status"] == "archived"),
                "failed": sum(1 for o in outcomes if o["status"] in ("failed", "quarantined")),
                "gaps": sum(1 for o in outcomes if not o.get("complete", True)),
                "rate_limit_waits": sum(int(o.get("rate_limit_waits", 0)) for o in outcomes),
                "error": report.get("account_errors", {}).get(key)}
    configured = {a.key for a in settings.accounts}
    for key in configured - set(accounts):
        accounts[key] = {"run_id": None}
    return {"reports": reports, "accounts": dict(sorted(accounts.items()))}


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None

