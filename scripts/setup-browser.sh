#!/usr/bin/env bash
# The browser the docs page's test drives: Debian's chromium and chromium-driver, installed with
# apt-get when missing (CI runs as root). Its WebDriver client, selenium, is pinned in
# requirements-browser.txt and installed into .venv-browser by scripts/setup-python.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "setup-browser: chromium and chromedriver are missing; install Debian's chromium and chromium-driver" >&2
    exit 1
  fi
  echo "setup-browser: installing chromium and chromium-driver with apt-get" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    chromium chromium-driver >/dev/null
fi
