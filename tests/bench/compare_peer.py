#!/usr/bin/python3
"""Training speed side by side with the PyTorch reference, interleaved.

    /usr/bin/python3 tests/bench/compare_peer.py BUILD_DIR [--reps 3]

Generates the peer's synthetic sets in /tmp if absent (2,000 items / 20,000
sessions, seed 1; 25,000 items / 30,000 sessions, seed 7), then alternates
sqn_torch.py --mode ce (2 threads, a fixed number of steps, no evaluation) and
bench_train (1 rep) at each size, `reps` times, and prints one JSON line per
size with the medians, every run, and our/peer ratio. The machine is shared:
the spread of the runs is part of the output.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "peer"))
SETS = {2000: ("/tmp/orl_peer_small", 20000, 1, 150), 25000: ("/tmp/orl_peer_big25", 30000, 7, 30)}


def ensure_set(items):
    out, sessions, seed, _ = SETS[items]
    if not os.path.exists(os.path.join(out, "train.csv")):
        subprocess.run([sys.executable, os.path.join(PEER, "make_synth.py"), "--items", str(items),
                        "--sessions", str(sessions), "--seed", str(seed), "--out-dir", out],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def peer_rate(items, coretype):
    out, _, _, steps = SETS[items]
    env = dict(os.environ)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    r = subprocess.run([sys.executable, os.path.join(PEER, "sqn_torch.py"), "--mode", "ce",
                        "--train", out + "/train.csv", "--test", out + "/test.csv", "--epochs", "1",
                        "--no-eval", "--bench-calls", "0", "--n-items", str(items),
                        "--max-steps", str(steps)],
                       check=True, capture_output=True, text=True, env=env)
    j = json.loads(r.stdout.strip().splitlines()[-1])
    return j["train_transitions_per_s"], j.get("blas_core", "?")


def our_rate(build, items):
    env = dict(os.environ, ORL_BENCH_REPS="1")
    r = subprocess.run([os.path.join(build, "tests", "bench_train"), str(items)], check=True,
                       capture_output=True, text=True, env=env)
    j = json.loads(r.stdout.strip().splitlines()[-1])
    return j["transitions_per_s_2t"], j["transitions_per_s_1t"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--items", type=int, nargs="*", default=[2000, 25000])
    ap.add_argument("--peer-coretype", default="",
                    help="OPENBLAS_CORETYPE for the peer (e.g. SkylakeX: its OpenBLAS then uses "
                         "AVX-512 kernels instead of the mis-detected Prescott ones)")
    a = ap.parse_args()
    for items in a.items:
        ensure_set(items)
        peer, ours2, ours1, core = [], [], [], "?"
        for _ in range(a.reps):
            p, core = peer_rate(items, a.peer_coretype)
            o2, o1 = our_rate(a.build, items)
            peer.append(p)
            ours2.append(o2)
            ours1.append(o1)
        mp, mo = statistics.median(peer), statistics.median(ours2)
        print(json.dumps({"bench": "compare_peer", "n_items": items, "reps": a.reps,
                          "peer_transitions_per_s": mp, "ours_transitions_per_s_2t": mo,
                          "ours_transitions_per_s_1t": statistics.median(ours1),
                          "ratio_2t": round(mo / mp, 2), "peer_runs": peer, "our_runs_2t": ours2,
                          "peer_openblas_core": core}), flush=True)


if __name__ == "__main__":
    main()
