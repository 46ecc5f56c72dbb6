"""The filesystem store: atomic, create-only publication; nothing half-written is visible."""

import os
import threading
from pathlib import Path

import pytest

from archiver.errors import AlreadyStored, StorageError
from archiver.storage.filesystem import FileStore

FILES = {"manifest-sha256.txt": b"m\n", "representations/x/data/a.json": b"{}\n", "package.json": b"{}\n"}


def test_publish_writes_everything_read_only_and_refuses_a_second_write(tmp_path):
    store = FileStore(tmp_path)
    location = Path(store.publish("packages/p/1", FILES))
    assert {str(p.relative_to(location)) for p in location.rglob("*") if p.is_file()} == set(FILES)
    assert all((p.stat().st_mode & 0o222) == 0 for p in location.rglob("*") if p.is_file())
    with pytest.raises(AlreadyStored):
        store.publish("packages/p/1", {"other": b"x"})
    assert (location / "package.json").read_bytes() == b"{}\n"
    assert not any((tmp_path / ".staging").iterdir())


def test_concurrent_writers_of_one_package_produce_exactly_one(tmp_path):
    store = FileStore(tmp_path)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def write(n: int) -> None:
        barrier.wait()
        try:
            store.publish("packages/p/same", {**FILES, "package.json": f"{n}\n".encode()})
            results.append("stored")
        except AlreadyStored:
            results.append("already")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("stored") == 1 and results.count("already") == 7
    assert len(list((tmp_path / "packages" / "p").iterdir())) == 1


@pytest.mark.parametrize("bad", ["../escape", "/abs", "a/../../b"])
def test_hostile_paths_are_refused(tmp_path, bad):
    store = FileStore(tmp_path)
    with pytest.raises(StorageError):
        store.publish(bad, FILES)
    with pytest.raises(StorageError):
        store.publish("packages/ok", {bad: b"x"})
    assert not (tmp_path / "packages" / "ok").exists()


def test_a_failed_write_leaves_nothing_visible(tmp_path, monkeypatch):
    store = FileStore(tmp_path)
    real_rename = os.rename

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", broken)
    with pytest.raises(StorageError, match="No space left"):
        store.publish("packages/p/2", FILES)
    monkeypatch.setattr(os, "rename", real_rename)
    assert not (tmp_path / "packages" / "p" / "2").exists()
    assert not any((tmp_path / ".staging").iterdir())
