"""Correct under parallelism, on PostgreSQL.

* The nightly DAG run by Airflow's CeleryExecutor, as docker/compose.yaml deploys it (the Redis at
  127.0.0.1:6379 as broker, two ``airflow celery worker`` processes of concurrency 2, a real
  ``airflow api-server``; parallelism 4), stores exactly the packages of a serial ``dag.test()`` run, byte for
  byte, one version per thread, and the same catalog.
* Four workers processing the same capture of one thread at the same moment store one version, not four.
* Four workers with four different captures of one thread store a gapless chain of versions.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from archiver.clock import FixedClock, parse_ts
from archiver.fakes.demo import demo_page
from archiver.fakes.graph import FakeGraphServer
from archiver.package.verify import verify_tree
from archiver.pipeline import CaptureResult, capture, process, services_for
from tests.conftest import make_settings, postgres_database

RUNNER = Path(__file__).with_name("_parallel_runner.py")
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _catalog(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT platform, account_id, post_id, head_version, content_hash, "
                                       "last_captured_at FROM threads ORDER BY 1, 2, 3")).all()
        rows += connection.execute(text("SELECT package_id, version, content_hash, path FROM versions "
                                        "ORDER BY 1")).all()
        rows += connection.execute(text("SELECT platform, post_id, entry_id, restricted FROM entries "
                                        "ORDER BY 1, 2, 3")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def _empty_redis_database() -> str:
    """The URL of an empty database of the Redis at 127.0.0.1:6379 (its tasks and nobody else's), or skip."""
    redis = pytest.importorskip("redis")
    for number in range(15, 0, -1):
        client = redis.Redis(host="127.0.0.1", port=6379, db=number, socket_connect_timeout=3)
        try:
            if client.dbsize() == 0:
                return f"redis://127.0.0.1:6379/{number}"
        except redis.RedisError as exc:
            pytest.skip(f"the CeleryExecutor run needs Redis at 127.0.0.1:6379: {exc}")
        finally:
            client.close()
    pytest.skip("every database of the Redis at 127.0.0.1:6379 holds keys; the Celery broker needs an empty one")


def test_parallel_nightly_run_stores_exactly_the_packages_of_a_serial_run(tmp_path: Path) -> None:
    broker = _empty_redis_database()
    with postgres_database("socialarkiv_af") as airflow, postgres_database("socialarkiv_serial") as one, \
            postgres_database("socialarkiv_parallel") as four:
        try:
            result = subprocess.run([sys.executable, str(RUNNER), str(tmp_path), airflow, one, four,
                                     "CeleryExecutor", broker], capture_output=True, text=True, timeout=900,
                                    env=dict(os.environ))
        finally:
            import redis

            redis.Redis.from_url(broker).flushdb()
        assert result.returncode == 0, result.stderr[-4000:]
        outcomes = json.loads(result.stdout.strip().splitlines()[-1])
        serial_catalog, parallel_catalog = _catalog(one), _catalog(four)
    serial, parallel = outcomes["serial"], outcomes["parallel"]
    serial_files = _files(tmp_path / "serial" / "archive" / "packages")
    parallel_files = _files(tmp_path / "parallel" / "archive" / "packages")
    for outcome in (serial, parallel):
        assert outcome["state"] in ("success", "DagRunState.SUCCESS"), outcome
        assert outcome["report"]["packages_written"] == outcome["report"]["threads"] == 23, outcome["report"]
    assert parallel["peak_running_at_once"] >= 2, "the Celery workers never ran two tasks at once"
    celery = parallel["celery"]
    assert celery["result_states"] == {"SUCCESS": parallel["task_instances"]}, celery
    assert sum(celery["finished_by_worker"].values()) == parallel["task_instances"], celery
    assert all(count > 0 for count in celery["finished_by_worker"].values()), "one Celery worker took every task"
    assert serial["peak_running_at_once"] == 1
    assert sorted(parallel_files) == sorted(serial_files)
    assert [name for name in serial_files if parallel_files[name] != serial_files[name]] == []
    versions = {Path(name).parts[3] for name in serial_files}
    assert versions == {"v00001"}, "a thread got more than one version"
    assert parallel_catalog == serial_catalog
    results = verify_tree(tmp_path / "parallel" / "archive" / "packages")
    assert len(results) == 23 and not any(results.values())


def _process_at_once(settings: Any, result: CaptureResult, start: Any) -> dict[str, Any]:
    services = services_for(settings, clock=FixedClock(parse_ts("2026-11-21T02:00:00Z")))
    start.wait(timeout=60)
    return process(services, result).to_dict()


def _pool_run(settings: Any, results: list[CaptureResult]) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        start = manager.Barrier(len(results))
        with context.Pool(len(results)) as pool:
            return pool.starmap(_process_at_once, [(settings, result, start) for result in results])


def test_four_workers_on_one_capture_store_one_version_and_four_captures_a_gapless_chain(tmp_path: Path) -> None:
    page = demo_page()
    post = page.posts[0]
    with postgres_database("socialarkiv_race") as catalog, FakeGraphServer(page) as fake:
        settings = replace(make_settings(tmp_path, fake.url, page), catalog_url=catalog)
        services = services_for(settings, clock=FixedClock(parse_ts("2026-11-21T02:00:00Z")))
        ref = next(r for r in services.connector_for(settings.accounts[0]).list_threads(
            parse_ts("2026-01-01T00:00:00Z"), parse_ts("2027-01-01T00:00:00Z")) if r.post_id == post.id)
        first = capture(services, ref)
        outcomes = _pool_run(settings, [first] * 4)
        assert sorted(o["status"] for o in outcomes) == ["archived", "unchanged", "unchanged", "unchanged"]
        thread_dir = tmp_path / "archive" / "packages" / "facebook" / page.id / post.id
        assert sorted(p.name for p in thread_dir.iterdir()) == ["v00001"]

        captures = []
        for n in range(4):  # four later captures, each finding one more comment
            post.comments.append({**post.comments[0], "id": f"{post.id.split('_')[1]}_race{n}",
                                  "message": f"Kommentar {n} fra samtidig fangst", "created_time":
                                  f"2026-11-20T1{n}:00:00+0000"})
            services.clock = FixedClock(parse_ts(f"2026-11-21T0{3 + n}:00:00Z"))
            captures.append(capture(services, ref))
        outcomes = _pool_run(settings, captures)
        assert [o["status"] for o in outcomes].count("archived") >= 1
        versions = sorted(p.name for p in thread_dir.iterdir())
        assert versions == [f"v{n:05d}" for n in range(1, len(versions) + 1)], "a gap or a duplicate version"
        latest = json.loads((thread_dir / versions[-1] / "representations/normalised/data/thread.json").read_text())
        kept = {c["id"] for c in latest["comments"]}
        assert {f"{post.id.split('_')[1]}_race{n}" for n in range(4)} <= kept, "a concurrent capture was lost"
        state = services.catalog.thread("facebook", page.id, post.id)
        assert state is not None and state.head_version == len(versions)
        assert not any(verify_tree(tmp_path / "archive" / "packages").values())
