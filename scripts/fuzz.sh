#!/usr/bin/env bash
# `make fuzz`: every cargo-fuzz target in fuzz/ (or the ones named as arguments), each for a
# bounded time: FUZZ_SECONDS, 30 by default. Installs cargo-fuzz at a pinned version if missing.
#
# cargo-fuzz passes nightly-only compiler flags (-Zsanitizer=address, coverage passes). Only the
# stable toolchain is installed here; RUSTC_BOOTSTRAP=1 makes it accept them, for this build only
# (the fuzz crate is its own workspace with its own target directory, so nothing else is built
# with these flags). Targets run with debug assertions and overflow checks on (-a).
#
# A crash leaves its input in fuzz/artifacts/<target>/; replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -a <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version 2>/dev/null | grep -q " ${CARGO_FUZZ_VERSION}\b"; then
    echo "fuzz: installing cargo-fuzz ${CARGO_FUZZ_VERSION}" >&2
    cargo install cargo-fuzz --version "${CARGO_FUZZ_VERSION}" --locked
fi

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

cargo fuzz build -a
logs=fuzz/target/logs
mkdir -p "$logs"
passed=0
failed=()
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/${target}"
    log="${logs}/${target}.log"
    echo "fuzz: ${target} for ${FUZZ_SECONDS} s (log: ${log})" >&2
    if cargo fuzz run -a "${target}" -- -max_total_time="${FUZZ_SECONDS}" -rss_limit_mb=4096 \
        -print_final_stats=1 >"${log}" 2>&1; then
        runs=$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "${log}" | tail -1 || true)
        echo "fuzz: ${target}: ${runs:-done}, no crash" >&2
        passed=$((passed + 1))
    else
        echo "fuzz: ${target} FAILED; the end of its log:" >&2
        tail -n 40 "${log}" >&2
        failed+=("${target}")
    fi
done

echo "fuzz: ${passed} passed, ${#failed[@]} failed${failed:+ (${failed[*]})}"
[[ ${#failed[@]} -eq 0 ]]
