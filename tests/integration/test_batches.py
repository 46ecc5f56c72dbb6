"""The nightly DAG's batches (pipeline.archive_batch, unaccounted) against the fake Graph API:
one thread's own failure is its "failed" outcome and the batch goes on; account-wide, retryable and store
failures fail the batch, whose retry stores nothing twice; a batch that fails for good leaves its threads named
as "failed" in the run report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archiver.clock import FixedClock, parse_ts
from archiver.config import Settings, parse_settings
from archiver.connectors.base import ThreadRef
from archiver.errors import AuthError, SourceError, StorageError, TransientSourceError
from archiver.fakes.demo import synthetic_page
from archiver.fakes.graph import FakeGraphServer, FakePage
from archiver.pipeline import (
    RunReport,
    Services,
    archive_batch,
    list_threads,
    services_for,
    unaccounted,
)


def _settings(tmp_path: Path, fake: FakeGraphServer, credential: str) -> Settings:
    return parse_settings({
        "archive": {"organisation": "Batchkommune", "store": str(tmp_path / "archive"),
                    "work": str(tmp_path / "work"), "initial_since": "2026-01-01T00:00:00Z"},
        "accounts": [{"key": "fb", "platform": "facebook", "account_id": fake.page.id, "name": "Batchkommune",
                      "base_url": fake.url, "api_version": "v23.0", "credential": credential}]},
        base=tmp_path)


@pytest.fixture
def night(tmp_path: Path) -> Iterator[tuple[FakePage, Services, list[ThreadRef]]]:
    page = synthetic_page(3, 5, seed=3)
    with FakeGraphServer(page) as fake:
        settings = _settings(tmp_path, fake, f"value:{page.token}")
        services = services_for(settings, clock=FixedClock(parse_ts("2026-11-21T02:00:00Z")))
        refs = list_threads(services, "fb", parse_ts("2026-01-01T00:00:00Z"), parse_ts("2026-11-21T00:00:00Z"))
        assert len(refs) == 3
        yield page, services, refs
        services.catalog.engine.dispose()


def _failing_capture(services: Services, post_id: str, error: Exception) -> None:
    make = services.connector_for

    def connector_for(account: Any) -> Any:
        connector = make(account)
        capture = connector.capture_thread

        def capture_thread(ref: ThreadRef) -> Any:
            if ref.post_id == post_id:
                raise error
            return capture(ref)

        connector.capture_thread = capture_thread
        return connector

    services.connector_for = connector_for  # type: ignore[method-assign]


def _versions(services: Services, page: FakePage) -> dict[str, list[str]]:
    return {post.id: services.store.children(f"packages/facebook/{page.id}/{post.id}") for post in page.posts}


def test_one_threads_source_error_is_its_failed_outcome_and_the_batch_goes_on(night: Any) -> None:
    _page, services, refs = night
    _failing_capture(services, refs[1].post_id, SourceError("(#100) Unsupported get request", code=100))
    outcomes = archive_batch(services, refs)
    assert [o.status for o in outcomes] == ["archived", "failed", "archived"]
    assert outcomes[1].post_id == refs[1].post_id and "Unsupported get request" in outcomes[1].message
    assert not outcomes[1].retryable
    assert unaccounted([[r.to_dict() for r in refs]], outcomes) == []


@pytest.mark.parametrize("error", [TransientSourceError("HTTP 503 (gave up after 5 attempts)"),
                                   AuthError("Error validating access token: Session has expired")])
def test_retryable_and_account_wide_errors_fail_the_batch(night: Any, error: Exception) -> None:
    _page, services, refs = night
    _failing_capture(services, refs[2].post_id, error)
    with pytest.raises(type(error)):
        archive_batch(services, refs)


def test_a_store_failure_fails_the_batch_and_its_retry_stores_each_thread_once(night: Any) -> None:
    page, services, refs = night
    publish, calls = services.store.publish, [0]

    def publish_then_fail(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 2:
            raise StorageError("the store at s3://arkiv is unreachable: EndpointConnectionError")
        return publish(*args, **kwargs)

    services.store.publish = publish_then_fail  # type: ignore[method-assign]
    with pytest.raises(StorageError):
        archive_batch(services, refs)
    services.store.publish = publish  # type: ignore[method-assign]
    retried = archive_batch(services, refs)   # Airflow's retry of the same task
    assert [o.status for o in retried] == ["unchanged", "archived", "archived"]
    assert _versions(services, page) == {post.id: ["v00001"] for post in page.posts}


def test_threads_of_a_batch_that_failed_for_good_are_failed_in_the_report(night: Any) -> None:
    _page, services, refs = night
    first, rest = [r.to_dict() for r in refs[:1]], [r.to_dict() for r in refs[1:]]
    done = archive_batch(services, refs[:1])
    missing = unaccounted([first, rest], done)
    assert [(o.post_id, o.status, o.retryable) for o in missing] == [(r["post_id"], "failed", True) for r in rest]
    assert "task failed" in missing[0].message
    report = RunReport("night", "2026-11-21T02:00:00Z", outcomes=done + missing)
    assert report.summary()["failed"] == 2 and report.problems == 2


def test_a_batchs_unchanged_captures_are_recorded_together_also_when_the_batch_fails(night: Any) -> None:
    page, services, refs = night
    archive_batch(services, refs)
    services.audit.seal()
    later = services_for(services.settings, clock=FixedClock(parse_ts("2026-11-22T02:00:00Z")))
    post = page.post(refs[2].post_id)
    post.comments.append({**post.comments[0], "id": f"{post.id.split('_')[1]}_new", "message": "Ny kommentar"})

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise StorageError("the store at s3://arkiv is unreachable: EndpointConnectionError")

    later.store.publish = unreachable  # type: ignore[method-assign]
    with pytest.raises(StorageError):
        archive_batch(later, refs)   # the third thread changed and cannot be stored
    spooled = sorted((services.settings.work_path / "audit" / "pending").glob("*.json"))
    assert len(spooled) == 1 and later.audit is not None and later.audit.pending() == 2, "one flush per batch"
    for ref, captured_at in zip(refs, ["2026-11-22T02:00:00Z"] * 2 + ["2026-11-21T02:00:00Z"], strict=True):
        state = later.catalog.thread("facebook", page.id, ref.post_id)
        assert state is not None and state.last_captured_at == captured_at, ref.post_id
    later.catalog.engine.dispose()


def test_a_batch_resolves_its_accounts_credential_once(tmp_path: Path) -> None:
    """A ``conn:`` credential is an Airflow connection lookup: once per batch, not once per thread."""
    page = synthetic_page(3, 5, seed=3)
    lookups: list[str] = []

    def connection(conn_id: str) -> str:
        lookups.append(conn_id)
        return page.token

    with FakeGraphServer(page) as fake:
        services = services_for(_settings(tmp_path, fake, "conn:fb_page"),
                                clock=FixedClock(parse_ts("2026-11-21T02:00:00Z")), resolvers={"conn": connection})
        refs = list_threads(services, "fb", parse_ts("2026-01-01T00:00:00Z"), parse_ts("2026-11-21T00:00:00Z"))
        lookups.clear()
        assert [o.status for o in archive_batch(services, refs)] == ["archived"] * 3
        services.catalog.engine.dispose()
    assert lookups == ["fb_page"]


def test_a_batch_reads_its_catalog_rows_once_and_still_checks_a_marked_thread(
        night: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch reads the catalog rows of all its threads in one go (not three round trips per thread), and a
    thread whose row is marked (a version being stored that the catalog has not recorded) still has the store
    checked before its capture counts as unchanged."""
    import archiver.pipeline as pipeline
    from archiver.catalog import Catalog

    page, services, refs = night
    assert [o.status for o in archive_batch(services, refs)] == ["archived"] * 3
    marked = refs[1].post_id
    services.catalog.storing("facebook", page.id, marked, 2)   # a writer stopped after storing version 2?
    batch_reads: list[int] = []
    checked: list[str] = []
    read_batch, latest_stored = Catalog.threads_for_unchanged_capture, pipeline._latest_stored

    def one_by_one(*args: object) -> None:
        raise AssertionError("a batch read the catalog thread by thread")

    def counted(self: Catalog, keys: Any) -> Any:
        keys = list(keys)
        batch_reads.append(len(keys))
        return read_batch(self, keys)

    def spied(services_: Services, platform: str, account_id: str, post_id: str) -> int:
        checked.append(post_id)
        return latest_stored(services_, platform, account_id, post_id)

    monkeypatch.setattr(Catalog, "thread_for_unchanged_capture", one_by_one)
    monkeypatch.setattr(Catalog, "threads_for_unchanged_capture", counted)
    monkeypatch.setattr(pipeline, "_latest_stored", spied)
    assert [o.status for o in archive_batch(services, refs)] == ["unchanged"] * 3
    assert batch_reads == [3] and checked == [marked]


