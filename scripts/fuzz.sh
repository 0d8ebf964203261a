#!/usr/bin/env bash
# Fuzzing campaigns with libFuzzer: builds build-fuzz (clang, ORL_FUZZ=ON),
# makes the seed corpora, then runs each target for SECONDS (default 1800),
# at most JOBS targets at a time (default 2), under nice. The growing corpus
# of target T is build-fuzz/tests/fuzz/campaign/T (replayed by ctest in that
# build); crashes land in build-fuzz/fuzz-artifacts/T/. Logs: build-fuzz/fuzz-logs/.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-1800}
[ $# -gt 0 ] && shift
TARGETS=${*:-"csv gzip jsonl dsfile model_path model_buffer"}
JOBS=${JOBS:-2}
B=${BUILD_DIR:-build-fuzz}

CC=${CC:-clang} cmake -S . -B "$B" -DORL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DORL_BUILD_EXAMPLES=OFF -DORL_BUILD_DOCS=OFF >/dev/null
build_targets=(fuzz_make_seeds)
for t in $TARGETS; do build_targets+=("fuzz_$t"); done
cmake --build "$B" -j2 --target "${build_targets[@]}" >/dev/null
"$B/tests/fuzz/fuzz_make_seeds" "$B/tests/fuzz/seeds" ../shared >/dev/null
mkdir -p "$B/fuzz-logs"

run_one() {
    t=$1
    corpus="$B/tests/fuzz/campaign/$t"
    art="$B/fuzz-artifacts/$t"
    mkdir -p "$corpus" "$art"
    nice -n 10 "$B/tests/fuzz/fuzz_$t" "$corpus" "$B/tests/fuzz/seeds/$t" tests/fuzz/corpus/$t \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=2048 -timeout=20 \
        -print_final_stats=1 -artifact_prefix="$art/" >"$B/fuzz-logs/$t.log" 2>&1 || true
    execs=$(grep -E '^stat::number_of_executed_units' "$B/fuzz-logs/$t.log" | awk '{print $2}')
    crashes=$(ls "$art" | grep -cE '^(crash|leak|timeout|oom)-' || true)
    echo "$t: executions ${execs:-?}, corpus $(ls "$corpus" | wc -l) files, findings $crashes"
}

running=0
for t in $TARGETS; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
# Any crash, leak, timeout or out-of-memory input fails the run.
found=$(find "$B/fuzz-artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) | wc -l)
if [ "$found" -gt 0 ]; then
    echo "fuzz: $found findings under $B/fuzz-artifacts (reproduce: replay_TARGET FILE)" >&2
    exit 1
fi
