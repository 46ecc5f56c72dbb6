"""Benchmark: N threads x M comments from the fake Graph API to stored packages (serial, one process).

Prints threads per second, time per stage, peak memory (this process and the renderer subprocesses) and
API requests per thread against the minimum the API allows. Usage:

    .venv/bin/python bench/bench_pipeline.py [--threads 100] [--comments 50] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archiver.fakes.demo import synthetic_page
from archiver.fakes.graph import FakeGraphServer
from archiver.pipeline import run, services_for
from bench._setup import facebook_settings, timed_services


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=100)
    parser.add_argument("--comments", type=int, default=50)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="socialarkiv-bench-"))
    shutil.rmtree(out / "archive", ignore_errors=True)
    page = synthetic_page(args.threads, args.comments, seed=7)
    timings: dict[str, float] = {}

    with FakeGraphServer(page) as fake:
        settings = facebook_settings(out, fake, initial_since="2026-01-01T00:00:00Z")
        services = timed_services(services_for(settings), timings)
        start = time.perf_counter()
        report = run(services, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
        total = time.perf_counter() - start
        requests = dict(fake.stats)

    archived = report.counts().get("archived", 0)
    assert archived == args.threads, report.counts()
    minimum_per_thread = 1 + math.ceil(max(args.comments, 1) / 100)  # post + comment pages at limit=100
    minimum = math.ceil(args.threads / 100) + args.threads * minimum_per_thread
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    accounted = sum(timings.values())
    result = {
        "threads": args.threads, "comments_per_thread": args.comments, "seconds": round(total, 2),
        "threads_per_second": round(args.threads / total, 2),
        "stages_seconds": {**{k: round(v, 2) for k, v in timings.items()},
                           "validate + XML + package (rest)": round(total - accounted, 2)},
        "peak_rss_mb": {"pipeline process": round(self_rss, 1), "largest renderer subprocess": round(child_rss, 1)},
        "api_requests": requests.get("requests"),
        "api_requests_per_thread": round(requests["requests"] / args.threads, 2),
        "minimum_requests": minimum, "requests_vs_minimum": round(requests["requests"] / minimum, 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
