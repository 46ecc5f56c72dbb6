#!/usr/bin/env bash
# The main job on embedded defaults: install, then run the nightly Airflow DAG against the bundled demo
# source (a fake Graph API serving a demo municipality) into var/demo/archive, and print a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/archiver demo --home var/demo "$@"
