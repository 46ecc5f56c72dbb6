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
