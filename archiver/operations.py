"""Operations: run metrics for Prometheus, failure notifications (webhook, e-mail), JSON logs.

After every run (``pipeline.write_report``):

* ``write_metrics`` writes the run's numbers as a Prometheus text file (``[operations] metrics_file``, default
  ``<work>/metrics/socialarkiv.prom``) for node_exporter's textfile collector; under Airflow the DAG's report
  task also sends them through Airflow's StatsD (``[metrics] statsd_on``).
* ``notify`` posts the run's summary to a webhook and/or e-mails it when the run had problems (or always).
  Summaries hold counts, account keys, post ids and error messages, never comment text or tokens; a failing
  notification is logged, never fails the run.

``JsonFormatter`` is the structured log format (``archiver --log-format json``): one JSON object per line.
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from .config import CredentialResolver, Settings, resolve_secret

__all__ = ["JsonFormatter", "metrics_path", "notify", "write_metrics"]

log = logging.getLogger(__name__)

# (name, help, summary key)
_GAUGES = (
    ("threads", "Threads handled by the last run", "threads"),
    ("comments", "Comments in the threads archived or found unchanged", "comments"),
    ("packages_written", "New package versions stored by the last run", "packages_written"),
    ("packages_unchanged", "Threads captured and found unchanged", "packages_unchanged"),
    ("quarantined", "Threads quarantined (evidence kept with a report)", "quarantined"),
    ("failed", "Threads that failed and wait for the next run", "failed"),
    ("gone_at_source", "Threads deleted at the source", "gone_at_source"),
    ("incomplete_threads", "Threads archived with completeness gaps", "incomplete_threads"),
    ("rate_limit_waits", "Times the run waited for a platform's rate limit", "rate_limit_waits"),
)


def metrics_path(settings: Settings) -> Path:
    configured = settings.operations.metrics_file
    return Path(configured) if configured else settings.work_path / "metrics" / "socialarkiv.prom"


def write_metrics(settings: Settings, summary: Mapping[str, Any], *, ended: float, kind: str = "nightly") -> Path:
    """The run's summary as Prometheus gauges, labelled by run kind (nightly, webhooks), written atomically."""
    from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

    registry = CollectorRegistry()
    for name, help_text, key in _GAUGES:
        Gauge(f"socialarkiv_last_run_{name}", help_text, ["kind"], registry=registry).labels(kind).set(
            float(summary.get(key) or 0))
    Gauge("socialarkiv_last_run_account_errors", "Accounts the last run had to stop", ["kind"],
          registry=registry).labels(kind).set(len(summary.get("account_errors") or {}))
    changes = Gauge("socialarkiv_last_run_changes", "Changes found by the last run, by kind", ["kind", "change"],
                    registry=registry)
    for change, count in sorted((summary.get("changes") or {}).items()):
        changes.labels(kind, change).set(count)
    Gauge("socialarkiv_last_run_end_timestamp_seconds", "When the last run ended (Unix time)", ["kind"],
          registry=registry).labels(kind).set(ended)
    path = metrics_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind != "nightly":
        path = path.with_name(f"{path.stem}-{kind}{path.suffix}")
    write_to_textfile(str(path), registry)
    return path


def should_notify(settings: Settings, summary: Mapping[str, Any], problems: int) -> bool:
    when = settings.operations.notify
    return when == "always" or (when == "problems" and problems > 0)


def notify(settings: Settings, summary: Mapping[str, Any], problems: int, report_path: str, *,
           resolvers: Mapping[str, CredentialResolver] | None = None, transport: Any = None) -> list[str]:
    """Send the run's summary where ``[operations]`` says; returns the channels that were sent to."""
    config = settings.operations
    if not should_notify(settings, summary, problems):
        return []
    subject = (f"socialarkiv {settings.organisation}: run {summary.get('run_id')} "
               + (f"had {problems} problem(s)" if problems else "completed"))
    message = {"organisation": settings.organisation, "subject": subject, "problems": problems,
               "report": report_path, "summary": dict(summary)}
    sent = []
    if config.webhook_url:
        import httpx

        url = resolve_secret(config.webhook_url, "[operations] webhook_url", resolvers).reveal()
        try:
            with httpx.Client(timeout=10.0, transport=transport, follow_redirects=False) as client:
                client.post(url, json=message).raise_for_status()
            sent.append("webhook")
        except httpx.HTTPError as exc:  # never the URL: it may carry a token
            log.error("the failure notification webhook failed: %s", type(exc).__name__)
    if config.email_to:
        email = EmailMessage()
        email["Subject"], email["From"], email["To"] = subject, config.email_from, ", ".join(config.email_to)
        email.set_content(f"{subject}\n\nReport: {report_path}\n\n"
                          + json.dumps(dict(summary), indent=2, ensure_ascii=False, sort_keys=True))
        try:
            with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=15) as smtp:
                if config.smtp_starttls:
                    smtp.starttls()
                if config.smtp_user and config.smtp_password:
                    smtp.login(config.smtp_user, resolve_secret(config.smtp_password, "[operations] smtp_password",
                                                                resolvers).reveal())
                smtp.send_message(email)
            sent.append("email")
        except (OSError, smtplib.SMTPException) as exc:
            log.error("the failure notification e-mail to %d recipient(s) failed: %s", len(config.email_to),
                      type(exc).__name__)
    return sent


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the exception type, not its text, since
    an exception's text may quote a response). Our log calls never pass comment text or secrets."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname.lower(),
                 "logger": record.name, "message": record.getMessage()}
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)
