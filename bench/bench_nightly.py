"""Benchmark: a full nightly run, fake Graph API -> locked S3 (SeaweedFS) with PDF/A, on N worker processes.

The run is the DAG's: plan and list in one process, then the due threads are cut into the DAG's batches
(``schedule.batches``, ``[archive] batch_threads``) and each batch is captured and processed (normalise,
screen, render both PDF/A renditions, package, store under COMPLIANCE Object Lock, catalog) by a pool of
worker processes, as Airflow workers run the mapped ``archive`` task, and the report ends it. Airflow's own
cost per task instance (a process, the metadata database) is not in these numbers.
The catalog is a fresh PostgreSQL database at 127.0.0.1:5432 (``--catalog sqlite`` for one worker).
Then the same night is run again with nothing changed at the source. Prints JSON: seconds, threads per
second, seconds per stage (summed over workers), peak memory, API requests per thread against the minimum.

    .venv/bin/python -m bench.bench_nightly --threads 1000 --comments 50 --workers 2
    .venv/bin/python -m bench.bench_nightly --threads 1 --comments 20000 --workers 1   # one very large thread
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archiver.config import Settings, parse_settings
from archiver.connectors.base import ThreadRef
from archiver.fakes.demo import synthetic_page
from archiver.fakes.graph import FakeGraphServer
from archiver.pipeline import RunReport, list_due, plan_window, services_for, write_report
from archiver.render.pdf import ENGINES
from archiver.schedule import capture_cost, nightly_batches
from bench._setup import machine_reference, timed_services

_worker: dict[str, Any] = {}


def _init(settings: Settings) -> None:
    timings: Counter[str] = Counter()
    _worker["services"] = timed_services(services_for(settings), timings)
    _worker["timings"] = timings


def _archive(batch: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, float], float]:
    """One batch, as the DAG's archive task runs it."""
    from archiver.pipeline import archive_batch

    services, timings = _worker["services"], _worker["timings"]
    before = dict(timings)
    start = time.perf_counter()
    outcomes = archive_batch(services, [ThreadRef.from_dict(ref) for ref in batch])
    timings["total in workers"] += time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [o.to_dict() for o in outcomes], {k: v - before.get(k, 0.0) for k, v in timings.items()}, peak


def nightly(settings: Settings, end: datetime, workers: int, run_id: str) -> dict[str, Any]:
    """One night: plan and list here, capture and process on ``workers`` processes, report here."""
    from archiver.pipeline import ThreadOutcome

    services = services_for(settings)
    start = time.perf_counter()
    report = RunReport(run_id=run_id, started_at=end.strftime("%Y-%m-%dT%H:%M:%SZ"))
    refs: list[dict[str, Any]] = []
    costs: list[float] = []
    for account in settings.accounts:
        since, until = plan_window(services, account, end - timedelta(days=1), end)
        due = list_due(services, account.key, since, until)
        refs += [item.ref.to_dict() for item in due]
        costs += [capture_cost(item.reason) for item in due]
    listed = time.perf_counter() - start
    stages: Counter[str] = Counter()
    context = multiprocessing.get_context("spawn")
    # as the DAG's batch task does (its PARALLEL_TASKS = 8)
    work = nightly_batches(refs, costs, size=settings.batch_threads, parallel=max(workers, 8))
    with context.Pool(workers, initializer=_init, initargs=(settings,)) as pool:
        peak = 0.0
        for outcomes, timings, rss in pool.imap_unordered(_archive, work, chunksize=1):
            report.outcomes.extend(ThreadOutcome(**outcome) for outcome in outcomes)
            stages.update(timings)
            peak = max(peak, rss)
    report.ended_at = report.started_at
    write_report(services, report)
    seconds = time.perf_counter() - start
    services.catalog.engine.dispose()
    return {"seconds": round(seconds, 1), "plan + list seconds": round(listed, 2), "threads": len(refs),
            "batches": len(work),
            "threads_per_second": round(len(refs) / seconds, 2) if refs else None,
            "outcomes": report.counts(), "peak_rss_mb_worker": round(peak, 1),
            "stage_seconds_summed_over_workers": {k: round(v, 1) for k, v in sorted(stages.items())}}


def main() -> None:
    from tests.tools.postgres import fresh_database
    from tests.tools.seaweedfs import ACCESS_KEY, SECRET_KEY, SeaweedS3

    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engine", choices=ENGINES, default="direct")
    parser.add_argument("--catalog", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--no-rerun", action="store_true")
    args = parser.parse_args()
    reference_before = machine_reference()
    page = synthetic_page(args.threads, args.comments, seed=7)
    last_post = max(post.created_time for post in page.posts)
    night = datetime.strptime(last_post, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC) + timedelta(days=1)
    database = fresh_database("bench_nightly") if args.catalog == "postgresql" else contextlib.nullcontext(None)
    with tempfile.TemporaryDirectory(prefix="socialarkiv-nightly-") as folder, \
            SeaweedS3(Path(folder) / "s3") as s3, FakeGraphServer(page) as fake, database as catalog:
        out = Path(folder)
        s3.bucket("archive")
        archive: dict[str, Any] = {"organisation": "Bench", "store": str(out / "archive"), "work": str(out / "work"),
                                   "initial_since": "2026-01-01T00:00:00Z", "pdf_engine": args.engine}
        if catalog:
            archive["catalog"] = catalog
        settings = parse_settings({
            "archive": archive,
            "storage": {"kind": "s3", "endpoint": s3.endpoint, "region": "us-east-1", "bucket": "archive",
                        "access_key": f"value:{ACCESS_KEY}", "secret_key": f"value:{SECRET_KEY}"},
            "retention": [{"name": "dialog-10", "years": 10, "basis": "Bench: 10 years"}],
            "accounts": [{"key": "bench", "platform": "facebook", "account_id": page.id, "name": "Bench",
                          "base_url": fake.url, "api_version": "v23.0", "credential": f"value:{page.token}"}]},
            base=out)
        first = nightly(settings, night, args.workers, "bench-first")
        requests_first = fake.stats["requests"]
        result: dict[str, Any] = {
            "threads": args.threads, "comments_per_thread": args.comments, "workers": args.workers,
            "engine": args.engine, "catalog": args.catalog, "storage": "SeaweedFS S3, COMPLIANCE Object Lock",
            "first_run": first,
            "api_requests_first_run": requests_first,
            "api_requests_per_thread": round(requests_first / max(1, args.threads), 2),
            "minimum_requests": (math.ceil(args.threads / 100)
                                 + args.threads * (1 + math.ceil(max(1, args.comments) / 100))),
        }
        result["requests_vs_minimum"] = round(requests_first / result["minimum_requests"], 2)
        if not args.no_rerun:
            rerun = nightly(settings, night + timedelta(days=1), args.workers, "bench-rerun")
            rerun["api_requests"] = fake.stats["requests"] - requests_first
            rerun["fraction_of_first_run"] = round(rerun["seconds"] / first["seconds"], 3)
            result["unchanged_rerun"] = rerun
        objects = sum(page["KeyCount"] for page in s3.client().get_paginator("list_objects_v2").paginate(
            Bucket="archive"))
        result["s3_objects"] = objects
    result["machine_reference_seconds"] = {"before": reference_before, "after": machine_reference()}
    result["peak_rss_mb"] = {
        "main process (lists, reports)": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "largest child (a worker, a wkhtmltopdf/gs subprocess, or the S3 server)":
            round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
