#!/usr/bin/env bash
# The README's test command (`make test`): lint, build the function binaries the Lambda tests
# start, run every test, fuzz the API from its OpenAPI document, open the docs page in a browser,
# run the README's cargo-lambda loop, lint and security-scan the SAM template, build every
# function with `sam build` for arm64, synthesise the CDK app and compare it with the SAM
# template, and print the totals on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-python.sh

started=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== build the function binaries (the Lambda runtime tests start them)"
cargo build --workspace --bins --quiet
echo "== cargo test"
set +e
cargo test --workspace 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
echo "== API fuzzing: schemathesis from docs/openapi.json against a local server (scripts/api_fuzz.py)"
set +e
scripts/api_fuzz.py
fuzz_status=$?
set -e
# --- The developer's way in: the docs page in a browser and the README's cargo-lambda loop. Each
# counts as one test; their setup installs what they need (pinned) when it is missing.
echo "== docs page in headless Chromium (scripts/docs_browser_test.py)"
set +e
scripts/setup-browser.sh && .venv-browser/bin/python scripts/docs_browser_test.py
browser_status=$?
echo "== the README's cargo lambda watch + invoke loop (scripts/lambda_watch_test.py)"
scripts/lambda_watch_test.py
watch_status=$?
set -e
# ---
echo "== cfn-lint infra/template.yaml"
.venv/bin/cfn-lint infra/template.yaml
echo "== checkov infra/template.yaml (IaC security scan, settings in .checkov.yaml)"
.venv-checkov/bin/checkov --config-file .checkov.yaml -f infra/template.yaml

# ---- sam build
# `make sam-build`: sam validate --lint, then sam build of every function for arm64 (cargo-lambda
# with the pinned zig, release mode, into target/ beside the test builds), failing when a
# function has no bootstrap or one that is not arm64; prints each bootstrap's size. Counts as
# one test. Cold (clean clone) it is the slowest stage: see docs/deploy.md for its time.
echo "== sam build of every function for arm64 (make sam-build)"
sam_started=$(date +%s)
set +e
make --no-print-directory sam-build
sam_status=$?
set -e
echo "sam build stage took $(( $(date +%s) - sam_started )) s"
# ---- end sam build ---------------------------------------------------------------------------

# ---- CDK app (issue 17) ----------------------------------------------------------------------
# infra/cdk: npm ci at the pinned versions (scripts/setup-cdk.sh), a type check (one test), then
# tests/tests/cdk_parity.rs, whose tests are counted like cargo test's: it synthesises the app
# for dev and prod (bundling the binaries sam build just made; CDK_SYNTH_PREBUILT=1 fails the
# synth if cargo-lambda compiled anything) and compares every resource with the SAM template's.
echo "== CDK app: npm ci, tsc, cdk synth dev and prod, parity with the SAM template"
cdk_started=$(date +%s)
set +e
scripts/setup-cdk.sh && (cd infra/cdk && npx --no-install tsc --noEmit)
cdk_typecheck=$?
CDK_SYNTH_PREBUILT=1 cargo test --workspace --test cdk_parity -- --nocapture 2>&1 | tee -a "$log"
cdk_status=${PIPESTATUS[0]}
set -e
echo "CDK stage took $(( $(date +%s) - cdk_started )) s"
# ---- end CDK app -----------------------------------------------------------------------------

totals=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } } END { printf "%d %d", p, f }' "$log")
passed=${totals% *}
failed=${totals#* }
# The API fuzzing counts as one test.
if [ "$fuzz_status" -eq 0 ]; then
  passed=$(( ${passed:-0} + 1 ))
else
  failed=$(( ${failed:-0} + 1 ))
  echo "API fuzzing FAILED (see its report above)"
fi
for stage in "docs page browser test:$browser_status" "cargo lambda loop test:$watch_status"; do
  if [ "${stage##*:}" -eq 0 ]; then
    passed=$(( ${passed:-0} + 1 ))
  else
    failed=$(( ${failed:-0} + 1 ))
    echo "${stage%:*} FAILED (see its report above)"
  fi
done
# The sam build counts as one test.
if [ "$sam_status" -eq 0 ]; then
  passed=$(( ${passed:-0} + 1 ))
else
  failed=$(( ${failed:-0} + 1 ))
  echo "sam build FAILED (see its output above)"
fi
# The CDK app's type check counts as one test (issue 17).
if [ "$cdk_typecheck" -eq 0 ]; then
  passed=$(( ${passed:-0} + 1 ))
else
  failed=$(( ${failed:-0} + 1 ))
  echo "CDK app type check or install FAILED (see its output above)"
fi
echo
echo "make test finished in $(( $(date +%s) - started )) s"
echo "${passed:-0} passed, ${failed:-0} failed"
[ "$status" -ne 0 ] || status=$fuzz_status
[ "$status" -ne 0 ] || status=$browser_status
[ "$status" -ne 0 ] || status=$watch_status
[ "$status" -ne 0 ] || status=$sam_status
[ "$status" -ne 0 ] || status=$cdk_typecheck
[ "$status" -ne 0 ] || status=$cdk_status
exit "$status"
