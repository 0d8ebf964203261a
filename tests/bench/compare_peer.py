#!/usr/bin/python3
"""Training speed side by side with the PyTorch reference, interleaved.

    /usr/bin/python3 tests/bench/compare_peer.py BUILD_DIR [--reps 3]
        [--items 2000 25000] [--algos ce sqn sac snqn sa2c bcq cql sqn_cql rem sqn_rem reinforce]
        [--peer-coretype debian SkylakeX] [--peer-sac PATH]
        [--encoders gru4rec sasrec caser nextitnet]

Generates the peer's synthetic sets in /tmp if absent (2,000 items / 20,000
sessions, seed 1; 25,000 items / 30,000 sessions, seed 7). For each size and
algorithm it alternates, `reps` times, one run of the peer per core type and
one of ours, and prints one JSON line with the medians, every run, the
machine's load, and our/peer ratios.

The peer runs with 2 threads, a fixed number of steps (150 at 2,000 items, 30
at 25,000) and no evaluation:
  ce, sqn, sa2c  /usr/bin/python3 shared/peer/sqn_torch.py --mode MODE
  snqn           sqn_torch.py --mode sa2c --warmup 1000000000: its warm-up loss
                 mean(CE + qloss + qloss_neg) with the first Adam, which is SNQN;
                 the warm-up never ends (its opt2 is built, never stepped).
  sac            peer_sac.py (sqn_torch.py's code with a SAC loop), found by
                 --peer-sac, else next to this script; without it SAC's peer
                 columns are null and "peer_gap" says why.
Ours, same threads: bench_rl --data TRAIN.csv --items N --algo A --steps S (the
same file, catalogue, batch, hidden size and number of steps; SAC/SA2C switch to
their weighted phase after half the steps, as the peer's default warm-up
min(15000, steps // 2)); ce: bench_train N (synthetic batches of the peer's
shape, its "transitions_per_s_2t").

bcq, cql, sqn_cql, rem, sqn_rem, reinforce: the peer is shared/peer/offrl_torch.py --algo A
(its defaults: bcq threshold 0.3 and target copy every 8,000 steps, cql alpha 1, rem 4 heads,
reinforce a learned beta head, cap 10, K 1), ours bench_rl --data TRAIN.csv --algo A at the
same defaults. For sqn and reinforce the line also gives our share of the compute bound (the
step's model FLOPs at the output layer's measured GEMM rate, bench_rl's pct_of_blas_bound).

Encoders (--encoders): gru4rec is the rows above. For sasrec, caser and
nextitnet the peer is shared/peer/seqrec_torch.py --encoder E --mode MODE (ce,
sqn and sa2c; the same flags otherwise), and ours is bench_rl --data TRAIN.csv
--encoder E --algo A, ce included (the supervised network on the same batches of
the same file, where gru4rec's ce uses bench_train's synthetic batches).

Peer core types: "debian" leaves OPENBLAS_CORETYPE unset (Debian's OpenBLAS
0.3.21 then picks its SSE3 Prescott kernels on this CPU); "SkylakeX" sets it for
the peer only, so its OpenBLAS uses AVX-512: the fair comparison. The machine is
shared: the spread of the runs and the load are part of the output.
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
ALGOS = ("ce", "sqn", "sac", "snqn", "sa2c")
#: The constrained and pessimistic value methods: their peer is offrl_torch.py --algo A.
OFFRL_ALGOS = ("bcq", "cql", "sqn_cql", "rem", "sqn_rem", "reinforce")


def ensure_set(items):
    out, sessions, seed, _ = SETS[items]
    if not os.path.exists(os.path.join(out, "train.csv")):
        subprocess.run([sys.executable, os.path.join(PEER, "make_synth.py"), "--items", str(items),
                        "--sessions", str(sessions), "--seed", str(seed), "--out-dir", out],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


PEER_ENCODER = {"sasrec": "sasrec", "caser": "caser", "nextitnet": "nextitnet"}


def peer_command(algo, peer_sac, encoder="gru4rec"):
    """The peer's argv prefix for `algo`, or None when there is no peer for it."""
    py = "/usr/bin/python3"
    if encoder != "gru4rec":
        if algo not in ("ce", "sqn", "sa2c"):
            return None
        return [py, os.path.join(PEER, "seqrec_torch.py"), "--encoder", PEER_ENCODER[encoder],
                "--mode", algo]
    if algo in OFFRL_ALGOS:
        return [py, os.path.join(PEER, "offrl_torch.py"), "--algo", algo]
    if algo == "sac":
        return [py, peer_sac, "--mode", "sac"] if peer_sac else None
    if algo == "snqn":
        return [py, os.path.join(PEER, "sqn_torch.py"), "--mode", "sa2c", "--warmup", "1000000000"]
    return [py, os.path.join(PEER, "sqn_torch.py"), "--mode", algo]


def peer_rate(cmd, items, coretype):
    out, _, _, steps = SETS[items]
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    # sqn_torch.py sets this itself before it imports torch; a wrapper that imports torch
    # first (peer_sac.py) would leave libgomp's threads spinning against OpenBLAS's (3.7x
    # slower at 2,000 items). Set in the environment it is the same setting for every peer.
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    if coretype != "debian":
        env["OPENBLAS_CORETYPE"] = coretype
    r = subprocess.run(cmd + ["--train", out + "/train.csv", "--test", out + "/test.csv",
                              "--epochs", "1", "--no-eval", "--bench-calls", "0", "--threads", "2",
                              "--n-items", str(items), "--max-steps", str(steps)],
                       check=True, capture_output=True, text=True, env=env)
    j = json.loads(r.stdout.strip().splitlines()[-1])
    return j["train_transitions_per_s"], j.get("blas_core", "?")


