"""A write-once package store on S3 with Object Lock (AWS S3, MinIO, Ceph, SeaweedFS), through boto3.

Layout under the configured prefix: every package file at ``<package>/<file>``, and the package's **seal**
at ``.sealed/<package>.json`` (its file list with SHA-256 and size, and its lock). A package is visible
(``exists``, ``children``) only once its seal is written, and the seal is written last: readers never see a
half-written package.

Every write is create-only by a conditional put (``If-None-Match: *``), never check-then-upload, and carries
the SHA-256 of its bytes (``x-amz-checksum-sha256``): the server refuses an upload whose bytes do not match
(``BadDigest``), and ``read`` checks every object against the checksum the server recorded. Packages are
locked in COMPLIANCE mode until the retain-until date of the retention schedule, with a legal hold when one
applies: deletion and shortening are refused by the server itself.

A writer that crashed part-way can rerun: packages are deterministic, so a conditional put that finds an
object with the same checksum goes on. A *different* object in an unsealed slot means another writer is
publishing the same version: ``AlreadyStored``, and the pipeline merges again on top of the winner; unless
that object is older than ``abandon_after`` by the server's own clock: then its writer stopped part-way and
will never seal it (``SlotAbandoned``), and the pipeline takes the next version, recording the skipped one.

Quarantine records are stored without a lock (they are waiting for a fix, not records).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from email.utils import parsedate_to_datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..clock import parse_ts
from ..config import CredentialResolver, StorageConfig, resolve_secret
from ..errors import AlreadyStored, Locked, SlotAbandoned, StorageError
from ..package.manifest import safe_relative
from ..retention import Lock

__all__ = ["SEALS", "S3Store"]

SEALS = ".sealed"
_PRECONDITION = {"PreconditionFailed", "412", "ConditionalRequestConflict"}
PUTS_AT_ONCE = 4   # a package's objects in flight at once (publish)


class S3Store:
    def __init__(self, client: Any | None, bucket: str, prefix: str = "", *, abandon_after: float = 3600.0,
                 connect: Callable[[], Any] | None = None) -> None:
        """``client``: a boto3 S3 client; or None and ``connect``, which makes it at the store's first request
        (``from_config``): a task that never reaches the store (planning, listing, a night of unchanged
        captures) loads no boto3 and builds no client, 0.15 to 0.3 s of its start."""
        if client is None and connect is None:
            raise ValueError("S3Store needs a client or a function that makes one")
        self._client = client   # boto3's clients are thread-safe: the pool's threads share it
        self._connect = connect
        self._connecting = threading.Lock()
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.abandon_after = abandon_after  # seconds
        self._puts: ThreadPoolExecutor | None = None

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._connecting:   # publish's threads may ask first, together
                if self._client is None:
                    assert self._connect is not None
                    self._client = self._connect()
        return self._client

    def _pool(self) -> ThreadPoolExecutor:
        if self._puts is None:
            self._puts = ThreadPoolExecutor(PUTS_AT_ONCE, thread_name_prefix="s3-put")
        return self._puts

    @classmethod
    def from_config(cls, config: StorageConfig,
                    resolvers: Mapping[str, CredentialResolver] | None = None) -> S3Store:
        access = resolve_secret(config.access_key, "[storage] access_key", resolvers)   # a missing secret is
        secret = resolve_secret(config.secret_key, "[storage] secret_key", resolvers)   # named at once

        def connect() -> Any:
            import boto3
            from botocore.config import Config

            return boto3.session.Session().client(
                "s3", endpoint_url=config.endpoint, region_name=config.region,
                aws_access_key_id=access.reveal(), aws_secret_access_key=secret.reveal(),
                config=Config(s3={"addressing_style": config.addressing_style}, retries={"max_attempts": 5,
                                                                                         "mode": "standard"},
                              connect_timeout=10, read_timeout=60))

        return cls(None, str(config.bucket), config.prefix, abandon_after=config.abandon_after_minutes * 60,
                   connect=connect)

    # ----------------------------------------------------------------------------------------------- reading

    def location(self, relative_dir: str) -> str:
        return f"s3://{self.bucket}/{self._key(relative_dir)}"

    def exists(self, relative_dir: str) -> bool:
        if self._seal(relative_dir) is not None:
            return True
        listing = self._call("list", self.client.list_objects_v2, Bucket=self.bucket,
                             Prefix=self._key(f"{SEALS}/{relative_dir}") + "/", MaxKeys=1)
        return bool(listing.get("KeyCount"))

    def read(self, relative_path: str) -> bytes:
        key = self._key(relative_path)
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
            data: bytes = answer["Body"].read()
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                raise FileNotFoundError(relative_path) from None
            raise StorageError(f"cannot read {self.location(relative_path)}: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot read {self.location(relative_path)}: {exc.__class__.__name__}") from exc
        recorded = answer.get("ChecksumSHA256")
        if recorded is not None and recorded != _b64sha256(data):
            raise StorageError(f"{self.location(relative_path)} is corrupt: its bytes do not match the SHA-256 "
                               "the server recorded at upload; restore it from a replica")
        return data

    def children(self, relative_dir: str) -> list[str]:
        base = self._key(f"{SEALS}/{relative_dir}").rstrip("/") + "/"
        names: set[str] = set()
        for page in self._pages(Prefix=base, Delimiter="/"):
            names.update(p["Prefix"][len(base):].rstrip("/") for p in page.get("CommonPrefixes", ()))
            names.update(o["Key"][len(base):].removesuffix(".json") for o in page.get("Contents", ())
                         if o["Key"].endswith(".json"))
        return sorted(n for n in names if n and not n.startswith("."))

    def files(self, relative_dir: str) -> list[str]:
        seal = self._seal(relative_dir)
        if seal is None:
            raise FileNotFoundError(relative_dir)
        return sorted(seal["files"])

    def lock(self, relative_dir: str) -> Lock | None:
        seal = self._seal(relative_dir)
        if seal is None:
            raise FileNotFoundError(relative_dir)
        if seal.get("lock") is None:
            return None
        head = self._call("head", self.client.head_object, Bucket=self.bucket, Key=self._seal_key(relative_dir))
        stored = Lock.from_dict(seal["lock"])
        until = head.get("ObjectLockRetainUntilDate")
        return Lock(retain_until=until.strftime("%Y-%m-%dT%H:%M:%SZ") if until else stored.retain_until,
                    rule=stored.rule, basis=stored.basis, permanent=stored.permanent,
                    mode=str(head.get("ObjectLockMode", stored.mode)),
                    legal_hold=head.get("ObjectLockLegalHoldStatus") == "ON")

    # ----------------------------------------------------------------------------------------------- writing

    def publish(self, relative_dir: str, files: Mapping[str, bytes], lock: Lock | None = None) -> str:
        if not safe_relative(relative_dir):
            raise StorageError(f"unsafe package path {relative_dir!r}")
        if self._seal(relative_dir) is not None:
            raise AlreadyStored(f"{relative_dir} is already stored")
        items = sorted(files.items())
        for relative, _data in items:
            if not safe_relative(relative):
                raise StorageError(f"refusing unsafe path {relative!r} in package {relative_dir}")
        # PUTS_AT_ONCE puts in flight: each waits on the server for most of its time (measured against
        # SeaweedFS: 240-360 ms a package of 23 objects one by one, 150-185 ms four at a time, the same client
        # CPU); every put ends before the seal is written or an error is raised, so no put of this package
        # goes on behind its caller, and the first error in file order is the one raised, as one by one
        futures = [self._pool().submit(self._put, f"{relative_dir}/{relative}", data, lock, relative_dir)
                   for relative, data in items]
        wait(futures)
        inventory = {}
        for (relative, data), future in zip(items, futures, strict=True):
            checksum = future.result()
            inventory[relative] = {"sha256": base64.b64decode(checksum).hex(), "size": len(data)}
        seal = {"format": "socialarkiv-seal/1", "package": relative_dir, "files": inventory,
                "lock": lock.to_dict() if lock is not None else None}
        body = json.dumps(seal, sort_keys=True, indent=1).encode() + b"\n"
        self._put(f"{SEALS}/{relative_dir}.json", body, lock, relative_dir)
        return self.location(relative_dir)

    def ensure_bucket(self) -> str:
        """Create the bucket with Object Lock when it is missing; refuse a bucket without Object Lock (its
        packages could be deleted). Returns what was done."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            created = "exists"
        except ClientError as exc:
            if _code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                raise StorageError(f"cannot reach bucket {self.bucket}: {_code(exc)}") from exc
            self._call("create bucket", self.client.create_bucket, Bucket=self.bucket, ObjectLockEnabledForBucket=True)
            created = "created with Object Lock"
        try:
            lock = self.client.get_object_lock_configuration(Bucket=self.bucket)
        except ClientError as exc:
            raise StorageError(f"bucket {self.bucket} has no Object Lock ({_code(exc)}): packages stored there "
                               "could be deleted; create a new bucket with Object Lock enabled") from exc
        if lock.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") != "Enabled":
            raise StorageError(f"bucket {self.bucket} has Object Lock disabled; use a bucket created with it")
        return created

    def set_legal_hold(self, relative_dir: str, on: bool) -> None:
        seal = self._seal(relative_dir)
        if seal is None:
            raise FileNotFoundError(relative_dir)
        status = "ON" if on else "OFF"
        for key in [*(self._key(f"{relative_dir}/{f}") for f in sorted(seal["files"])), self._seal_key(relative_dir)]:
            self._call("legal hold", self.client.put_object_legal_hold, Bucket=self.bucket, Key=key,
                       LegalHold={"Status": status})

    def dispose(self, relative_dir: str, now: str) -> None:
        seal = self._seal(relative_dir)
        if seal is None:
            raise FileNotFoundError(relative_dir)
        lock = self.lock(relative_dir)
        if lock is not None and lock.legal_hold:
            raise Locked(f"{relative_dir} is under a legal hold; release it first")
        if lock is not None and (lock.permanent or parse_ts(lock.retain_until) > parse_ts(now)):
            raise Locked(f"{relative_dir} is retained until {lock.retain_until} ({lock.rule})")
        # the seal goes first (the package disappears at once), then every version of every file
        for key in [self._seal_key(relative_dir), *(self._key(f"{relative_dir}/{f}") for f in sorted(seal["files"]))]:
            for version in self._versions(key):
                try:
                    self.client.delete_object(Bucket=self.bucket, Key=key, VersionId=version)
                except ClientError as exc:
                    if _code(exc) == "AccessDenied":
                        raise Locked(f"the server refused to delete {key}: it is still locked") from exc
                    raise StorageError(f"cannot delete {key}: {_code(exc)}") from exc

    # ----------------------------------------------------------------------------------------------- helpers

    def _put(self, relative: str, data: bytes, lock: Lock | None, package: str) -> str:
        checksum = _b64sha256(data)
        arguments: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(relative), "Body": data,
                                     "ChecksumSHA256": checksum, "IfNoneMatch": "*"}
        if lock is not None:
            arguments.update(ObjectLockMode=lock.mode, ObjectLockRetainUntilDate=parse_ts(lock.retain_until),
                             ObjectLockLegalHoldStatus="ON" if lock.legal_hold else "OFF")
        try:
            self.client.put_object(**arguments)
            return checksum
        except ClientError as exc:
            code = _code(exc)
            if code not in _PRECONDITION:
                if code in ("BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest"):
                    raise StorageError(f"the server refused {self.location(relative)}: the bytes it received do "
                                       "not match their SHA-256 (corrupted in transit); rerun") from exc
                raise StorageError(f"cannot store {self.location(relative)}: {code}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot store {self.location(relative)}: {exc.__class__.__name__}") from exc
        existing = self._call("head", self.client.head_object, Bucket=self.bucket, Key=self._key(relative),
                              ChecksumMode="ENABLED")
        if existing.get("ChecksumSHA256") == checksum:
            return checksum  # our own earlier attempt (packages are deterministic): go on
        if self._seal(package) is not None:
            raise AlreadyStored(f"{package} was stored by another writer")
        age = _age(existing)
        if age is not None and age >= self.abandon_after:
            raise SlotAbandoned(f"{package} holds a different {relative.rsplit('/', 1)[-1]} written {age / 60:.0f} "
                                "minutes ago and was never sealed: its writer stopped part-way")
        raise AlreadyStored(f"{package} is being stored by another writer (its slot holds a different "
                            f"{relative.rsplit('/', 1)[-1]} and no seal yet)")

    def _seal(self, relative_dir: str) -> dict[str, Any] | None:
        try:
            return dict(json.loads(self.read(f"{SEALS}/{relative_dir}.json")))
        except FileNotFoundError:
            return None

    def _seal_key(self, relative_dir: str) -> str:
        return self._key(f"{SEALS}/{relative_dir}.json")

    def _versions(self, key: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=key):
            for entry in [*page.get("Versions", ()), *page.get("DeleteMarkers", ())]:
                if entry["Key"] == key:
                    yield entry["VersionId"]

    def _pages(self, **arguments: Any) -> Iterator[dict[str, Any]]:
        try:
            yield from self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, **arguments)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot list s3://{self.bucket}/{arguments.get('Prefix', '')}: "
                               f"{_code(exc) if isinstance(exc, ClientError) else exc.__class__.__name__}") from exc

    def _call(self, what: str, method: Any, **arguments: Any) -> Any:
        try:
            return method(**arguments)
        except ClientError as exc:
            if what == "legal hold" and _code(exc) in ("InvalidRequest",):
                raise StorageError(f"cannot set a legal hold on {arguments.get('Key')}: the bucket has no "
                                   "Object Lock") from exc
            raise StorageError(f"S3 {what} of s3://{self.bucket}/{arguments.get('Key', arguments.get('Prefix', ''))} "
                               f"failed: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {what} failed: {exc.__class__.__name__}; check [storage] endpoint") from exc

    def _key(self, relative: str) -> str:
        if not safe_relative(relative):
            raise StorageError(f"unsafe path {relative!r}")
        return self.prefix + relative


def _b64sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _code(exc: ClientError | BotoCoreError) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "unknown"))
    return exc.__class__.__name__


def _age(head: Mapping[str, Any]) -> float | None:
    """Seconds since the object was written, by the server's clock (its ``Date`` header against the object's
    ``Last-Modified``), so a wrong clock here cannot make a slot look abandoned."""
    written = head.get("LastModified")
    served = (head.get("ResponseMetadata") or {}).get("HTTPHeaders", {}).get("date")
    if written is None or not served:
        return None
    try:
        return (parsedate_to_datetime(served) - written).total_seconds()
    except (TypeError, ValueError):
        return None
