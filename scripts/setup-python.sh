#!/usr/bin/env bash
# Creates (or refreshes) the project-local virtualenvs with the pinned Python tools:
#   .venv          requirements-dev.txt      (moto, aiosmtpd, cfn-lint, icalendar)
#   .venv-checkov  requirements-checkov.txt  (checkov, kept apart: it pins boto3 and networkx
#                                             versions that would downgrade moto's and cfn-lint's)
#   .venv-fuzz     requirements-fuzz.txt     (schemathesis for scripts/api_fuzz.py, kept apart: it
#                                             brings hypothesis, pytest and rich)
#   .venv-browser  requirements-browser.txt  (selenium for scripts/docs_browser_test.py; Chromium
#                                             itself comes from scripts/setup-browser.sh)
# Re-runs pip only when a requirements file changed, so `make run` stays fast.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
command -v "$python" >/dev/null \
  || { echo "setup-python: $python not found; install Python 3.10 or newer with venv (Debian: apt-get install python3 python3-venv), or set PYTHON" >&2; exit 1; }
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || { echo "setup-python: Python 3.10 or newer is needed (found $("$python" --version))" >&2; exit 1; }
"$python" -c 'import venv, ensurepip' 2>/dev/null \
  || { echo "setup-python: $python has no venv module (with ensurepip); install it (Debian: apt-get install python3-venv)" >&2; exit 1; }

# ensure_venv <venv dir> <requirements file>
ensure_venv() {
  local venv=$1 requirements=$2
  local stamp="$venv/.requirements.sha256"
  local want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "setup-python: installing $requirements into $venv" >&2
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip==24.3.1
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
}

ensure_venv .venv requirements-dev.txt
ensure_venv .venv-checkov requirements-checkov.txt
ensure_venv .venv-fuzz requirements-fuzz.txt
ensure_venv .venv-browser requirements-browser.txt