def our_rate(build, algo, items, encoder="gru4rec"):
    """(transitions/s, the bench's JSON line)."""
    env = dict(os.environ, ORL_BENCH_REPS="1")
    env.pop("OPENBLAS_CORETYPE", None)
    if encoder != "gru4rec":
        out, _, _, steps = SETS[items]
        cmd = [os.path.join(build, "tests", "bench_rl"), "--data", out + "/train.csv", "--items",
               str(items), "--algo", algo, "--steps", str(steps), "--threads", "2",
               "--encoder", encoder]
        r = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
        j = json.loads(r.stdout.strip().splitlines()[-1])
        return j["transitions_per_s"], j
    if algo == "ce":
        cmd = [os.path.join(build, "tests", "bench_train"), str(items)]
    else:
        out, _, _, steps = SETS[items]
        cmd = [os.path.join(build, "tests", "bench_rl"), "--data", out + "/train.csv", "--items",
               str(items), "--algo", algo, "--steps", str(steps), "--threads", "2"]
    r = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    j = json.loads(r.stdout.strip().splitlines()[-1])
    return (j["transitions_per_s_2t"] if algo == "ce" else j["transitions_per_s"]), j


def load():
    return [round(x, 2) for x in os.getloadavg()]


def compare(a, algo, items, peer_sac, encoder="gru4rec"):
    ensure_set(items)
    cmd = peer_command(algo, peer_sac, encoder)
    peer = {c: [] for c in a.peer_coretype}
    cores = {c: "?" for c in a.peer_coretype}
    ours, extra = [], []
    load_start = load()
    for _ in range(a.reps):
        if cmd:
            for c in a.peer_coretype:
                p, cores[c] = peer_rate(cmd, items, c)
                peer[c].append(p)
        o, j = our_rate(a.build, algo, items, encoder)
        ours.append(o)
        extra.append(j)
    mo = statistics.median(ours)
    line = {"bench": "compare_peer", "encoder": encoder, "algo": algo, "n_items": items,
            "reps": a.reps,
            "steps": SETS[items][3], "threads": 2,
            "ours_data": "synthetic (bench_train)" if algo == "ce" and encoder == "gru4rec"
            else "same file (bench_rl --data)",
            "ours_transitions_per_s": mo, "our_runs": ours,
            "peer_command": " ".join(os.path.basename(x) for x in cmd[1:]) if cmd else None}
    if not cmd:
        line["peer_gap"] = ("no SAC peer: tests/bench/peer_sac.py not found (--peer-sac PATH)"
                            if encoder == "gru4rec" else "seqrec_torch.py has ce, sqn and sa2c")
    for c in a.peer_coretype:
        key = "peer_" + c.lower()
        mp = statistics.median(peer[c]) if peer[c] else None
        line[key] = {"transitions_per_s": mp, "runs": peer[c], "openblas_core": cores[c],
                     "ratio": round(mo / mp, 2) if mp else None}
    if "SkylakeX" in a.peer_coretype and cmd:
        r = line["peer_skylakex"]["ratio"]
        line["ratio_fair"] = r
        line["meets_4x"] = r is not None and r >= 4.0
    if algo in ("sqn", "reinforce") and encoder == "gru4rec":
        pct = statistics.median(j["pct_of_blas_bound"] for j in extra)
        line["pct_of_blas_bound"] = pct
        line["blas_bound_transitions_per_s"] = statistics.median(
            j["blas_bound_transitions_per_s"] for j in extra)
        line["gflops_openblas_kgemm"] = [statistics.median(j["openblas_gflops"] for j in extra),
                                         statistics.median(j["kgemm_gflops"] for j in extra)]
    if algo in ("sac", "sa2c") and encoder == "gru4rec":
        line["ours_warmup_weighted_transitions_per_s"] = [
            statistics.median(j["warmup_transitions_per_s"] for j in extra),
            statistics.median(j["weighted_transitions_per_s"] for j in extra)]
    line["load_start_end"] = [load_start, load()]
    print(json.dumps(line), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--items", type=int, nargs="*", default=[2000, 25000])
    ap.add_argument("--algos", nargs="*", default=list(ALGOS), choices=ALGOS + OFFRL_ALGOS)
    ap.add_argument("--peer-coretype", nargs="*", default=["debian", "SkylakeX"],
                    help="OPENBLAS_CORETYPE values for the peer, each run in turn ('debian' = "
                         "unset; SkylakeX: its OpenBLAS uses AVX-512 kernels instead of the "
                         "mis-detected Prescott ones)")
    ap.add_argument("--peer-sac", default=None,
                    help="SAC peer script (default: peer_sac.py next to this script, if present)")
    ap.add_argument("--encoders", nargs="*", default=["gru4rec"],
                    choices=["gru4rec", "sasrec", "caser", "nextitnet"])
    a = ap.parse_args()
    for items in a.items:
        if items not in SETS:
            ap.error(f"--items: one of {sorted(SETS)}")
    peer_sac = a.peer_sac
    if peer_sac is None and os.path.exists(os.path.join(HERE, "peer_sac.py")):
        peer_sac = os.path.join(HERE, "peer_sac.py")
    for encoder in a.encoders:
        for items in a.items:
            for algo in a.algos:
                compare(a, algo, items, peer_sac, encoder)


if __name__ == "__main__":
    main()
