"""Settings and credentials: the one reader of ``os.environ`` and of the configuration file (TOML).

Secrets are held in ``Secret`` whose repr and str never show the value. The file format is documented in the
README ("Configuration"); ``load_settings`` names the file and the key of every mistake it finds.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .model import PLATFORMS
from .render import ENGINES
from .retention import RetentionRule, RetentionSchedule

__all__ = [
    "CONFIG_ENV",
    "AccountConfig",
    "Noark5Config",
    "ScreeningConfig",
    "Secret",
    "Settings",
    "StorageConfig",
    "WebConfig",
    "WebhookConfig",
    "load_settings",
    "parse_settings",
    "resolve_credential",
    "resolve_secret",
]

CONFIG_ENV = "SOCIALARKIV_CONFIG"
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
CredentialResolver = Callable[[str], str | None]


class Secret:
    """A credential. ``reveal()`` is the only way to read it; it never prints."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


@dataclass(frozen=True)
class AccountConfig:
    """One account of the organisation on one platform."""

    key: str
    platform: str
    account_id: str
    name: str
    base_url: str
    api_version: str
    credential: str
    page_size: int = 100
    organisation_author_ids: tuple[str, ...] = ()
    max_wait_seconds: float = 60.0
    max_attempts: int = 5
    timeout_seconds: float = 30.0
    classification: str = "sosiale-medier"   # matched by the retention schedule's rules

    @property
    def own_author_ids(self) -> frozenset[str]:
        """Author ids that are the organisation itself: the account and any configured extra ids."""
        return frozenset((self.account_id, *self.organisation_author_ids))


@dataclass(frozen=True)
class WebhookConfig:
    """The webhook receiver (Facebook Page and Instagram ``feed``/``comments`` subscriptions)."""

    app_secret: str = "env:SOCIALARKIV_WEBHOOK_APP_SECRET"    # credential reference, never the value
    verify_token: str = "env:SOCIALARKIV_WEBHOOK_VERIFY_TOKEN"
    host: str = "127.0.0.1"
    port: int = 8710
    path: str = "/webhooks/meta"
    max_body_bytes: int = 1_000_000


@dataclass(frozen=True)
class OperationsConfig:
    """Monitoring and failure notifications (``[operations]``)."""

    # Prometheus text file written after every run (node_exporter's textfile collector reads it);
    # None: <work>/metrics/socialarkiv.prom
    metrics_file: str | None = None
    notify: str = "problems"             # when to notify: "problems" (failures, quarantines, stopped accounts),
    #                                      "always" or "never"
    webhook_url: str | None = None       # a credential reference to the URL (it often holds a token): env:/conn:
    email_to: tuple[str, ...] = ()
    email_from: str = "socialarkiv@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None     # a credential reference


@dataclass(frozen=True)
class WebConfig:
    """The records officers' and auditors' web app (``archiver web``)."""

    host: str = "127.0.0.1"
    port: int = 8720
    # the key that signs session cookies: a credential reference; None keeps a random key in <work>/web/
    session_secret: str | None = None
    session_hours: int = 8
    secure_cookies: bool = False       # true behind TLS (the cookie is then only sent over HTTPS)
    login_attempts: int = 5            # failed logins per user name and per client address in 15 minutes
    # single sign-on: a reverse proxy that authenticates users and names them in this header; only requests
    # from ``trusted_proxies`` may use it, and the user must exist here (the role comes from here)
    trusted_header: str | None = None
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)
    default_language: str = "nb"       # nb, en or da


@dataclass(frozen=True)
class ScreeningConfig:
    """Sensitive-data screening (``[screening]``): the proposal's Noark 5 codes and what is the organisation's
    own (its contact points are not personal data to screen)."""

    enabled: bool = True
    min_confidence: float = 0.5
    tilgangsrestriksjon: str = "13"
    skjermingshjemmel: str = "Offl. § 13 jf. fvl. § 13 første ledd nr. 1"
    phones: tuple[str, ...] = ()
    mail_domains: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Noark5Config:
    """The Noark 5 export (``[noark5]``): where Arkivverket's official schemas are and where extractions go."""

    schemas: Path | None = None   # a folder with arkivstruktur.xsd ... addml.xsd (N5/latest and ADDML/latest)
    out: Path | None = None       # default: <store>/../noark5


