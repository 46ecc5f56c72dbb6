"""A write-once package store on a local filesystem (the embedded default).

Publishing stages every file under ``<root>/.staging/``, fsyncs it, then renames the whole directory into
place in one ``rename``: readers see a complete package or none. ``rename`` onto an existing non-empty
directory fails, so two writers of the same package cannot both win (create-only, no check-then-write).
Published files are made read-only.

Retention: each package's lock (retain-until, rule, legal basis, legal hold) is recorded in
``<root>/.locks/<package>.json``, created once after the package and replaced only to set or release a hold.
``dispose`` refuses while the lock runs or a hold is on. A package without a lock record (a crash between the
rename and the record) counts as locked for ever. This is enforcement by software: anyone with write access
to the folder can still delete files, which ``archiver verify`` and the audit log then detect. Use the S3
store where the storage itself must refuse.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path

from ..clock import parse_ts
from ..errors import AlreadyStored, Locked, StorageError
from ..package.manifest import safe_relative
from ..retention import Lock

__all__ = ["FileStore"]

LOCKS = ".locks"


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def location(self, relative_dir: str) -> str:
        return str(self._target(relative_dir))

    def exists(self, relative_dir: str) -> bool:
        return self._target(relative_dir).is_dir()

    def read(self, relative_path: str) -> bytes:
        """One stored file's bytes; ``FileNotFoundError`` when absent. (Fixity is checked by ``archiver verify``
        against each package's manifest; the filesystem keeps no per-file checksum of its own.)"""
        return self._target(relative_path).read_bytes()

    def children(self, relative_dir: str) -> list[str]:
        """Names of the published entries directly under ``relative_dir`` (never staging), sorted."""
        target = self._target(relative_dir)
        if not target.is_dir():
            return []
        return sorted(p.name for p in target.iterdir() if not p.name.startswith("."))

    def files(self, relative_dir: str) -> list[str]:
        target = self._target(relative_dir)
        return sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())

    def publish(self, relative_dir: str, files: Mapping[str, bytes], lock: Lock | None = None) -> str:
        target = self._target(relative_dir)
        if target.is_dir():
            raise AlreadyStored(f"{relative_dir} is already stored")
        staging = self.root / ".staging" / f"{target.name}.{uuid.uuid4().hex}"
        try:
            for relative, data in sorted(files.items()):
                if not safe_relative(relative):
                    raise StorageError(f"refusing unsafe path {relative!r} in package {relative_dir}")
                path = staging / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path, "xb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                path.chmod(0o444)
            for directory in sorted({p.parent for p in staging.rglob("*")} | {staging}, reverse=True):
                _fsync_dir(directory)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, target)
            except OSError as exc:
                if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                    raise AlreadyStored(f"{relative_dir} was stored by another writer") from exc
                raise
            _fsync_dir(target.parent)
            if lock is not None:
                self._write_lock(relative_dir, lock, create=True)
        except AlreadyStored:
            raise
        except OSError as exc:
            raise StorageError(f"could not store {relative_dir} under {self.root}: {exc.strerror or exc}") from exc
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return str(target)

    # ------------------------------------------------------------------------------------ retention and holds

    def lock(self, relative_dir: str) -> Lock | None:
        path = self._lock_path(relative_dir)
        try:
            return Lock.from_dict(json.loads(path.read_bytes()))
        except FileNotFoundError:
            return None

    def set_legal_hold(self, relative_dir: str, on: bool) -> None:
        current = self._require_lock(relative_dir)
        self._write_lock(relative_dir, Lock(**{**current.__dict__, "legal_hold": on}), create=False)

    def dispose(self, relative_dir: str, now: str) -> None:
        target = self._target(relative_dir)
        if not target.is_dir():
            raise FileNotFoundError(relative_dir)
        lock = self._require_lock(relative_dir)
        if lock.legal_hold:
            raise Locked(f"{relative_dir} is under a legal hold; release it first")
        if lock.permanent or parse_ts(lock.retain_until) > parse_ts(now):
            raise Locked(f"{relative_dir} is retained until {lock.retain_until} ({lock.rule})")
        trash = self.root / ".staging" / f"disposed-{target.name}.{uuid.uuid4().hex}"
        trash.parent.mkdir(parents=True, exist_ok=True)
        os.rename(target, trash)          # the package disappears in one step
        _fsync_dir(target.parent)
        for path in [trash, *trash.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
        shutil.rmtree(trash)
        self._lock_path(relative_dir).unlink(missing_ok=True)

    def _require_lock(self, relative_dir: str) -> Lock:
        lock = self.lock(relative_dir)
        if lock is None:
            if self.exists(relative_dir):
                raise Locked(f"{relative_dir} has no lock record; it is kept as if locked for ever")
            raise FileNotFoundError(relative_dir)
        return lock

    def _lock_path(self, relative_dir: str) -> Path:
        self._target(relative_dir)
        return self.root / LOCKS / f"{relative_dir}.json"

    def _write_lock(self, relative_dir: str, lock: Lock, *, create: bool) -> None:
        path = self._lock_path(relative_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps(lock.to_dict(), sort_keys=True, indent=1).encode() + b"\n"
        if create:
            with open(path, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        else:
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        _fsync_dir(path.parent)

    def _target(self, relative_dir: str) -> Path:
        if not safe_relative(relative_dir):
            raise StorageError(f"unsafe package path {relative_dir!r}")
        return self.root / relative_dir


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
