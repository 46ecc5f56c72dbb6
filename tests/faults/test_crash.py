"""The process killed (SIGKILL) between every pair of pipeline steps, then the nightly run again.

No partial package is ever visible, the rerun completes, nothing is duplicated, the catalog and the audit log
catch up, and the packages are byte for byte those of a run that was never interrupted."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.audit import AuditLog, check
from archiver.fakes.demo import synthetic_page
from archiver.fakes.graph import FakeGraphServer, FakePage
from archiver.storage.filesystem import FileStore
from tests.conftest import write_config
from tests.faults.conftest import assert_whole_archive

CRASH = Path(__file__).with_name("_crash.py")
pytestmark = pytest.mark.slow

# (where, before/after, which call): each a point between two steps of the pipeline
KILL_POINTS = [
    ("archiver.connectors.common:HttpConnector.capture_thread", "after", 2),  # captured, nothing processed
    ("archiver.render.direct:DirectRenderer.render_thread", "before", 2),  # normalised and screened, not rendered
    ("archiver.storage.filesystem:_fsync_dir", "before", 1),   # files staged, not published
    ("archiver.storage.filesystem:FileStore._write_lock", "before", 2),  # published, lock not recorded
    ("archiver.pipeline:audit", "before", 3),                   # the 2nd thread published, no audit event
    ("archiver.catalog.threads:Catalog.index_version", "before", 2),    # not in the search index
    ("archiver.catalog.threads:Catalog.record", "before", 2),   # indexed, scheduling row not written
    ("archiver.pipeline:write_report", "before", 1),            # every thread done, no report
    ("archiver.audit:AuditLog.seal", "before", 1),              # report written, audit events not sealed
]
ENV = {**os.environ, "SOCIALARKIV__ARCHIVE__FIXED_CLOCK": "2026-11-21T02:00:00Z"}


@pytest.fixture(scope="module")
def source() -> Iterator[tuple[FakePage, str]]:
    page = synthetic_page(3, 12, seed=3)
    with FakeGraphServer(page) as fake:
        yield page, fake.url


def _archiver(config: Path, *prefix: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, *prefix, *([] if prefix else ["-m", "archiver.cli"]), "run", "--config", str(config),
               "--since", "2026-01-01T00:00:00Z", "--until", "2026-11-21T00:00:00Z"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=ENV)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def reference(source: tuple[FakePage, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    page, url = source
    tmp = tmp_path_factory.mktemp("reference")
    done = _archiver(write_config(tmp / "config.toml", url, tmp, page.token, page.id))
    assert done.returncode == 0, done.stderr[-3000:]
    return _files(tmp / "archive" / "packages")


@pytest.mark.parametrize(("target", "when", "nth"), KILL_POINTS, ids=[f"{t.split(':')[1]}-{w}-{n}"
                                                                      for t, w, n in KILL_POINTS])
def test_killed_between_steps_then_rerun_completes_without_loss_or_duplicates(
        source: tuple[FakePage, str], reference: dict[str, bytes], tmp_path: Path, target: str, when: str,
        nth: int) -> None:
    page, url = source
    config = write_config(tmp_path / "config.toml", url, tmp_path, page.token, page.id)
    killed = _archiver(config, str(CRASH), target, when, str(nth), "--")
    assert killed.returncode == -9, f"the crash point was never reached: {killed.stderr[-2000:]}"
    packages = tmp_path / "archive" / "packages"
    if packages.exists():  # whatever is visible after the kill is whole
        from archiver.package.verify import verify_tree
        assert not any(verify_tree(packages).values()), "a partial package is visible after the kill"
    rerun = _archiver(config)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert_whole_archive(tmp_path / "archive", page, f"sqlite:///{tmp_path / 'work' / 'catalog.sqlite'}")
    files = _files(packages)
    assert sorted(files) == sorted(reference), "the rerun did not store exactly the uninterrupted run's packages"
    assert [name for name in files if files[name] != reference[name]] == []
    store = FileStore(tmp_path / "archive")
    problems, _ = check(AuditLog(store, tmp_path / "work" / "audit").segments(), None)
    assert problems == []
    events = AuditLog(store, tmp_path / "work" / "audit").events()
    packaged = {e["subject"] for e in events if e["kind"] == "package"}
    assert len(packaged) == len(page.posts), "a stored package has no audit event"
