#!/usr/bin/env bash
# Line coverage of the library by the test suite and the fuzz corpora, per
# layer, with plain gcov. Builds build-cov (gcc --coverage), runs ctest, replays
# the campaign corpora of build-fuzz when present, and prints a summary.
# Usage: scripts/coverage.sh [LAYER...]   (default: data io)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD_DIR:-build-cov}
LAYERS=${*:-"data io"}
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=--coverage -DORL_BUILD_DOCS=OFF \
    -DORL_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$B" -j2 >/dev/null
find "$B" -name '*.gcda' -delete
(cd "$B" && ctest -LE bench >/dev/null) || echo "coverage: some tests failed" >&2
for t in csv gzip jsonl dsfile model_path model_buffer; do
    if [ -d "build-fuzz/tests/fuzz/campaign/$t" ]; then
        "$B/tests/fuzz/replay_$t" "build-fuzz/tests/fuzz/campaign/$t" >/dev/null 2>&1 || true
    fi
done
objdir="$B/lib/CMakeFiles/offlinerl_objects.dir"
for layer in $LAYERS; do
    total=0
    hit=0
    for gcda in "$objdir/$layer"/*.gcda; do
        src=$(basename "$gcda" .gcda)
        out=$(cd "$objdir/$layer" && gcov -n "$(basename "$gcda")" 2>/dev/null |
            awk -v s="/$layer/$src'" 'index($0, "File ") == 1 && index($0, s) {f=1; next}
                f && /^Lines executed/ {print; f=0}')
        pct=$(echo "$out" | sed -E 's/Lines executed:([0-9.]+)% of ([0-9]+)/\1 \2/')
        [ -z "$pct" ] && continue
        set -- $pct
        lines=$2
        covered=$(awk -v p="$1" -v n="$2" 'BEGIN{printf "%d", p*n/100 + 0.5}')
        printf "  %-28s %6s%% of %5s lines\n" "$src" "$1" "$lines"
        total=$((total + lines))
        hit=$((hit + covered))
    done
    awk -v h=$hit -v t=$total -v l="$layer" 'BEGIN{printf "lib/%s: %.1f%% of %d lines\n", l, 100*h/t, t}'
done
