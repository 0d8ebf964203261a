#!/usr/bin/env bash
# The main job: install what is missing, build, then on the built-in simulator's logs:
# train a supervised recommender and an offline-RL one, evaluate both as the papers do,
# measure their true long-term value in the simulator, and show recommendations.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
orl=build/examples/orl
world=(--items 200 --seed 1) # the simulated world: its logs, and the rollouts below
mkdir -p out

echo "== 1. logs of 10,000 simulated sessions over 200 items (clicks, purchases, propensities)"
$orl sim generate --sessions 10000 "${world[@]}" --out out/sim_logs.csv
$orl data inspect out/sim_logs.csv | head -n 5

echo
echo "== 2. supervised GRU4Rec (next item): train on 90% of the sessions, test on the rest"
$orl train --data out/sim_logs.csv --holdout 0.1 --epochs 4 --seed 1 --out out/sl.orl

echo
echo "== 3. SA2C (offline RL: purchases 1.0, clicks 0.2, discount 0.5) on the same split"
$orl train --data out/sim_logs.csv --holdout 0.1 --epochs 4 --seed 1 --algo sa2c --out out/sa2c.orl

echo
echo "== 4. true value per session in the simulator (what the offline metrics cannot show)"
$orl sim baselines "${world[@]}" --sessions 1000 | grep '"logging"'
$orl sim value --model out/sl.orl "${world[@]}" --sessions 1000
$orl sim value --model out/sa2c.orl "${world[@]}" --sessions 1000

echo
echo "== 5. recommendations for the start of a logged session (what comes next?)"
history=$(awk -F, 'NR > 1 { if ($1 != s) { if (n >= 6) exit; s = $1; n = 0; h = "" }
                            n++; if (n <= 4) h = h (h ? "," : "") $3 } END { print h }' out/sim_logs.csv)
echo "history: $history"
$orl recommend --model out/sa2c.orl --history "$history" -k 5
echo
echo "models: out/sl.orl out/sa2c.orl    logs: out/sim_logs.csv    (orl --help lists every command)"
