"""Every DAG file imports without errors and has the expected shape."""

from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {"social_archive_nightly", "social_archive_webhooks", "social_archive_noark5_monthly"} <= set(
        dagbag.dag_ids)


def test_nightly_shape(dagbag):
    dag = dagbag.dags["social_archive_nightly"]
    assert dag.get_task("batch").downstream_task_ids == {"archive", "report"}
    assert dag.get_task("archive").downstream_task_ids == {"report"}
    assert dag.get_task("archive").max_active_tis_per_dagrun == 8
    assert dag.get_task("report").trigger_rule == "all_done"
    assert dag.get_task("batch").trigger_rule == "all_done"   # one account's failed listing stops only itself
    assert dag.max_active_runs == 1 and not dag.catchup
    assert dag.get_task("archive").retries == 3


def test_dag_files_import_nothing_heavy_at_parse_time():
    import ast

    for path in DAGS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
        modules = {alias.name for node in top if isinstance(node, ast.Import) for alias in node.names}
        modules |= {node.module or "" for node in top if isinstance(node, ast.ImportFrom)}
        assert not {m for m in modules if m.split(".")[0] in ("archiver", "httpx", "lxml", "pikepdf")}, path


def test_guard_fails_a_task_at_once_on_a_lasting_error_and_lets_airflow_retry_the_rest():
    import importlib.util
    import sys
    import warnings

    from airflow.sdk.exceptions import AirflowFailException

    from archiver.errors import ConfigError, RateLimited, StorageError

    spec = importlib.util.spec_from_file_location("nightly_for_guard", DAGS / "social_archive_nightly.py")
    assert spec is not None and spec.loader is not None
    nightly = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(DAGS))
    try:
        spec.loader.exec_module(nightly)
    finally:
        sys.path.remove(str(DAGS))

    def raising(error: Exception):
        def call():
            raise error
        return call

    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no deprecated import in the task logs
        with pytest.raises(AirflowFailException, match="bad config"):
            nightly._guard(raising(ConfigError("bad config")))
    with pytest.raises(RateLimited):
        nightly._guard(raising(RateLimited("quota", wait_seconds=60)))
    with pytest.raises(StorageError):
        nightly._guard(raising(StorageError("catalog down")))
    assert nightly._guard(lambda: 7) == 7
