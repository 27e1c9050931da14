#!/usr/bin/env bash
# Installs the CDK app's pinned packages (infra/cdk/package-lock.json) with `npm ci`. Re-runs
# only when the lock file changed, like setup-python.sh, so `make test` stays fast when warm.
set -euo pipefail
cd "$(dirname "$0")/../infra/cdk"
command -v npm >/dev/null 2>&1 \
  || { echo "setup-cdk: npm is needed (Node.js 20 or newer)" >&2; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || { echo "setup-cdk: Node.js 20 or newer is needed (found $(node --version))" >&2; exit 1; }
stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setup-cdk: npm ci in infra/cdk" >&2
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
