"""Run social_archive_nightly with dag.test() in a fresh process against the demo municipality's fake APIs
(all seven platforms).

Usage: python _dag_runner.py WORKDIR DATABASE_URL. Prints one JSON line: the DagRun state and the run report.
A separate process because Airflow's metadata database is chosen once per process.
"""

import json
import os
import sys
from pathlib import Path

work, database = Path(sys.argv[1]), sys.argv[2]
root = Path(__file__).resolve().parents[2]
os.environ.update({
    "AIRFLOW_HOME": str(work / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"), "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
})
sys.path.insert(0, str(root))

from contextlib import ExitStack  # noqa: E402

from archiver.demo import start_demo_sources  # noqa: E402
from archiver.fakes.demo import demo_page  # noqa: E402


def main() -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils import db

    db.resetdb()
    page = demo_page()
    del page.posts[4].comments[0]["created_time"]  # one bad thread: quarantined, the run goes on
    with ExitStack() as running:
        config, tokens, _ = start_demo_sources(running, work, page)
        os.environ.update(tokens)
        dag = DagBag(dag_folder=str(root / "dags")).dags["social_archive_nightly"]
        run = dag.test(run_conf={"config": str(config)})
    reports = sorted((work / "archive" / "reports").glob("*.json"))
    print(json.dumps({"state": str(run.state), "report": json.loads(reports[-1].read_text()) if reports else None}))


main()
