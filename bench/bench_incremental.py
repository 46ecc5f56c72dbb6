"""Benchmark: what a rerun costs against an archive of N threads (incremental capture, issue 4).

A synthetic Facebook page of N threads (one posted every ``--spacing-hours``, so most are older than the
30-day look-back) is archived once; then the nightly run repeats the next day with no change at the source,
and once more after ``--changed`` threads received a new comment. Prints seconds, API requests and packages
written for each run, and the rerun as a fraction of the first run. Usage:

    .venv/bin/python bench/bench_incremental.py [--threads 1000] [--comments 10] [--changed 10] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archiver.clock import FixedClock
from archiver.fakes.demo import synthetic_page
from archiver.fakes.graph import FakeGraphServer
from archiver.pipeline import run, services_for
from bench._setup import facebook_settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=10)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--spacing-hours", type=float, default=12.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="socialarkiv-bench-incremental-"))
    shutil.rmtree(out, ignore_errors=True)
    first_post = datetime(2025, 1, 1, tzinfo=UTC)
    page = synthetic_page(args.threads, args.comments, seed=11, start=first_post)
    for number, post in enumerate(page.posts):  # spread the posts out in time
        created = first_post + timedelta(hours=args.spacing_hours * number)
        post.created_time = post.updated_time = created.strftime("%Y-%m-%dT%H:%M:%S+0000")
    night = first_post + timedelta(hours=args.spacing_hours * args.threads, days=1)
    runs = []
    with FakeGraphServer(page) as fake:
        settings = facebook_settings(out, fake, initial_since="2024-01-01T00:00:00Z")

        def nightly(label: str, end: datetime) -> None:
            before = fake.stats["requests"]
            start = time.perf_counter()
            report = run(services_for(settings, clock=FixedClock(end)), end - timedelta(days=1), end)
            seconds = time.perf_counter() - start
            summary = report.summary()
            assert not report.problems, summary
            runs.append({"run": label, "seconds": round(seconds, 2), "api_requests": fake.stats["requests"] - before,
                         "threads_captured": summary["threads"], "packages_written": summary["packages_written"]})

        nightly("first run", night)
        nightly("rerun, nothing changed", night + timedelta(days=1))
        oldest = page.posts[: args.changed]
        for post in oldest:
            comment = dict(post.comments[-1], id=f"{post.comments[-1]['id']}9", message="Ny kommentar")
            post.comments.append(comment)
            post.updated_time = (night + timedelta(days=1, hours=12)).strftime("%Y-%m-%dT%H:%M:%S+0000")
        nightly(f"rerun, {args.changed} old threads with a new comment", night + timedelta(days=2))
    first = runs[0]
    for entry in runs[1:]:
        entry["fraction_of_first_run"] = {"seconds": round(entry["seconds"] / first["seconds"], 4),
                                          "api_requests": round(entry["api_requests"] / first["api_requests"], 4)}
    print(json.dumps({"threads": args.threads, "comments_per_thread": args.comments,
                      "lookback_days": settings.lookback_days, "revisit_days": settings.revisit_days,
                      "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
