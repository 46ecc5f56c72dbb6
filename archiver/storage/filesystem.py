"""A write-once package store on a local filesystem (the embedded default).

Publishing stages every file under ``<root>/.staging/``, fsyncs it, then renames the whole directory into
place in one ``rename``: readers see a complete package or none. ``rename`` onto an existing non-empty
directory fails, so two writers of the same package cannot both win (create-only, no check-then-write).
Published files are made read-only.
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

from ..errors import AlreadyStored, StorageError
from ..package.manifest import safe_relative

__all__ = ["FileStore"]


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def location(self, relative_dir: str) -> str:
        return str(self._target(relative_dir))

    def exists(self, relative_dir: str) -> bool:
        return self._target(relative_dir).is_dir()

    def read(self, relative_path: str) -> bytes:
        """One stored file's bytes; ``FileNotFoundError`` when absent."""
        return self._target(relative_path).read_bytes()

    def children(self, relative_dir: str) -> list[str]:
        """Names of the published entries directly under ``relative_dir`` (never staging), sorted."""
        target = self._target(relative_dir)
        if not target.is_dir():
            return []
        return sorted(p.name for p in target.iterdir() if not p.name.startswith("."))

    def publish(self, relative_dir: str, files: Mapping[str, bytes]) -> str:
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
        except AlreadyStored:
            raise
        except OSError as exc:
            raise StorageError(f"could not store {relative_dir} under {self.root}: {exc.strerror or exc}") from exc
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return str(target)

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
