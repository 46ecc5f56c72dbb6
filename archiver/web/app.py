"""The records officers' and auditors' web app (Starlette, server-rendered, works without JavaScript).

Pages: search, a thread as the archive holds it (each version, provenance, completeness, screening), downloads,
access requests (innsyn), the review queue, retention and holds, the auditor's dashboard and the operator's
page. Roles decide what a user may see and do (``PERMISSIONS``); only records officers see restricted content,
and every view or download of it is written to the audit log with who and when.

Security: local users with Argon2id passwords, server-side sessions in an HttpOnly, SameSite=Strict cookie
(Secure behind TLS), a CSRF token on every form (HMAC of the session, checked on every POST), login throttling
per user name and client address, a strict Content-Security-Policy, and optional single sign-on through a
trusted reverse proxy's header. Handlers are synchronous and run in Starlette's thread pool.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..clock import format_ts
from ..config import Settings, resolve_secret
from ..errors import ArchiverError
from ..pipeline import Services, audit, seal_audit
from . import i18n
from .users import Throttle, User, Users

__all__ = ["PERMISSIONS", "create_app"]

log = logging.getLogger(__name__)

SESSION_COOKIE = "socialarkiv_session"
PRE_COOKIE = "socialarkiv_pre"      # an anonymous visitor's token, for the login form's CSRF token
LANG_COOKIE = "socialarkiv_lang"

# what each role may do; "restricted" = see restricted (unredacted) content
PERMISSIONS: Mapping[str, frozenset[str]] = {
    "officer": frozenset({"search", "thread", "restricted", "review", "innsyn", "retention", "retention-edit"}),
    "auditor": frozenset({"search", "thread", "retention", "audit", "operator"}),
    "operator": frozenset({"search", "thread", "retention", "operator"}),
    "public": frozenset({"search", "thread"}),
}


class Forbidden(Exception):
    pass


class LoginRequired(Exception):
    pass


class BadForm(ArchiverError):
    """A form value a user can correct; shown on the page, never a stack trace."""


@dataclass
class Context:
    """One request, as a handler sees it."""

    app: WebApp
    request: Request
    user: User | None
    lang: str
    form: FormData | None = None
    session_token: str | None = None
    pre_token: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def may(self, permission: str) -> bool:
        return self.user is not None and permission in PERMISSIONS[self.user.role]

    def param(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default) if self.form is not None else default
        return value if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        return [v for v in self.form.getlist(name) if isinstance(v, str)] if self.form is not None else []

    def csrf(self) -> str:
        return self.app.csrf_for(self.session_token or self.pre_token or "")

    def t(self, key: str, **values: Any) -> str:
        return i18n.text(self.lang, key, **values)

    def now(self) -> str:
        return format_ts(self.app.services.clock.now())

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        page = self.app.templates.get_template(template).render(
            ctx=self, user=self.user, t=self.t, lang=self.lang, csrf=self.csrf(), languages=i18n.LANGUAGES,
            url=self.url, path=self.request.url.path, organisation=self.app.settings.organisation, **values)
        return HTMLResponse(page, status_code=status)

    def url(self, path: str, **params: Any) -> str:
        query = urlencode([(k, v) for k, v in params.items() if v not in (None, "")], doseq=True)
        return f"{path}?{query}" if query else path

    def record(self, kind: str, subject: str, **details: Any) -> None:
        """An audit event with this user as the actor."""
        audit(self.app.services, kind, subject, actor=self.user.name if self.user else "anonymous", details=details)
        self.app.seal_soon()


class WebApp:
    def __init__(self, services: Services, *, session_secret: bytes | None = None,
                 monotonic: Callable[[], float] | None = None) -> None:
        self.services = services
        self.settings: Settings = services.settings
        self.web = self.settings.web
        self.users = Users(services.catalog.engine)
        self.throttle = Throttle(self.web.login_attempts, 900.0, monotonic or time.monotonic)
        self.secret = session_secret or _session_secret(self.settings)
        self.templates = Environment(loader=PackageLoader("archiver.web", "templates"),
                                     autoescape=select_autoescape(default=True, default_for_string=True),
                                     trim_blocks=True, lstrip_blocks=True)
        self._sealed_at = 0.0

    def csrf_for(self, token: str) -> str:
        return hmac.new(self.secret, b"csrf\x00" + token.encode(), hashlib.sha256).hexdigest()

    def seal_soon(self) -> None:
        """Seal waiting audit events into the store (each request's events are on disk already)."""
        try:
            seal_audit(self.services)
        except Exception as exc:  # the events stay in the spool; the next seal takes them
            log.warning("audit events could not be sealed yet (%s); they wait in the spool", exc.__class__.__name__)

    # -------------------------------------------------------------------------------------------- requests

    def user_for(self, request: Request, token: str | None) -> User | None:
        header = self.web.trusted_header
        if header and request.client is not None and request.client.host in self.web.trusted_proxies:
            name = request.headers.get(header)
            if name:
                return self.users.get(name.strip())
        if token:
            return self.users.session_user(token, format_ts(self.services.clock.now()))
        return None

    def handler(self, function: Callable[[Context], Response], permission: str | None = None,
                methods: tuple[str, ...] = ("GET",)) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            token = request.cookies.get(SESSION_COOKIE)
            pre = request.cookies.get(PRE_COOKIE)
            user = await run_in_threadpool(self.user_for, request, token)
            cookies: dict[str, str] = {}
            if user is None and not pre:
                pre = secrets.token_urlsafe(24)
                cookies[PRE_COOKIE] = pre
            ctx = Context(self, request, user, _language(request, self.web.default_language),
                          session_token=token if user else None, pre_token=pre, cookies=cookies)
            try:
                if request.method == "POST":
                    ctx.form = await request.form(max_files=0, max_fields=2000)
                    if not hmac.compare_digest(ctx.field("csrf"), ctx.csrf()):
                        return ctx.render("error.html", 403, message=ctx.t("error.csrf"))
                if permission is not None:
                    if user is None:
                        raise LoginRequired
                    if permission not in PERMISSIONS[user.role]:
                        raise Forbidden
                response = await run_in_threadpool(function, ctx)
            except LoginRequired:
                response = RedirectResponse(ctx.url("/login", next=str(request.url.path) + (
                    "?" + request.url.query if request.url.query else "")), 303)
            except Forbidden:
                response = ctx.render("error.html", 403, message=ctx.t("error.forbidden"))
            except (BadForm, ArchiverError) as exc:
                response = ctx.render("error.html", 400, message=str(exc))
            for name, value in ctx.cookies.items():
                response.set_cookie(name, value, httponly=True, samesite="strict", secure=self.web.secure_cookies,
                                    max_age=None if name != LANG_COOKIE else 365 * 86400)
            _harden(response, private=user is not None)
            return response

        return endpoint


def _session_secret(settings: Settings) -> bytes:
    if settings.web.session_secret:
        return resolve_secret(settings.web.session_secret, "[web] session_secret").reveal().encode("utf-8")
    path = settings.work_path / "web" / "session-secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="ascii") as handle:   # created once, owner-only
                handle.write(secrets.token_hex(32))
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="ascii").strip().encode("ascii")


def _language(request: Request, default: str) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in i18n.LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in ("nb", "nn", "no"):
            return "nb"
        if code in i18n.LANGUAGES:
            return code
    return default


def _harden(response: Response, *, private: bool) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
                       "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if private:
        headers["Cache-Control"] = "no-store"


def create_app(services: Services, *, session_secret: bytes | None = None,
               monotonic: Callable[[], float] | None = None) -> Starlette:
    from . import pages

    web = WebApp(services, session_secret=session_secret, monotonic=monotonic)
    routes: list[Route | Mount] = [
        Route(path, web.handler(function, permission, methods), methods=list(methods))
        for path, function, permission, methods in pages.ROUTES]
    routes.append(Mount("/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="static"))
    app = Starlette(routes=routes)
    app.state.web = web
    return app


def session_expiry(services: Services) -> str:
    return format_ts(services.clock.now() + timedelta(hours=services.settings.web.session_hours))
