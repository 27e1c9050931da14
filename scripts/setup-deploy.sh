#!/usr/bin/env bash
# Installs the pinned build and deploy tools into .venv-deploy and the arm64 Rust target.
# Used by `make deploy` and by `make bench` (release zip sizes).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-deploy
stamp="$venv/.requirements.sha256"
want=$(sha256sum requirements-deploy.txt | cut -d' ' -f1)
if ! { [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; }; then
  echo "setup-deploy: installing requirements-deploy.txt into $venv" >&2
  [ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip==24.3.1
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-deploy.txt
  echo "$want" > "$stamp"
fi
if command -v rustup >/dev/null 2>&1; then
  rustup target list --installed | grep -qx aarch64-unknown-linux-gnu \
    || rustup target add aarch64-unknown-linux-gnu
fi
