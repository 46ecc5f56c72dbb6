"""Catalog search latency on SQLite (FTS5) and PostgreSQL (norwegian + danish tsvector), and storage
throughput to SeaweedFS with Object Lock.

    .venv/bin/python -m bench.bench_catalog --threads 4000 --comments 50 --backend both --s3-packages 200

Synthetic threads (Norwegian and Danish words drawn from a fixed vocabulary, seeded) are indexed through
``Catalog.index_version``, the path every stored version takes. Then typical records-officer queries run
``--repeat`` times each; the median and 95th percentile are printed. PostgreSQL uses a fresh database on
127.0.0.1:5432 (dropped afterwards).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from archiver.catalog import Catalog
from archiver.model import Author, Comment, Completeness, Post, Provenance, Source, Thread
from archiver.retention import Lock

WORDS = ("brøyting snø vei veien kommunen søknad søknaden barnehage barnehageplass skole buss bussen parkering "
         "gate gata stengt åpent klage klagen vann avløp renovasjon søppel bibliotek park parken benk lys "
         "fortau sykkel sykkelvei hul hullet asfalt trafikk støy nabo naboen tak regning faktura frist "
         "kommunerne vejen skolen børnehave affald cykelsti hullerne tilladelse borgere ansøgning "
         "takk hei ok bra dårlig når hvorfor hvem hvor lenge allerede igjen mandag tirsdag lørdag").split()


def _thread(rng: random.Random, n: int, comments: int) -> Thread:
    post_id = f"100_{n}"
    day = 1 + n % 28
    created = f"2026-{1 + n % 12:02d}-{day:02d}T08:00:00Z"
    text = lambda k: " ".join(rng.choice(WORDS) for _ in range(k))  # noqa: E731
    post = Post(post_id, Author("100", "Kommunen", True), created, text(25))
    items = tuple(Comment(f"{post_id}_{i}", None, Author(f"9{i}", f"Innbygger {i}"), created, text(18))
                  for i in range(comments))
    provenance = Provenance(created, created, "bench", "1", "graph", "v23.0", 2, Completeness(comments, comments, True))
    return Thread(Source("facebook", "100", "Bench kommune", post_id, None), post, items, provenance)


def _index(catalog: Catalog, threads: int, comments: int, seed: int) -> float:
    rng = random.Random(seed)
    lock = Lock("2037-01-01T00:00:00Z", "dialog-10", "plan 4.2", False)
    started = time.perf_counter()
    for n in range(threads):
        thread = _thread(rng, n, comments)
        meta = {"id": f"facebook-{n}-v00001", "version": 1, "previous": None, "created": thread.post.created_at,
                "content_hash": {"value": f"{n:064x}"}, "access": {"skjerming": {"x": 1} if n % 20 == 0 else None},
                "records": {"account_key": "bench" if n % 2 else "bench-2", "classification": "dialog"}}
        catalog.index_version(f"packages/facebook/100/100_{n}/v00001", meta, thread, lock)
        if n and n % 1000 == 0:
            print(f"  indexed {n} threads ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return time.perf_counter() - started


QUERIES = {
    "one word": dict(query="brøyting"),
    "inflected word (stems)": dict(query="søknadene"),
    "two words": dict(query="barnehage søknad"),
    "Danish word": dict(query="børnehaven"),
    "words + account + date range": dict(query="hullet asfalt", account="bench", since="2026-03-01T00:00:00Z",
                                         until="2026-06-01T00:00:00Z"),
    "filter only: not sensitive, one account": dict(query=None, sensitive=False, account="bench-2"),
    "retention due": dict(query=None, retention="due", now="2040-01-01T00:00:00Z"),
}


def _latencies(catalog: Catalog, repeat: int) -> dict[str, tuple[float, float, int]]:
    out = {}
    for name, arguments in QUERIES.items():
        arguments = dict(arguments)
        query = arguments.pop("query")
        times, hits = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            hits = len(catalog.search(query, limit=50, **arguments))  # type: ignore[arg-type]
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        out[name] = (statistics.median(times), times[int(0.95 * (len(times) - 1))], hits)
    return out


def _report(backend: str, seconds: float, threads: int, comments: int, latencies: dict) -> None:
    print(f"\n{backend}: indexed {threads:,} threads / {threads * comments:,} comments in {seconds:.1f} s "
          f"({threads / seconds:.0f} threads/s)")
    print("| query | median ms | p95 ms | hits (limit 50) |\n|---|---|---|---|")
    for name, (median, p95, hits) in latencies.items():
        print(f"| {name} | {median:.1f} | {p95:.1f} | {hits} |")


def _s3(packages: int) -> None:
    from archiver.storage.s3 import S3Store
    from tests.tools.seaweedfs import SeaweedS3, weed_binary

    if weed_binary() is None:
        print("S3: the weed binary is missing; skipped")
        return
    rng = random.Random(7)
    files = {"METS.xml": rng.randbytes(20_000), "representations/rendition/data/thread.pdf": rng.randbytes(180_000),
             "representations/normalised/data/thread.json": rng.randbytes(60_000),
             "representations/normalised/data/thread.xml": rng.randbytes(70_000),
             "representations/evidence/data/capture.json": rng.randbytes(90_000),
             "metadata/preservation/premis.xml": rng.randbytes(15_000), "manifest-sha256.txt": rng.randbytes(2_000)}
    size = sum(map(len, files.values()))
    lock = Lock("2037-01-01T00:00:00Z", "dialog-10", "plan 4.2", False)
    with tempfile.TemporaryDirectory() as folder, SeaweedS3(Path(folder)) as server:
        server.bucket("bench-store")
        store = S3Store(server.client(), "bench-store")
        started = time.perf_counter()
        for n in range(packages):
            store.publish(f"packages/facebook/100/{n}/v00001", files, lock)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        for n in range(min(packages, 50)):
            for name in files:
                store.read(f"packages/facebook/100/{n}/v00001/{name}")
        read_seconds = time.perf_counter() - started
    print(f"\nS3 (SeaweedFS weed mini, loopback, COMPLIANCE lock, SHA-256 per object): {packages} packages x "
          f"{len(files) + 1} objects, {size / 1e6:.2f} MB each: {seconds:.1f} s, {packages / seconds:.1f} "
          f"packages/s, {packages * size / 1e6 / seconds:.1f} MB/s; verified reads "
          f"{min(packages, 50) * size / 1e6 / read_seconds:.1f} MB/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=4000)
    parser.add_argument("--comments", type=int, default=50)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--s3-packages", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            catalog = Catalog(f"sqlite:///{folder}/bench.sqlite")
            seconds = _index(catalog, args.threads, args.comments, args.seed)
            _report("SQLite (FTS5)", seconds, args.threads, args.comments, _latencies(catalog, args.repeat))
            catalog.close()
    if args.backend in ("postgresql", "both"):
        import psycopg2

        name = f"socialarkiv_bench_{uuid.uuid4().hex[:8]}"
        admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
        admin.autocommit = True
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        try:
            catalog = Catalog(f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}")
            seconds = _index(catalog, args.threads, args.comments, args.seed)
            with catalog.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
            _report("PostgreSQL 15 (norwegian + danish tsvector, GIN)", seconds, args.threads, args.comments,
                    _latencies(catalog, args.repeat))
            catalog.close()
        finally:
            admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.s3_packages:
        _s3(args.s3_packages)


if __name__ == "__main__":
    main()
