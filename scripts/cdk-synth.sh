#!/usr/bin/env bash
# `cdk synth` of the CDK app (infra/cdk) for one stage, offline: no AWS account, no lookups, no
# version check, notices or telemetry. Extra arguments go to cdk (e.g. -c alarmEmail=...).
# The functions are bundled by cargo-lambda (RustFunction) from the workspace's target/, so
# after `make sam-build` this only copies the release arm64 binaries; on a clean tree it would
# compile them first. The template lands in infra/cdk/cdk.out/<stage>/drive-alive-<stage>.template.json.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=${1:-dev}
shift || true
case "$stage" in
  dev|prod) ;;
  *) echo "cdk-synth: the stage must be dev or prod, not '$stage'" >&2; exit 2 ;;
esac
scripts/setup-cdk.sh
scripts/setup-deploy.sh
# cargo-lambda (and the zig it links with) from the deploy virtualenv: without `cargo lambda`
# on PATH, RustFunction would fall back to Docker.
export PATH="$PWD/.venv-deploy/bin:$PATH"
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true CDK_CLI_TELEMETRY=false
cd infra/cdk
out="cdk.out/$stage"
rm -rf "$out"
npx --no-install cdk synth --quiet --no-notices --no-version-reporting --no-lookups \
  --output "$out" -c stage="$stage" "$@" >/dev/null
echo "cdk-synth: infra/cdk/$out/drive-alive-$stage.template.json" >&2