@dataclass(frozen=True)
class StorageConfig:
    """Where packages go (``[storage]``): the filesystem store under ``[archive] store`` (default), or an S3
    bucket with Object Lock (AWS S3, MinIO, Ceph, SeaweedFS)."""

    kind: str = "filesystem"          # or "s3"
    endpoint: str | None = None       # e.g. "https://s3.eu-north-1.amazonaws.com"; None: the AWS default
    region: str = "eu-north-1"
    bucket: str | None = None
    prefix: str = ""                  # key prefix inside the bucket
    access_key: str = "env:SOCIALARKIV_S3_ACCESS_KEY"   # credential references, never values
    secret_key: str = "env:SOCIALARKIV_S3_SECRET_KEY"
    addressing_style: str = "path"    # "virtual" for AWS S3
    # an unsealed version slot this much older than the server's clock is abandoned (a writer that stopped
    # part-way), not another writer at work: the next version is taken and the skipped one recorded
    abandon_after_minutes: float = 60.0


@dataclass(frozen=True)
class Settings:
    organisation: str
    store_path: Path
    work_path: Path
    accounts: tuple[AccountConfig, ...]
    initial_since: str = "2000-01-01T00:00:00Z"
    volatile_fields: tuple[str, ...] = ("reactions",)
    source_file: Path | None = field(default=None, compare=False)
    catalog_url: str | None = None  # None: SQLite in the work folder
    lookback_days: int = 30         # threads younger than this are captured every run (late comments)
    revisit_days: int = 7           # older threads without a change signal are captured this often
    batch_threads: int = 50         # new threads' worth of work per archive task of the nightly DAG (schedule.batches)
    webhooks: WebhookConfig = field(default_factory=WebhookConfig)
    screening: ScreeningConfig = field(default_factory=ScreeningConfig)
    organisation_id: str | None = None  # e.g. the organisation number; names the archive creator in packages
    noark5: Noark5Config = field(default_factory=Noark5Config)
    pdf_engine: str = "direct"          # or "weasyprint", "wkhtmltopdf" (render/pdf.py)
    storage: StorageConfig = field(default_factory=StorageConfig)
    retention: RetentionSchedule = field(default_factory=RetentionSchedule)
    web: WebConfig = field(default_factory=WebConfig)
    fixed_clock: str | None = None      # tests and reproductions only: every "now" is this time
    operations: OperationsConfig = field(default_factory=OperationsConfig)

    @property
    def catalog(self) -> str:
        return self.catalog_url or f"sqlite:///{self.work_path / 'catalog.sqlite'}"

    @property
    def webhook_spool(self) -> Path:
        return self.work_path / "webhooks"

    def account(self, key: str) -> AccountConfig:
        for account in self.accounts:
            if account.key == key:
                return account
        raise ConfigError(f"no account with key {key!r} in {self.source_file or 'the configuration'}; "
                          f"known keys: {', '.join(a.key for a in self.accounts) or 'none'}")

    @property
    def quarantine_path(self) -> Path:
        return self.store_path / "quarantine"


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read the configuration from ``path``, else from ``$SOCIALARKIV_CONFIG``."""
    chosen = path or os.environ.get(CONFIG_ENV)
    if not chosen:
        raise ConfigError(f"no configuration: pass --config FILE or set {CONFIG_ENV}")
    file = Path(chosen)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file {file} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {file} is not valid TOML: {exc}") from exc
    return parse_settings(with_environment(raw, os.environ), base=file.resolve().parent, source=file)


OVERRIDABLE = ("archive", "storage", "webhooks", "web", "screening", "noark5", "operations")


def with_environment(raw: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """The file's settings with ``SOCIALARKIV__<TABLE>__<KEY>`` environment variables over them (as Airflow's
    ``AIRFLOW__SECTION__KEY``), for containers: ``SOCIALARKIV__ARCHIVE__CATALOG=postgresql+psycopg2://...``,
    ``SOCIALARKIV__STORAGE__BUCKET=...``. A value is read as a TOML value when it is one (``10``, ``true``,
    ``["a", "b"]``), else as text. Accounts are not overridable: they belong in the file."""
    merged: dict[str, Any] = {key: dict(value) if isinstance(value, Mapping) else value for key, value in raw.items()}
    for name, value in sorted(environ.items()):
        if not name.startswith("SOCIALARKIV__"):
            continue
        table, _, key = name[len("SOCIALARKIV__"):].lower().partition("__")
        if table not in OVERRIDABLE or not key or "__" in key:
            raise ConfigError(f"environment variable {name}: expected SOCIALARKIV__<TABLE>__<KEY> with TABLE one "
                              f"of {', '.join(t.upper() for t in OVERRIDABLE)}")
        try:
            parsed: Any = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            parsed = value
        if not isinstance(parsed, str | bool | int | float | list):
            parsed = value  # a TOML date or time: the settings spell times as text
        section = merged.setdefault(table, {})
        if not isinstance(section, dict):
            raise ConfigError(f"environment variable {name}: [{table}] in the file is not a table")
        section[key] = parsed
    return merged


def parse_settings(raw: Mapping[str, Any], *, base: Path, source: Path | None = None) -> Settings:
    where = str(source or "configuration")
    archive = _table(raw, "archive", where)
    accounts_raw = raw.get("accounts", [])
    if not isinstance(accounts_raw, list) or not accounts_raw:
        raise ConfigError(f"{where}: [[accounts]] must list at least one account")
    accounts = tuple(_account(a, f"{where}: accounts[{i}]") for i, a in enumerate(accounts_raw))
    keys = [a.key for a in accounts]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ConfigError(f"{where}: account keys must be unique; repeated: {', '.join(duplicates)}")
    return Settings(
        organisation=_str(archive, "organisation", where + ": [archive]"),
        store_path=_path(archive.get("store", "archive"), base),
        work_path=_path(archive.get("work", "work"), base),
        accounts=accounts,
        initial_since=str(archive.get("initial_since", "2000-01-01T00:00:00Z")),
        volatile_fields=tuple(archive.get("volatile_fields", ["reactions"])),
        source_file=source,
        catalog_url=_optional_str(archive, "catalog", where + ": [archive]"),
        lookback_days=_days(archive, "lookback_days", 30, where + ": [archive]"),
        revisit_days=_days(archive, "revisit_days", 7, where + ": [archive]"),
        batch_threads=_batch_threads(archive, where + ": [archive]"),
        webhooks=_webhooks(raw.get("webhooks", {}), where + ": [webhooks]"),
        screening=_screening(raw.get("screening", {}), where + ": [screening]"),
        organisation_id=_optional_str(archive, "organisation_id", where + ": [archive]"),
        noark5=_noark5(raw.get("noark5", {}), base, where + ": [noark5]"),
        pdf_engine=_engine(archive, where + ": [archive]"),
        storage=_storage(raw.get("storage", {}), where + ": [storage]"),
        retention=_retention(raw.get("retention", []), archive, where),
        web=_web(raw.get("web", {}), where + ": [web]"),
        fixed_clock=_fixed_clock(archive, where + ": [archive]"),
        operations=_operations(raw.get("operations", {}), where + ": [operations]"),
    )


def _operations(raw: Any, where: str) -> OperationsConfig:
    _only_known(raw, OperationsConfig, where)
    values = dict(raw)
    recipients = values.get("email_to", [])
    if isinstance(recipients, str):
        recipients = [recipients]
    if not isinstance(recipients, list) or not all(isinstance(r, str) and "@" in r for r in recipients):
        raise ConfigError(f"{where}: 'email_to' must be a list of e-mail addresses")
    values["email_to"] = tuple(recipients)
    config = OperationsConfig(**values)
    if config.notify not in ("problems", "always", "never"):
        raise ConfigError(f"{where}: 'notify' must be \"problems\", \"always\" or \"never\", not {config.notify!r}")
    for name in ("webhook_url", "smtp_password"):
        value = getattr(config, name)
        if value is not None and not str(value).startswith(("env:", "conn:", "value:")):
            raise ConfigError(f"{where}: '{name}' must be a credential reference 'env:VARIABLE', 'conn:ID' or "
                              "'value:TEXT' (it may hold a secret)")
    if not isinstance(config.smtp_port, int) or not 0 < config.smtp_port <= 65535:
        raise ConfigError(f"{where}: 'smtp_port' must be a port number")
    return config


def _fixed_clock(archive: Mapping[str, Any], where: str) -> str | None:
    value = _optional_str(archive, "fixed_clock", where)
    if value is not None:
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise ConfigError(f"{where}: fixed_clock must be a UTC time like 2026-11-21T02:00:00Z, "
                              f"not {value!r}") from None
    return value


def resolve_credential(account: AccountConfig,
                       resolvers: Mapping[str, CredentialResolver] | None = None) -> Secret:
    """Turn ``env:NAME``, ``value:TEXT`` or ``conn:ID`` (given a resolver, e.g. Airflow's) into a Secret;
    ``none`` (an API read without credentials) gives an empty one."""
    if account.credential == "none":  # public APIs read without a credential (Bluesky AppView, Mastodon)
        return Secret("")
    return resolve_secret(account.credential, f"account {account.key}: credential", resolvers)


def resolve_secret(reference: str, what: str, resolvers: Mapping[str, CredentialResolver] | None = None) -> Secret:
    """The secret behind a reference ``env:NAME``, ``value:TEXT`` or ``conn:ID``; ``what`` names it in errors."""
    scheme, _, ref = reference.partition(":")
    table: dict[str, CredentialResolver] = {"env": os.environ.get, "value": lambda text: text}
    table.update(resolvers or {})
    resolver = table.get(scheme)
    if resolver is None or not ref:
        raise ConfigError(
            f"{what} must be 'env:VARIABLE', 'conn:AIRFLOW_CONNECTION_ID' or "
            f"'value:TOKEN', not {scheme + ':…' if ref else repr(reference)}"
            + ("" if scheme != "conn" else " (conn: works only inside Airflow)"))
    value = resolver(ref)
    if not value:
        raise ConfigError(f"{what} {scheme}:{ref} is empty or not set; provide the secret there")
    return Secret(value)


def _table(raw: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    value = raw.get(name)
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: missing table [{name}]")
    return value


def _str(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    return value


def _optional_str(table: Mapping[str, Any], key: str, where: str) -> str | None:
    return None if table.get(key) is None else _str(table, key, where)


def _days(table: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 36500:
        raise ConfigError(f"{where}: '{key}' must be a whole number of days from 0 to 36500")
    return value


def _batch_threads(table: Mapping[str, Any], where: str) -> int:
    value = table.get("batch_threads", 50)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10000:
        raise ConfigError(f"{where}: 'batch_threads' must be a whole number from 1 to 10000 (threads per task of "
                          "the nightly DAG; 50 is the default)")
    return value


def _webhooks(raw: Any, where: str) -> WebhookConfig:
    _only_known(raw, WebhookConfig, where)
    config = WebhookConfig(**raw)
    for name in ("app_secret", "verify_token"):
        value = getattr(config, name)
        if not isinstance(value, str) or not value.startswith(("env:", "conn:", "value:")):
            raise ConfigError(f"{where}: '{name}' must be a credential reference 'env:VARIABLE', 'conn:ID' or "
                              "'value:TEXT'")
    if not isinstance(config.port, int) or not 0 <= config.port <= 65535:
        raise ConfigError(f"{where}: 'port' must be a port number")
    if not isinstance(config.path, str) or not config.path.startswith("/"):
        raise ConfigError(f"{where}: 'path' must start with '/'")
    return config


def _web(raw: Any, where: str) -> WebConfig:
    _only_known(raw, WebConfig, where)
    values = dict(raw)
    proxies = values.get("trusted_proxies", ["127.0.0.1"])
    if not isinstance(proxies, list) or not all(isinstance(p, str) for p in proxies):
        raise ConfigError(f"{where}: 'trusted_proxies' must be a list of addresses")
    values["trusted_proxies"] = tuple(proxies)
    config = WebConfig(**values)
    if config.session_secret is not None and not str(config.session_secret).startswith(("env:", "conn:", "value:")):
        raise ConfigError(f"{where}: 'session_secret' must be a credential reference 'env:VARIABLE', 'conn:ID' or "
                          "'value:TEXT'")
    if not isinstance(config.port, int) or not 0 <= config.port <= 65535:
        raise ConfigError(f"{where}: 'port' must be a port number")
    if config.default_language not in ("nb", "en", "da"):
        raise ConfigError(f"{where}: 'default_language' must be nb, en or da")
    if not isinstance(config.session_hours, int) or not 1 <= config.session_hours <= 24:
        raise ConfigError(f"{where}: 'session_hours' must be 1 to 24")
    return config


def _screening(raw: Any, where: str) -> ScreeningConfig:
    _only_known(raw, ScreeningConfig, where)
    values = dict(raw)
    for name in ("phones", "mail_domains", "accounts", "addresses", "names"):
        items = values.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{where}: '{name}' must be a list of strings")
        values[name] = tuple(items)
    confidence = values.get("min_confidence", 0.5)
    if not isinstance(confidence, int | float) or isinstance(confidence, bool) or not 0 < confidence <= 1:
        raise ConfigError(f"{where}: 'min_confidence' must be a number above 0 and at most 1")
    for name in ("tilgangsrestriksjon", "skjermingshjemmel"):
        if name in values and (not isinstance(values[name], str) or not values[name].strip()):
            raise ConfigError(f"{where}: '{name}' must be a non-empty string")
    if not isinstance(values.get("enabled", True), bool):
        raise ConfigError(f"{where}: 'enabled' must be true or false")
    return ScreeningConfig(**values)


def _engine(archive: Mapping[str, Any], where: str) -> str:
    engine = archive.get("pdf_engine", "direct")
    if engine not in ENGINES:
        raise ConfigError(f"{where}: pdf_engine must be one of " + ", ".join(f'"{e}"' for e in ENGINES) +
                          f", not {engine!r}")
    return str(engine)


def _noark5(raw: Any, base: Path, where: str) -> Noark5Config:
    _only_known(raw, Noark5Config, where)
    for name in ("schemas", "out"):
        if name in raw and (not isinstance(raw[name], str) or not raw[name].strip()):
            raise ConfigError(f"{where}: '{name}' must be a folder path")
    return Noark5Config(schemas=_path(raw["schemas"], base) if "schemas" in raw else None,
                        out=_path(raw["out"], base) if "out" in raw else None)


def _storage(raw: Any, where: str) -> StorageConfig:
    _only_known(raw, StorageConfig, where)
    config = StorageConfig(**raw)
    if config.kind not in ("filesystem", "s3"):
        raise ConfigError(f"{where}: kind must be \"filesystem\" or \"s3\", not {config.kind!r}")
    if config.kind == "s3":
        if not isinstance(config.bucket, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", config.bucket):
            raise ConfigError(f"{where}: 'bucket' must name an S3 bucket (3-63 lower-case letters, digits, '.', '-')")
        for name in ("access_key", "secret_key"):
            value = getattr(config, name)
            if not isinstance(value, str) or not value.startswith(("env:", "conn:", "value:")):
                raise ConfigError(f"{where}: '{name}' must be a credential reference 'env:VARIABLE', 'conn:ID' "
                                  "or 'value:TEXT'")
        if config.endpoint is not None and not str(config.endpoint).startswith(("http://", "https://")):
            raise ConfigError(f"{where}: endpoint must start with http:// or https://")
        if config.addressing_style not in ("path", "virtual"):
            raise ConfigError(f"{where}: addressing_style must be \"path\" or \"virtual\"")
        if isinstance(config.abandon_after_minutes, bool) or not isinstance(config.abandon_after_minutes,
                                                                            int | float) \
                or config.abandon_after_minutes < 0:
            raise ConfigError(f"{where}: abandon_after_minutes must be a number of minutes (0 or more), such as 60")
    if not isinstance(config.prefix, str) or config.prefix.startswith("/") or ".." in config.prefix.split("/"):
        raise ConfigError(f"{where}: prefix must be a relative key prefix such as \"socialarkiv/\"")
    return config


def _retention(raw: Any, archive: Mapping[str, Any], where: str) -> RetentionSchedule:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: [[retention]] must be a list of tables")
    rules = []
    for index, item in enumerate(raw):
        at = f"{where}: retention[{index}]"
        _only_known(item, RetentionRule, at)
        name = _str(item, "name", at)
        basis = _str(item, "basis", at)   # a rule without its legal basis is not a records decision
        years = item.get("years")
        if years is not None and (not isinstance(years, int) or isinstance(years, bool) or not 0 <= years <= 1000):
            raise ConfigError(f"{at}: 'years' must be a whole number of years (0-1000); leave it out for "
                              "permanent preservation")
        patterns = {}
        for name_ in ("accounts", "classifications"):
            value = item.get(name_, ["*"])
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
                raise ConfigError(f"{at}: '{name_}' must be a non-empty list of names or patterns")
            patterns[name_] = tuple(value)
        rules.append(RetentionRule(name=name, basis=basis, years=years, **patterns))
    lock_years = archive.get("permanent_lock_years", 100)
    if not isinstance(lock_years, int) or isinstance(lock_years, bool) or not 1 <= lock_years <= 1000:
        raise ConfigError(f"{where}: [archive] permanent_lock_years must be a whole number from 1 to 1000")
    return RetentionSchedule(tuple(rules), lock_years)


def _only_known(raw: Any, table: Any, where: str) -> None:
    """Refuse a value that is not a table, and keys the table does not have, naming the allowed ones (a typo
    must not be silently ignored)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a table")
    known = set(table.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")


def _path(value: Any, base: Path) -> Path:
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _account(raw: Any, where: str) -> AccountConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a table")
    _only_known(raw, AccountConfig, where)
    key = _str(raw, "key", where)
    if not _KEY.match(key):
        raise ConfigError(f"{where}: key {key!r} must be lower-case letters, digits, '-' or '_' (max 64)")
    platform = _str(raw, "platform", where)
    if platform not in PLATFORMS:
        raise ConfigError(f"{where}: platform {platform!r} is not one of {', '.join(PLATFORMS)}")
    base_url = _str(raw, "base_url", where).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: base_url must start with http:// or https://")
    values = dict(raw)
    values["base_url"] = base_url
    values["account_id"] = str(_str(raw, "account_id", where))
    values["organisation_author_ids"] = tuple(str(x) for x in raw.get("organisation_author_ids", ()))
    for required in ("name", "api_version", "credential"):
        _str(raw, required, where)
    page_size = raw.get("page_size", 100)
    if not isinstance(page_size, int) or not 1 <= page_size <= 100:
        raise ConfigError(f"{where}: page_size must be an integer from 1 to 100")
    return AccountConfig(**values)
