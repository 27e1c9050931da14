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
out=${CDK_SYNTH_OUT:-cdk.out/$stage}   # relative to infra/cdk
rm -rf "$out"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
npx --no-install cdk synth --quiet --no-notices --no-version-reporting --no-lookups \
  --output "$out" -c stage="$stage" "$@" >"$log" 2>&1
status=$?
set -e
if [ "$status" -ne 0 ]; then
  cat "$log" >&2
  exit "$status"
fi
# CDK_SYNTH_PREBUILT=1 (scripts/test.sh, after `make sam-build`): the bundling must reuse the
# SAM build's release binaries; a crate compiled here means the two builds diverged.
if [ "${CDK_SYNTH_PREBUILT:-}" = "1" ] && grep -q '^ *Compiling ' "$log"; then
  grep '^ *Compiling ' "$log" >&2
  echo "cdk-synth: the bundling compiled crates after make sam-build (see above)" >&2
  exit 1
fi
echo "cdk-synth: infra/cdk/$out/drive-alive-$stage.template.json" >&2
