#!/usr/bin/env bash
# Install everything socialarkiv needs on Debian 12 with Python 3.11: Debian packages (PDF tools, fonts,
# venv), then a virtual environment in .venv with the locked Python packages and socialarkiv itself.
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="python3-venv wkhtmltopdf ghostscript poppler-utils icc-profiles-free fonts-dejavu-core \
fonts-droid-fallback fonts-noto-color-emoji fonts-symbola fonts-nanum"
missing=""
for package in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "install.sh: apt-get install$missing" >&2
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)'; then
  echo "install.sh: socialarkiv needs Python 3.11 or newer ($PYTHON is older)" >&2
  exit 3
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check "uv==0.13.9"
# Bytecode compiled now: task processes run as a user who cannot write __pycache__ (the image runs as nobody),
# or with PYTHONDONTWRITEBYTECODE set, would otherwise compile every module they import from source on every
# start (measured: an Airflow task's imports and services took 2.3 s instead of 0.7 s).
.venv/bin/uv pip install -q -p .venv/bin/python --compile-bytecode -r requirements.lock
.venv/bin/uv pip install -q -p .venv/bin/python --no-deps -e .
.venv/bin/python -m compileall -q archiver dags >/dev/null
echo "install.sh: ready (.venv/bin/archiver)" >&2

# Optional extras, each in its own environment so that their pins never move socialarkiv's locked packages:
#   --presidio  Microsoft Presidio (it pulls spaCy) for the detector benchmark's comparison;
#   --eark      eark-validator 1.1.3 (it pins lxml 5.1), the independent E-ARK check the tests run;
#   --browser   Debian's Chromium, which the web app's end-to-end tests drive through Playwright.
for option in "$@"; do
  case "$option" in
    --presidio)
      [ -x .venv-presidio/bin/python ] || "$PYTHON" -m venv .venv-presidio
      .venv/bin/uv pip install -q -p .venv-presidio/bin/python -r bench/requirements-presidio.lock
      echo "install.sh: Presidio ready (.venv-presidio/bin/python)" >&2 ;;
    --eark)
      [ -x .venv-eark/bin/python ] || "$PYTHON" -m venv .venv-eark
      .venv/bin/uv pip install -q -p .venv-eark/bin/python -r tests/tools/requirements-eark.lock
      echo "install.sh: eark-validator ready (.venv-eark/bin/python)" >&2 ;;
    --browser)
      if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        echo "install.sh: apt-get install chromium" >&2
        $SUDO apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/dev/null
      fi
      echo "install.sh: chromium ready (/usr/bin/chromium)" >&2 ;;
    *) echo "install.sh: unknown option $option (known: --presidio, --eark, --browser)" >&2; exit 2 ;;
  esac
done
