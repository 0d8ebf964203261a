#!/usr/bin/env bash
# The main job: install what is missing, build, then on the built-in simulator's
# logs: train a recommender, evaluate it as the papers do, and show recommendations.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
orl=build/examples/orl
mkdir -p out

echo "== 1. simulated logs: 12,000 sessions over 500 items, with logging propensities"
$orl sim generate --sessions 12000 --items 500 --seed 1 --out out/sim_logs.csv
$orl data inspect out/sim_logs.csv | head -n 12

echo
echo "== 2. train GRU4Rec (supervised next item) on 90% of the sessions, test on the rest"
$orl train --data out/sim_logs.csv --holdout 0.1 --epochs 5 --seed 1 --out out/model.orl

echo
echo "== 3. recommendations for the history of a logged session"
# The first logged session with at least 6 events, minus its last 2 (what comes next?).
history=$(awk -F, 'NR > 1 { if ($1 != s) { if (n >= 6) exit; s = $1; n = 0; h = "" }
                            n++; if (n <= 4) h = h (h ? "," : "") $3 } END { print h }' out/sim_logs.csv)
echo "history: $history"
$orl recommend --model out/model.orl --history "$history" -k 10
echo
echo "model: out/model.orl    logs: out/sim_logs.csv    (orl --help lists every command)"
