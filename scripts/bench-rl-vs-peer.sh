#!/bin/bash
# Training throughput of the RL networks beside the PyTorch peer, in one run on
# the same machine (interleaved: the machine is shared and noisy).
#   scripts/bench-rl-vs-peer.sh [BUILD_DIR]        (default: build)
# Needs /usr/bin/python3 with torch, numpy, pandas (shared/peer/README.md).
# OpenBLAS 0.3.21 picks its Prescott (SSE3) kernels on CPUs it does not know
# (e.g. Sapphire Rapids) unless OPENBLAS_CORETYPE is set: both sides get the
# same value here (override with OPENBLAS_CORETYPE=... in the environment).
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEER=$ROOT/../shared/peer
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-Cooperlake}
BENCH=$ROOT/$BUILD/tests/bench_rl
[ -d /tmp/small ] || /usr/bin/python3 "$PEER/make_synth.py" --items 2000 --sessions 20000 --seed 1 --out-dir /tmp/small >&2
[ -d /tmp/big ] || /usr/bin/python3 "$PEER/make_synth.py" --items 25000 --sessions 200000 --seed 7 --out-dir /tmp/big >&2
peer() { # mode set steps
  /usr/bin/python3 "$PEER/sqn_torch.py" --mode "$1" --train "/tmp/$2/train.csv" --test "/tmp/$2/test.csv" \
      --epochs 1 --no-eval --bench-calls 0 --max-steps "$3" 2>/dev/null |
    /usr/bin/python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print(json.dumps({'peer':d['mode'],'n_items':d['n_items'],'threads':d['torch_threads'],'transitions_per_s':d['train_transitions_per_s'],'ms_per_step':d['ms_per_step'],'blas_core':d.get('blas_core')}))"
}
echo "{\"openblas_coretype\":\"$OPENBLAS_CORETYPE\",\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
for round in 1 2; do
  "$BENCH" 2000 --steps 40 --threads 2
  peer sqn small 120
  peer sa2c small 120
  "$BENCH" 25000 --steps 12 --threads 2
  peer sqn big 30
  peer sa2c big 30
done
"$BENCH" 2000 --steps 40 --threads 1
"$BENCH" 25000 --steps 12 --threads 1
