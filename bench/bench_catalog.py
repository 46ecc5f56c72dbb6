"""Catalog at scale: rebuild time and search latency on SQLite (FTS5) and PostgreSQL (norwegian + danish
tsvector), and storage throughput to SeaweedFS with Object Lock.

    .venv/bin/python -m bench.bench_catalog --threads 100000 --comments 50 --backend both --s3-packages 200

1. A synthetic store: ``--threads`` threads of ``--comments`` comments, written as stored versions (the
   package's ``package.json``, its normalised ``thread.json`` and its lock record; the rest of a package is
   not read by the catalog). Comment text is drawn from a Zipf distribution over a vocabulary of Norwegian and
   Danish words and fillers, like real text: function words are everywhere, topical words are rarer. The
   files are written without fsync (bench data; the store's publish is otherwise the real one).
2. ``archiver.catalog.rebuild`` fills an empty catalog from that store, on each backend: the catalog rebuild
   time, and the indexing path every stored version takes.
3. Typical records-officer queries run ``--repeat`` times each; median and 95th percentile are printed.

PostgreSQL uses a fresh database on 127.0.0.1:5432 (dropped afterwards).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from unittest import mock

from archiver.audit import AuditLog
from archiver.catalog import Catalog
from archiver.catalog.rebuild import rebuild
from archiver.model import Author, Comment, Completeness, Post, Provenance, Source, Thread
from archiver.package.build import PACKAGE_JSON, THREAD_JSON
from archiver.retention import Lock
from archiver.storage.filesystem import FileStore

FUNCTION_WORDS = ("og i det er på som ikke for jeg at en til med har de av den vi å så kan du om men vil skal "
                  "hva også der var meg seg her eller bare noe når nå da fra alle kan").split()
TOPICAL = ("brøyting snø vei veien kommunen søknad søknaden barnehage barnehageplass skole buss bussen parkering "
           "gate gata stengt åpent klage klagen vann avløp renovasjon søppel bibliotek park parken benk lys "
           "fortau sykkel sykkelvei hull hullet asfalt trafikk støy nabo naboen tak regning faktura frist "
           "kommunerne vejen skolen børnehave affald cykelsti hullerne tilladelse borgere ansøgning "
           "takk hei ok bra dårlig hvorfor hvem hvor lenge allerede igjen mandag tirsdag lørdag").split()


def _vocabulary(size: int) -> tuple[list[str], list[float]]:
    """Function words first, topical words spread over ranks 40..~2,000, fillers in between (Zipf, s=1)."""
    words = list(dict.fromkeys(FUNCTION_WORDS))
    fillers = (f"ord{n}" for n in itertools.count())
    for rank, word in enumerate(TOPICAL):
        target = 40 + rank * 30
        while len(words) < target:
            words.append(next(fillers))
        words.append(word)
    while len(words) < size:
        words.append(next(fillers))
    return words, [1 / (rank + 1) for rank in range(len(words))]


class _Generator:
    def __init__(self, seed: int, vocabulary: int = 5000) -> None:
        self.rng = random.Random(seed)
        self.words, weights = _vocabulary(vocabulary)
        self.cumulative = list(itertools.accumulate(weights))

    def text(self, k: int) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cumulative, k=k))

    def thread(self, n: int, comments: int) -> Thread:
        post_id = f"100_{n}"
        created = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T08:{n % 60:02d}:00Z"
        post = Post(post_id, Author("100", "Kommunen", True), created, self.text(25))
        items = tuple(Comment(f"{post_id}_{i}", None, Author(f"9{i}", f"Innbygger {i}"),
                              f"{created[:14]}{n % 60:02d}:{i % 60:02d}Z", self.text(18)) for i in range(comments))
        provenance = Provenance(created, created, "bench", "1", "graph", "v23.0", 2,
                                Completeness(comments, comments, True))
        return Thread(Source("facebook", "100", "Bench kommune", post_id, None), post, items, provenance)


def _write_store(root: Path, threads: int, comments: int, seed: int) -> float:
    """The synthetic store (see the module docstring)."""
    store = FileStore(root)
    generator = _Generator(seed)
    lock = Lock("2037-01-01T00:00:00Z", "dialog-10", "plan 4.2", False)
    started = time.perf_counter()
    with mock.patch("os.fsync"):
        for n in range(threads):
            thread = generator.thread(n, comments)
            relative = f"packages/facebook/100/100_{n}/v00001"
            meta = {"id": f"facebook-100-100_{n}-v00001", "version": 1, "previous": None,
                    "created": thread.post.created_at, "content_hash": {"algorithm": "sha256", "value": f"{n:064x}"},
                    "access": {"skjerming": {"basis": "offl. § 13"} if n % 20 == 0 else None},
                    "records": {"account_key": "bench" if n % 2 else "bench-2", "classification": "dialog"}}
            store.publish(relative, {PACKAGE_JSON: json.dumps(meta).encode(),
                                     THREAD_JSON: json.dumps(thread.to_dict(), ensure_ascii=False).encode()}, lock)
            if n and n % 10_000 == 0:
                print(f"  wrote {n:,} threads ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return time.perf_counter() - started


QUERIES = {
    "common word (in ~5% of comments)": dict(query="brøyting"),
    "topical word, inflected (stems)": dict(query="søknadene"),
    "two words": dict(query="barnehage søknad"),
    "rare Danish word": dict(query="ansøgningen"),
    "word + account + date range": dict(query="asfalt", account="bench", since="2026-03-01T00:00:00Z",
                                         until="2026-06-01T00:00:00Z"),
    "common word, second page": dict(query="brøyting", offset=50),
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


def _run(backend: str, url: str, root: Path, threads: int, comments: int, repeat: int) -> None:
    catalog = Catalog(url)
    store = FileStore(root)
    started = time.perf_counter()
    report = rebuild(store, AuditLog(store, root.parent / "spool"), catalog)
    seconds = time.perf_counter() - started
    if report.problems or report.versions != threads:
        raise SystemExit(f"rebuild went wrong: {report}")
    if catalog.dialect == "postgresql":
        with catalog.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    latencies = _latencies(catalog, repeat)
    catalog.close()
    print(f"\n{backend}: catalog rebuilt from {threads:,} stored versions / {threads * comments:,} comments in "
          f"{seconds:.0f} s ({threads / seconds:.0f} versions/s)")
    print("| query | median ms | p95 ms | hits (limit 50) |\n|---|---|---|---|")
    for name, (median, p95, hits) in latencies.items():
        print(f"| {name} | {median:.1f} | {p95:.1f} | {hits} |")
    sys.stdout.flush()


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
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "store"
        seconds = _write_store(root, args.threads, args.comments, args.seed)
        print(f"synthetic store: {args.threads:,} threads x {args.comments} comments written in {seconds:.0f} s")
        if args.backend in ("sqlite", "both"):
            _run("SQLite (FTS5)", f"sqlite:///{folder}/bench.sqlite", root, args.threads, args.comments,
                 args.repeat)
        if args.backend in ("postgresql", "both"):
            import psycopg2

            name = f"socialarkiv_bench_{uuid.uuid4().hex[:8]}"
            admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
            admin.autocommit = True
            admin.cursor().execute(f'CREATE DATABASE "{name}"')
            try:
                _run("PostgreSQL 15 (norwegian + danish tsvector, GIN)",
                     f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}", root, args.threads, args.comments,
                     args.repeat)
            finally:
                admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.s3_packages:
        _s3(args.s3_packages)


if __name__ == "__main__":
    main()
