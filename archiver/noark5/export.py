"""``archiver export noark5``: read the store, build the extraction, check it, publish it atomically as a folder
and a tar for deposit.

    <out>/<uuid>/          the extraction (arkivstruktur.xml ... dokumenter/)
    <out>/<uuid>.tar       the same folder packed (ustar, sorted, fixed times and owners: reproducible)

The uuid derives from the organisation and the period, so a rerun finds the extraction already there and
writes nothing. Both are staged in ``<out>/.staging-*`` and renamed into place only after the Arkade-style
checks pass; nothing half-written is ever visible.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import ConfigError, StorageError
from ..model import Thread
from ..package.build import PACKAGE_JSON, PUBLIC_PDF, THREAD_JSON, THREAD_PDF, parse_version
from ..storage import Store, store_for
from .check import extraction_problems
from .extract import SCHEMA_FILES, ArchivedVersion, Period, build_extraction

__all__ = ["ExportResult", "export_noark5", "load_schemas", "stored_versions"]

_NAMESPACE = uuid.UUID("2c4e6a80-1b3d-4f5a-8c7e-9d0f1a2b3c4d")
SCHEMA_HELP = ("download Arkivverket's official Noark 5 schemas (https://github.com/arkivverket/schemas, folders "
               "N5/latest and ADDML/latest) into one folder and name it with --schemas or [noark5] schemas")


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    tar: Path
    journalposts: int
    documents: int
    created: bool  # False when the same extraction was already there


def load_schemas(folder: Path | None) -> dict[str, bytes]:
    if folder is None:
        raise ConfigError(f"the Noark 5 export needs the official schemas: {SCHEMA_HELP}")
    missing = [name for name in SCHEMA_FILES if not (folder / name).is_file()]
    if missing:
        raise ConfigError(f"{folder} lacks {', '.join(missing)}: {SCHEMA_HELP}")
    return {name: (folder / name).read_bytes() for name in SCHEMA_FILES}


def _package_dirs(store: Store) -> Iterator[tuple[str, int]]:
    for platform in store.children("packages"):
        for account in store.children(f"packages/{platform}"):
            for post in store.children(f"packages/{platform}/{account}"):
                base = f"packages/{platform}/{account}/{post}"
                for name in store.children(base):
                    version = parse_version(name)
                    if version is not None:
                        yield f"{base}/{name}", version


def stored_versions(store: Store, period: Period) -> list[ArchivedVersion]:
    """The versions stored in ``period``, numbered over the whole store: cases by first archiving within their
    year, journalposts by archiving time within theirs, so the numbers hold in every later extraction."""
    index = []
    for relative, _version in _package_dirs(store):
        meta = json.loads(store.read(f"{relative}/{PACKAGE_JSON}"))
        index.append((relative, meta))
    threads: dict[str, str] = {}
    for relative, meta in index:
        key = relative.rsplit("/", 1)[0]
        created = str(meta["created"])
        threads[key] = min(threads.get(key, created), created)
    case_numbers: dict[str, int] = {}
    by_year: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, first in threads.items():
        by_year[first[:4]].append((first, key))
    for entries in by_year.values():
        for number, (_first, key) in enumerate(sorted(entries), start=1):
            case_numbers[key] = number
    journal: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for _relative, meta in index:
        journal[str(meta["created"])[:4]].append((str(meta["created"]), str(meta["id"])))
    journal_numbers = {identifier: number for entries in journal.values()
                       for number, (_created, identifier) in enumerate(sorted(entries), start=1)}
    chosen = []
    for relative, meta in index:
        created = str(meta["created"])
        if not period.holds(created):
            continue
        key = relative.rsplit("/", 1)[0]
        thread = Thread.from_dict(json.loads(store.read(f"{relative}/{THREAD_JSON}")))
        try:
            public = store.read(f"{relative}/{PUBLIC_PDF}")
        except FileNotFoundError:
            public = None
        chosen.append(ArchivedVersion(
            package_id=str(meta["id"]), version=int(meta["version"]), created=created, thread=thread,
            pdf=store.read(f"{relative}/{THREAD_PDF}"), public_pdf=public, first_archived=threads[key],
            case_number=case_numbers[key], journal_number=journal_numbers[str(meta["id"])]))
    return chosen


def _tar(folder_name: str, files: dict[str, bytes], mtime: int) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        directories = sorted({f"{folder_name}/{d}" for path in files for d in _parents(path)} | {folder_name})
        for directory in directories:
            info = tarfile.TarInfo(directory)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, mtime
            tar.addfile(info)
        for path in sorted(files):
            info = tarfile.TarInfo(f"{folder_name}/{path}")
            info.size, info.mode, info.mtime = len(files[path]), 0o644, mtime
            tar.addfile(info, io.BytesIO(files[path]))
    return out.getvalue()


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def export_noark5(settings: Settings, period: Period, out: Path, schemas: Path | None, exported_at: str
                  ) -> ExportResult:
    """Build, check and publish the extraction of ``settings.organisation`` for ``period`` under ``out``."""
    creator = settings.organisation_id or settings.organisation
    name = str(uuid.uuid5(_NAMESPACE, f"{creator}/{period.label}"))
    folder, tar_path = out / name, out / f"{name}.tar"
    if folder.is_dir() and tar_path.is_file():
        documents = sum(1 for _ in (folder / "dokumenter").iterdir()) if (folder / "dokumenter").is_dir() else 0
        return ExportResult(folder, tar_path, 0, documents, created=False)
    schema_files = load_schemas(schemas)
    versions = stored_versions(store_for(settings), period)
    if not versions:
        raise ConfigError(f"no archived versions of {settings.organisation} in {period.label} under "
                          f"{settings.store_path}")
    sc = settings.screening
    files = build_extraction(versions, period, organisation=settings.organisation,
                             organisation_id=settings.organisation_id, exported_at=exported_at,
                             schemas=schema_files, tilgangsrestriksjon=sc.tilgangsrestriksjon,
                             skjermingshjemmel=sc.skjermingshjemmel)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        staged = staging / name
        for path, data in files.items():
            target = staged / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        problems = extraction_problems(staged)
        if problems:
            raise StorageError(f"the Noark 5 extraction for {period.label} fails its own checks, not published: "
                               + "; ".join(str(p) for p in problems[:10]))
        mtime = int(_epoch(exported_at))
        (staging / f"{name}.tar").write_bytes(_tar(name, files, mtime))
        for file in staging.rglob("*"):
            if file.is_file():
                with file.open("rb") as stream:
                    os.fsync(stream.fileno())
        if not folder.exists():
            os.rename(staged, folder)
        os.rename(staging / f"{name}.tar", tar_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    documents = sum(1 for path in files if path.startswith("dokumenter/"))
    return ExportResult(folder, tar_path, len(versions), documents, created=True)


def _epoch(timestamp: str) -> float:
    from ..clock import parse_ts

    return parse_ts(timestamp).timestamp()
