#!/usr/bin/env bash
# `make deploy STAGE=dev|prod`: builds every function for arm64 through SAM's rust-cargolambda
# build method and deploys infra/template.yaml with that stage's samconfig.toml settings.
# See docs/deploy.md for the first deploy (region opt-in, parameters, alarm email).
set -euo pipefail
cd "$(dirname "$0")/.."
stage=${1:-dev}
case "$stage" in
  dev|prod) ;;
  *) echo "deploy: STAGE must be dev or prod, not '$stage'" >&2; exit 2 ;;
esac
scripts/setup-deploy.sh
export PATH="$PWD/.venv-deploy/bin:$PATH"
if ! sam --version >/dev/null 2>&1; then
  echo "deploy: the SAM CLI is not usable from .venv-deploy" >&2
  exit 1
fi
sam validate --lint --config-env "$stage"
sam build --config-env "$stage"
for bootstrap in .aws-sam/build/*/bootstrap; do
  printf 'deploy: %-40s %s bytes\n' "$bootstrap" "$(stat -c %s "$bootstrap")"
done
if [ "${DEPLOY_BUILD_ONLY:-}" = "1" ]; then
  echo "deploy: DEPLOY_BUILD_ONLY=1, stopping after the build" >&2
  exit 0
fi
sam deploy --config-env "$stage"
