#!/usr/bin/env bash
# What the docs page's browser test needs: Debian's chromium and chromium-driver (installed with
# apt-get when missing; CI runs as root) and selenium, pinned in requirements-browser.txt, in
# .venv-browser. Re-runs pip only when the requirements file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "setup-browser: chromium and chromedriver are missing; install Debian's chromium and chromium-driver" >&2
    exit 1
  fi
  echo "setup-browser: installing chromium and chromium-driver with apt-get" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
fi
venv=.venv-browser
stamp="$venv/.requirements.sha256"
want=$(sha256sum requirements-browser.txt | cut -d' ' -f1)
if ! { [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; }; then
  echo "setup-browser: installing requirements-browser.txt into $venv" >&2
  [ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip==24.3.1
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt
  echo "$want" > "$stamp"
fi
