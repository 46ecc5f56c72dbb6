"""The web app's local users and their roles, kept in the catalog database (table ``web_users``, created by
migration 0004; not part of the catalog rebuilt from the store: users are not records).

Passwords are hashed with Argon2id (argon2-cffi, its RFC 9106 low-memory profile). A failed login costs the
same time whether or not the user exists. ``Throttle`` refuses logins for a name or a client address after
repeated failures. Sessions are server-side (``web_sessions``): the cookie carries a random token, the table its
SHA-256, so logging out ends the session everywhere and a stolen database gives no usable cookie.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, Column, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.engine import Engine

__all__ = ["ROLES", "Throttle", "User", "Users", "web_sessions", "web_users"]

# operator: runs and watches the jobs; officer: records officer (reads restricted content, reviews findings,
# answers access requests, holds and dispositions); auditor: fixity, retention compliance, the audit log;
# public: a reader who sees public renditions only
ROLES = ("operator", "officer", "auditor", "public")

metadata = MetaData()
web_users = Table(
    "web_users", metadata,
    Column("name", String(200), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("created_at", String(20), nullable=False),
    Column("disabled", Boolean, nullable=False),
)
web_sessions = Table(
    "web_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", String(20), nullable=False),
    Column("expires_at", String(20), nullable=False),
)

_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("a password nobody has")
MIN_PASSWORD = 12


@dataclass(frozen=True)
class User:
    name: str
    role: str


class Users:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, name: str, role: str, password: str, at: str) -> User:
        name = name.strip()
        if not name or len(name) > 200:
            raise ValueError("a user name is 1 to 200 characters")
        _check_role(role)
        _check_password(password)
        with self.engine.begin() as connection:
            if connection.execute(select(web_users.c.name).where(web_users.c.name == name)).first():
                raise ValueError(f"user {name!r} exists; use 'archiver web users password' to change the password")
            connection.execute(insert(web_users).values(name=name, role=role, password_hash=_HASHER.hash(password),
                                                        created_at=at, disabled=False))
        return User(name, role)

    def set_password(self, name: str, password: str) -> None:
        _check_password(password)
        self._update(name, password_hash=_HASHER.hash(password))
        with self.engine.begin() as connection:   # a new password ends every open session
            connection.execute(delete(web_sessions).where(web_sessions.c.name == name))

    def set_role(self, name: str, role: str) -> None:
        _check_role(role)
        self._update(name, role=role)

    def disable(self, name: str) -> None:
        self._update(name, disabled=True)
        with self.engine.begin() as connection:
            connection.execute(delete(web_sessions).where(web_sessions.c.name == name))

    def get(self, name: str) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(web_users).where(web_users.c.name == name)).mappings().first()
        return User(row["name"], row["role"]) if row and not row["disabled"] else None

    def all(self) -> list[tuple[User, bool]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(web_users).order_by(web_users.c.name)).mappings().all()
        return [(User(r["name"], r["role"]), bool(r["disabled"])) for r in rows]

    def authenticate(self, name: str, password: str) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(web_users).where(web_users.c.name == name)).mappings().first()
        stored = row["password_hash"] if row else _DUMMY
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row["disabled"]:
            return None
        if _HASHER.check_needs_rehash(stored):
            self._update(name, password_hash=_HASHER.hash(password))
        return User(row["name"], row["role"])

    # ------------------------------------------------------------------------------------------------ sessions

    def open_session(self, name: str, now: str, expires: str) -> str:
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
            connection.execute(insert(web_sessions).values(token_hash=_token_hash(token), name=name, created_at=now,
                                                           expires_at=expires))
        return token

    def session_user(self, token: str, now: str) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(web_sessions).where(web_sessions.c.token_hash == _token_hash(token))
                                     ).mappings().first()
        if row is None or row["expires_at"] <= now:
            return None
        return self.get(row["name"])

    def close_session(self, token: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(web_sessions).where(web_sessions.c.token_hash == _token_hash(token)))

    def _update(self, name: str, **values: object) -> None:
        with self.engine.begin() as connection:
            changed = connection.execute(update(web_users).where(web_users.c.name == name).values(**values)).rowcount
        if not changed:
            raise ValueError(f"no user {name!r}; list them with 'archiver web users list'")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")


class Throttle:
    """At most ``attempts`` failed logins per key (a user name, a client address) in ``window`` seconds; a key
    over the limit is refused until its oldest failure leaves the window. In memory, per process."""

    def __init__(self, attempts: int = 5, window: float = 900.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts, self.window, self.clock = attempts, window, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def allowed(self, *keys: str) -> bool:
        now = self.clock()
        with self._lock:
            return all(len(self._recent(key, now)) < self.attempts for key in keys)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._failures[key] = [*self._recent(key, now), now]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> list[float]:
        return [t for t in self._failures.get(key, []) if now - t < self.window]
