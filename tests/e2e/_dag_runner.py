"""Run social_archive_nightly with dag.test() in a fresh process against the demo municipality's fake APIs
(all seven platforms, and one more Facebook account whose token has expired), then social_archive_webhooks
for one spooled webhook event (a comment already gone).

Then, given the official Noark 5 schemas, social_archive_noark5_monthly for the month archived.

Usage: python _dag_runner.py WORKDIR DATABASE_URL [NOARK5_SCHEMAS]. Prints one JSON line: the DagRun states
and the run reports.
A separate process because Airflow's metadata database is chosen once per process.
"""

import json
import os
import sys
from pathlib import Path

work, database = Path(sys.argv[1]), sys.argv[2]
schemas = Path(sys.argv[3]) if len(sys.argv) > 3 else Path("/nonexistent")
s3 = os.environ.get("SOCIALARKIV_TEST_S3")   # "ENDPOINT BUCKET": store to S3, run nightly + disposition only
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
        config, tokens, fakes = start_demo_sources(running, work, page)
        os.environ.update(tokens)
        dags = DagBag(dag_folder=str(root / "dags")).dags
        if s3:
            endpoint, bucket = s3.split()
            with open(config, "a", encoding="utf-8") as handle:
                handle.write(f'\n[storage]\nkind = "s3"\nendpoint = "{endpoint}"\nbucket = "{bucket}"\n'
                             'region = "us-east-1"\naccess_key = "env:S3_KEY"\nsecret_key = "env:S3_SECRET"\n'
                             '\n[[retention]]\nname = "dialog-10"\nyears = 10\n'
                             'basis = "Bevarings- og kassasjonsplan, punkt 4.2"\n')
            run = dags["social_archive_nightly"].test(run_conf={"config": str(config)})
            disposal = dags["social_archive_disposition"].test(run_conf={"config": str(config)})
            reports = sorted((work / "archive" / "reports").glob("*.json"))
            print(json.dumps({"state": str(run.state), "disposition_state": str(disposal.state),
                              "report": json.loads(reports[-1].read_text()) if reports else None}))
            return
        with open(config, "a", encoding="utf-8") as handle:   # an account whose token has expired
            handle.write(f'\n[[accounts]]\nkey = "demo-facebook-expired"\nplatform = "facebook"\n'
                         f'account_id = "{page.id}"\nname = "Demo kommune (expired token)"\n'
                         f'base_url = "{fakes["facebook"].url}"\napi_version = "v23.0"\n'
                         'credential = "value:expired-token-not-secret"\n')
        run = dags["social_archive_nightly"].test(run_conf={"config": str(config)})
        reports = sorted((work / "archive" / "reports").glob("*.json"))
        nightly = json.loads(reports[-1].read_text()) if reports else None
        _spool_gone_comment(config, page)
        hooks = dags["social_archive_webhooks"].test(run_conf={"config": str(config)})
        noark5 = None
        if schemas.is_dir():  # the month the packages were archived in (the demo runs on the real clock)
            month = json.loads(next((work / "archive").rglob("package.json")).read_text())["created"][:7]
            noark5 = dags["social_archive_noark5_monthly"].test(
                run_conf={"config": str(config), "month": month, "schemas": str(schemas)})
    webhook_reports = sorted((work / "archive" / "reports").glob("webhooks-*.json"))
    print(json.dumps({"state": str(run.state), "report": nightly, "webhooks_state": str(hooks.state),
                      "webhooks": json.loads(webhook_reports[-1].read_text()) if webhook_reports else None,
                      "noark5_state": None if noark5 is None else str(noark5.state),
                      "noark5": sorted(str(p) for p in (work / "noark5").glob("*")) if noark5 else None}))


def _spool_gone_comment(config: Path, page) -> None:
    """A signed delivery the receiver accepted: a comment posted and deleted before any capture saw it."""
    from archiver.config import load_settings
    from archiver.webhooks.events import parse_delivery
    from archiver.webhooks.spool import Spool

    post = page.posts[0]
    body = json.dumps({"object": "page", "entry": [{"id": page.id, "time": 1795000000, "changes": [{
        "field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "webhook_only_1",
                                   "post_id": post.id, "parent_id": post.id, "sender_id": 90001,
                                   "sender_name": "Innbygger", "created_time": 1795000000,
                                   "message": "Kort kommentar, slettet etter ti minutter."}}]}]}).encode()
    for event in parse_delivery(body):
        Spool(load_settings(config).webhook_spool).put(event, "2026-11-18T10:00:00Z")


main()