def test_the_first_run_of_an_account_is_known_by_the_catalog_or_else_by_the_store(
        night: tuple[FakePage, Services, list[ThreadRef]], tmp_path: Path) -> None:
    from archiver.catalog import Catalog
    from archiver.pipeline import plan_window

    _page, services, refs = night
    services.lists_everything = lambda platform: False   # as X, YouTube and LinkedIn: a look-back window
    account = services.settings.account("fb")
    start, end = parse_ts("2026-11-20T00:00:00Z"), parse_ts("2026-11-21T00:00:00Z")
    initial = parse_ts("2026-01-01T00:00:00Z")
    assert plan_window(services, account, start, end)[0] == initial   # nothing archived: the whole history
    archive_batch(services, refs)
    asked: list[str] = []
    exists = services.store.exists
    services.store.exists = lambda relative: asked.append(relative) or exists(relative)  # type: ignore[method-assign]
    assert plan_window(services, account, start, end)[0] > initial   # the catalog knows its threads
    assert asked == []                                               # and the store was not asked
    services.catalog = Catalog(f"sqlite:///{tmp_path / 'lost-and-empty.sqlite'}")   # the catalog lost
    assert plan_window(services, account, start, end)[0] > initial   # the store still says: not the first run
    assert asked == ["packages/facebook/" + account.account_id]
