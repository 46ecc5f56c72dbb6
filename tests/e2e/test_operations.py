"""Operations: the run report in the catalog, Prometheus metrics, failure notifications by webhook and e-mail
(to servers on 127.0.0.1), JSON logs without personal data or secrets, and the environment overrides."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from archiver.cli import main
from archiver.clock import FixedClock, parse_ts
from archiver.config import OperationsConfig, load_settings, parse_settings, with_environment
from archiver.errors import ConfigError
from archiver.fakes.graph import Fault
from archiver.pipeline import run, services_for
from tests.conftest import make_settings, write_config

NIGHT = parse_ts("2026-11-21T02:00:00Z")


class _Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["content-length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def test_a_failed_run_is_in_the_catalog_the_metrics_and_a_webhook_notification(fake_graph, tmp_path):
    receiver = _Receiver()
    try:
        settings = make_settings(tmp_path, fake_graph.url)
        settings = replace(settings, operations=OperationsConfig(
            webhook_url=f"value:http://127.0.0.1:{receiver.server_address[1]}/hook?token=s3cret"))
        fake_graph.inject(Fault("truncated", path=r"/comments", times=100))
        services = services_for(settings, clock=FixedClock(NIGHT))
        report = run(services, parse_ts("2026-01-01T00:00:00Z"), parse_ts("2026-11-21T00:00:00Z"))
    finally:
        receiver.shutdown()
    assert report.problems >= 1
    runs = services.catalog.runs()
    assert runs[0]["run_id"] == report.run_id and runs[0]["problems"] == report.problems
    assert Path(runs[0]["report"]).is_file()
    metrics = (tmp_path / "work" / "metrics" / "socialarkiv.prom").read_text()
    assert 'socialarkiv_last_run_threads{kind="nightly"} 5.0' in metrics
    assert f'socialarkiv_last_run_quarantined{{kind="nightly"}} {float(report.summary()["quarantined"])}' in metrics
    assert len(receiver.bodies) == 1 and receiver.bodies[0]["problems"] == report.problems
    assert "Hei, dette svar" not in json.dumps(receiver.bodies)


def test_e_mail_notification_reaches_an_smtp_server(tmp_path):
    smtpd = pytest.importorskip("smtpd")  # the standard library's test SMTP server (Python 3.11)
    import asyncore

    from archiver.operations import notify

    class Sink(smtpd.SMTPServer):
        messages: ClassVar[list[bytes]] = []

        def process_message(self, peer: Any, mailfrom: str, rcpttos: list[str], data: bytes, **kw: Any) -> None:
            self.messages.append(data)

    server = Sink(("127.0.0.1", 0), None)
    loop = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.1, "count": 100}, daemon=True)
    loop.start()
    settings = replace(make_settings(tmp_path, "http://127.0.0.1:9"), operations=OperationsConfig(
        email_to=("arkiv@kommune.example",), smtp_host="127.0.0.1", smtp_port=server.socket.getsockname()[1]))
    sent = notify(settings, {"run_id": "run-1", "threads": 3, "failed": 1}, 1, "/reports/run-1.json")
    loop.join(timeout=15)
    server.close()
    assert sent == ["email"]
    assert b"run run-1 had 1 problem(s)" in Sink.messages[0] and b"/reports/run-1.json" in Sink.messages[0]


def test_json_logs_carry_no_comment_text_or_token(fake_graph, tmp_path, capsys):
    config = write_config(tmp_path / "c.toml", fake_graph.url, tmp_path, fake_graph.page.token)
    assert main(["--log-format", "json", "-v", "run", "--config", str(config), "--since", "2026-01-01T00:00:00Z",
                 "--until", "2026-11-21T00:00:00Z"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message"} <= set(json.loads(line)) for line in lines)
    text = "\n".join(lines)
    assert fake_graph.page.token not in text
    assert not any(c["message"][:30] in text for post in fake_graph.page.posts for c in post.comments
                   if len(c.get("message", "")) > 30)


def test_environment_overrides_the_file_for_containers(tmp_path, monkeypatch):
    config = write_config(tmp_path / "c.toml", "http://127.0.0.1:9", tmp_path, "t")
    monkeypatch.setenv("SOCIALARKIV__ARCHIVE__CATALOG", "postgresql+psycopg2://archiver@db/socialarkiv")
    monkeypatch.setenv("SOCIALARKIV__ARCHIVE__LOOKBACK_DAYS", "14")
    monkeypatch.setenv("SOCIALARKIV__OPERATIONS__EMAIL_TO", '["drift@kommune.example"]')
    settings = load_settings(config)
    assert settings.catalog_url == "postgresql+psycopg2://archiver@db/socialarkiv" and settings.lookback_days == 14
    assert settings.operations.email_to == ("drift@kommune.example",)
    with pytest.raises(ConfigError, match="SOCIALARKIV__ACCOUNTS__KEY"):
        with_environment({}, {"SOCIALARKIV__ACCOUNTS__KEY": "x"})
    with pytest.raises(ConfigError, match="credential reference"):
        parse_settings({"archive": {"organisation": "x"}, "operations": {"webhook_url": "https://h/t"},
                        "accounts": [{"key": "a", "platform": "facebook", "account_id": "1", "name": "a",
                                      "base_url": "https://graph.facebook.com", "api_version": "v23.0",
                                      "credential": "env:X"}]},
                       base=tmp_path)
