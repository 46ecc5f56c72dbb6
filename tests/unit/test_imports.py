"""What an Airflow task pays before its work: each task instance is a new process that imports the pipeline and
opens its services. The modules only some tasks need (lxml to write a package, alembic to migrate a catalog
that is behind, the PDF engines, boto3 and its client for an S3 store) load when used, not at start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.catalog import Catalog

LOADED_WHEN_USED = ("lxml", "alembic", "boto3", "weasyprint", "jinja2", "pdfkit")


@pytest.mark.parametrize("storage", ["filesystem", "s3"])
def test_a_task_that_writes_no_package_loads_neither_lxml_nor_alembic(tmp_path: Path, storage: str) -> None:
    catalog = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    Catalog(catalog).close()   # created and migrated: what every task after the first night finds
    config = tmp_path / "socialarkiv.toml"
    s3 = ('''
[storage]
kind = "s3"
endpoint = "http://127.0.0.1:9"
region = "us-east-1"
bucket = "archive"
access_key = "value:not-a-real-key"
secret_key = "value:not-a-real-secret"
''' if storage == "s3" else "")
    config.write_text(f'''[archive]
organisation = "Importkommune"
store = "{tmp_path / 'archive'}"
work = "{tmp_path / 'work'}"
catalog = "{catalog}"

[[accounts]]
key = "import-facebook"
platform = "facebook"
account_id = "1"
name = "Importkommune"
base_url = "https://graph.facebook.com"
api_version = "v23.0"
credential = "value:not-a-real-token"
{s3}''', encoding="utf-8")
    script = f'''
import json, sys
from archiver.config import load_settings
from archiver.pipeline import services_for
services = services_for(load_settings({str(config)!r}))
services.catalog.runs(1)
print(json.dumps([name for name in {LOADED_WHEN_USED!r} if name in sys.modules]))
'''
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
