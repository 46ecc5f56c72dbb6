"""Stores: where packages live. One write-once protocol (``Store``), one module per technology.

* ``filesystem.FileStore``: the embedded default, a folder; retention and legal holds are recorded next to
  the packages and enforced by this software (a filesystem cannot refuse its administrator).
* ``s3.S3Store``: an S3 bucket with Object Lock (AWS S3, MinIO, Ceph, SeaweedFS); retention is a COMPLIANCE
  lock the server enforces, so not even the bucket's owner can delete or shorten it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..config import CredentialResolver, Settings
    from ..retention import Lock

__all__ = ["Store", "store_for"]


class Store(Protocol):
    def publish(self, relative_dir: str, files: Mapping[str, bytes], lock: Lock | None = None) -> str:
        """Write all files of one package atomically and create-only, under ``lock`` (None: unlocked, for
        quarantine records); return its location. Raises ``AlreadyStored`` when the package is already there
        (the caller's idempotence signal)."""
        ...

    def exists(self, relative_dir: str) -> bool:
        ...

    def location(self, relative_dir: str) -> str:
        ...

    def read(self, relative_path: str) -> bytes:
        """One stored file's bytes, checked against its recorded SHA-256; ``FileNotFoundError`` when absent,
        ``StorageError`` when corrupt."""
        ...

    def children(self, relative_dir: str) -> list[str]:
        """Names of the published entries directly under ``relative_dir``, sorted."""
        ...

    def files(self, relative_dir: str) -> list[str]:
        """The relative paths of one published package's files, sorted."""
        ...

    def lock(self, relative_dir: str) -> Lock | None:
        """The package's lock as stored now (legal hold included); None for an unlocked record."""
        ...

    def set_legal_hold(self, relative_dir: str, on: bool) -> None:
        ...

    def dispose(self, relative_dir: str, now: str) -> None:
        """Delete a package whose retention has passed and that no legal hold keeps; ``Locked`` otherwise."""
        ...


def store_for(settings: Settings, resolvers: Mapping[str, CredentialResolver] | None = None) -> Store:
    """The configured store: ``[storage] kind = "s3"`` or the filesystem store under ``[archive] store``."""
    if settings.storage.kind == "s3":
        from .s3 import S3Store
        return S3Store.from_config(settings.storage, resolvers)
    from .filesystem import FileStore
    return FileStore(settings.store_path)
