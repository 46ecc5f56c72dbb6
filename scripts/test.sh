#!/usr/bin/env bash
# Install everything, make sure PostgreSQL answers on 127.0.0.1:5432, lint and type-check, then run the
# whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --eark --browser
if ! (command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! command -v pg_ctlcluster >/dev/null; then
    $SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql >/dev/null
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -n 1)" main start || true
  for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
fi
.venv/bin/python -m ruff check archiver dags tests bench
.venv/bin/python -m mypy archiver
exec .venv/bin/python -m pytest "$@"
