"""The webhook path end to end: the receiver as its own process, the spool, and processing into the archive.

A comment posted and deleted between two nightly runs is archived from its webhook event; forged, replayed
and out-of-order deliveries, and deliveries while the processor is down or after the receiver crashed right
after acknowledging, are handled as the README documents.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from archiver.clock import FixedClock
from archiver.config import load_settings
from archiver.fakes.demo import DEMO_PAGE_ID
from archiver.fakes.graph import FakeGraphServer, FakePage, FakePost, Fault
from archiver.package.verify import verify_tree
from archiver.pipeline import head, process_webhook_events, run, services_for
from tests.conftest import ROOT, write_config

SECRET, VERIFY = "test-app-secret", "test-verify-token"
POST_ID = f"{DEMO_PAGE_ID}_801"
NIGHT = datetime(2026, 11, 3, 1, 30, tzinfo=UTC)


def _delivery(verb: str, comment: str, message: str | None, when: datetime) -> bytes:
    value: dict[str, object] = {"item": "comment", "verb": verb, "comment_id": comment, "post_id": POST_ID,
                                "parent_id": POST_ID, "sender_id": 90001, "sender_name": "Innbygger",
                                "created_time": int(when.timestamp())}
    if message is not None:
        value["message"] = message
    return json.dumps({"object": "page", "entry": [{"id": DEMO_PAGE_ID, "time": int(when.timestamp()),
                                                    "changes": [{"field": "feed", "value": value}]}]}).encode()


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


@pytest.fixture
def page() -> FakePage:
    post = FakePost(id=POST_ID, created_time="2026-11-01T10:00:00+0000", message="Søppeltømming er forsinket.",
                    comments=[{"id": "801_1", "created_time": "2026-11-01T10:05:00+0000", "message": "Hos oss også.",
                               "from": {"name": "Innbygger 1", "id": "90001"}, "is_hidden": False}])
    return FakePage(id=DEMO_PAGE_ID, name="Demo kommune", posts=[post])


@pytest.fixture
def config(tmp_path: Path, page: FakePage) -> Iterator[tuple[Path, FakeGraphServer]]:
    with FakeGraphServer(page) as server:
        path = write_config(tmp_path / "c.toml", server.url, tmp_path, page.token)
        path.write_text(path.read_text() + f'\n[webhooks]\napp_secret = "value:{SECRET}"\n'
                        f'verify_token = "value:{VERIFY}"\nport = 0\n', encoding="utf-8")
        yield path, server


class Receiver:
    def __init__(self, config: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "archiver.cli", "webhooks", "serve", "--config",
                                         str(config)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        assert line, self.process.stderr.read().decode() if self.process.stderr else "receiver did not start"
        self.url = json.loads(line)["url"]

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(self.url, content=body, headers=headers, timeout=10)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def receiver(config: tuple[Path, FakeGraphServer]) -> Iterator[Receiver]:
    started = Receiver(config[0])
    yield started
    if started.process.poll() is None:
        started.kill()


def test_handshake_and_refusals(receiver: Receiver, tmp_path: Path) -> None:
    ok = httpx.get(receiver.url, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                         "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = httpx.get(receiver.url, params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                            "hub.challenge": "1"})
    assert wrong.status_code == 403
    body = _delivery("add", "801_2", "Hei", NIGHT)
    assert receiver.post(body, {"Content-Type": "application/json"}).status_code == 403, "unsigned"
    assert receiver.post(body, _signed(body, "not-the-secret")).status_code == 403, "forged"
    tampered = body.replace(b"Hei", b"Hallo")
    assert receiver.post(tampered, _signed(body)).status_code == 403, "body changed after signing"
    assert receiver.post(b"x" * 1_000_001, _signed(b"x" * 1_000_001)).status_code == 413
    spool = tmp_path / "work" / "webhooks"
    assert list((spool / "incoming").glob("*.json")) == [], "nothing refused is kept as an event"
    log = (spool / "rejected.log").read_text()
    assert log.count("\n") == 5 and "signature does not match" in log and "unsigned" in log
    assert VERIFY not in log and "guess" not in log and "Hallo" not in log, "no secrets or content in the log"


def test_a_comment_that_lived_only_between_two_nightly_runs_is_archived(
        config: tuple[Path, FakeGraphServer], receiver: Receiver, page: FakePage, tmp_path: Path) -> None:
    path, server = config
    settings = load_settings(path)
    first = run(services_for(settings, clock=FixedClock(NIGHT)), NIGHT - timedelta(days=1), NIGHT)
    assert first.summary()["packages_written"] == 1

    # Daytime: a citizen posts a comment with an ID number, edits it, and deletes it before the next night.
    posted, edited = NIGHT + timedelta(hours=9), NIGHT + timedelta(hours=9, minutes=3)
    add = _delivery("add", "801_2", "Min sønn har personnummer 01010112345, hvem ringer jeg?", posted)
    edit = _delivery("edited", "801_2", "Hvem ringer jeg om søppeltømmingen?", edited)
    # out of order: the edit arrives before the add; the add is then delivered twice (a Meta retry)
    assert receiver.post(edit, _signed(edit)).status_code == 200
    assert receiver.post(add, _signed(add)).status_code == 200
    receiver.kill()  # a crash right after acknowledging: the events are already on disk
    again = Receiver(path)
    assert again.post(add, _signed(add)).status_code == 200
    again.kill()
    incoming = tmp_path / "work" / "webhooks" / "incoming"
    assert len(list(incoming.glob("*.json"))) == 2, "two events, the replay recognised as a duplicate"

    # The processor was down meanwhile; when it runs, the source first fails, and the events must wait.
    server.inject(Fault("http_500", path=r"/comments", times=100))
    failed = process_webhook_events(services_for(settings, clock=FixedClock(NIGHT + timedelta(hours=10))))
    assert failed.summary()["failed"] == 1 and len(list(incoming.glob("*.json"))) == 2
    server.clear_faults()

    processed = process_webhook_events(services_for(settings, clock=FixedClock(NIGHT + timedelta(hours=10))))
    assert processed.summary()["packages_written"] == 1, processed.to_dict()
    assert list(incoming.glob("*.json")) == [] and len(list((incoming.parent / "done").glob("*.json"))) == 2

    found = head(services_for(settings), "facebook", DEMO_PAGE_ID, POST_ID)
    assert found is not None and found.version == 2
    comment = next(c for c in found.thread.comments if c.id == "801_2")
    assert comment.text == "Hvem ringer jeg om søppeltømmingen?"
    assert [(v.text[:24], v.source) for v in comment.history.versions] == [("Min sønn har personnumme", "webhook")]
    history = comment.history
    assert (history.first_seen_at, history.missing_since) == ("2026-11-03T10:30:00Z", "2026-11-03T11:30:00Z")
    assert [(c.change, c.source) for c in history.changes] == [
        ("added", "webhook"), ("edited", "webhook"), ("missing", "capture")]
    package = Path(processed.outcomes[0].location)
    events = json.loads((package / "representations/evidence/data/webhook-events.json").read_text())
    assert [e["verb"] for e in events] == ["add", "edited"]
    assert not any(verify_tree(package).values())

    # the next nightly run keeps it (the capture does not hold it; the archive does)
    night2 = NIGHT + timedelta(days=1)
    run(services_for(settings, clock=FixedClock(night2)), NIGHT, night2)
    latest = head(services_for(settings), "facebook", DEMO_PAGE_ID, POST_ID)
    assert latest is not None and "801_2" in {c.id for c in latest.thread.comments}


def test_events_for_an_unconfigured_page_are_kept_apart(config: tuple[Path, FakeGraphServer],
                                                        receiver: Receiver, tmp_path: Path) -> None:
    body = _delivery("add", "801_9", "Hei", NIGHT).replace(DEMO_PAGE_ID.encode(), b"999", 1)
    assert receiver.post(body, _signed(body)).status_code == 200
    (tmp_path / "work" / "webhooks" / "incoming" / "broken.json").write_text("{not json")
    report = process_webhook_events(services_for(load_settings(config[0])))
    assert report.outcomes == []
    unmatched = tmp_path / "work" / "webhooks" / "unmatched"
    assert len(list(unmatched.glob("*.json"))) == 1 and (unmatched / "broken.unreadable").is_file()
