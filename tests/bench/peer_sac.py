#!/usr/bin/python3
"""peer_sac.py -- SAC (Xin et al., SIGIR 2020) for the PyTorch peer, on sqn_torch.py's code.

The peer (../shared/peer/sqn_torch.py) has modes ce, sqn, sa2c and pop but no SAC. This
script imports it (never copies it) and keeps everything but the training loop: its
CLI, data loading and transitions, Net (GRU4Rec + CE head + Q head), the double-Q target,
evaluation, scoring benchmark and the one JSON line on stdout. Only `train` is replaced:

  sac : two networks (QN_1, QN_2), each with its own Adam (lr --lr), a coin per step picks
        main/target exactly as sqn_torch's sqn mode, y = r + discount*(1-done)*
        Q_target(s', argmax_a Q_main(s', a)) and qloss = 0.5*(y - Q_main(s,a))^2.
        Steps < --warmup: loss = mean(CE + qloss) (SQN).
        Afterwards: loss = mean(qloss + stop_gradient(Q_main(s,a)) * CE), same Adam (the
        weight is the raw Q value of the taken action, not clipped).
  --warmup -1 (default) = min(15000, total_steps // 2), as sqn_torch's sa2c mode.

Same command line as sqn_torch.py; --mode takes only "sac" (the default). Example:

    /usr/bin/python3 tests/bench/peer_sac.py --train /tmp/small/train.csv \
        --test /tmp/small/test.csv --epochs 3 --bench-calls 0 --seed 0

The peer directory is ORL_PEER_DIR, else $ORL_SHARED_DIR/peer, else ../../../shared/peer
from this file. The JSON line has "mode": "sac" and "warmup_steps".
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEER_DIR = os.environ.get("ORL_PEER_DIR") or (
    os.path.join(os.environ["ORL_SHARED_DIR"], "peer") if os.environ.get("ORL_SHARED_DIR")
    else os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "peer")))
sys.path.insert(0, PEER_DIR)
# The peer sets this before torch loads (libgomp reads it once); torch is
# imported here first, so set it here too, or OpenMP threads spin against
# OpenBLAS's (3.7x slower at 2,000 items).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import sqn_torch as peer  # noqa: E402

_peer_parse_args = peer.parse_args


def parse_args():
    """sqn_torch's parser with --mode sac: parsed as sqn (its choices), then set to sac."""
    argv = sys.argv[1:]
    rest, i = [], 0
    while i < len(argv):
        a = argv[i]
        if a == "--mode" and i + 1 < len(argv):
            mode, i = argv[i + 1], i + 2
        elif a.startswith("--mode="):
            mode, i = a.split("=", 1)[1], i + 1
        else:
            rest.append(a)
            i += 1
            continue
        if mode != "sac":
            sys.exit(f"peer_sac.py: --mode {mode}: only sac here (use sqn_torch.py for the others)")
    saved = sys.argv
    sys.argv = [saved[0], *rest, "--mode", "sqn"]
    try:
        args = _peer_parse_args()
    finally:
        sys.argv = saved
    args.mode = "sac"
    return args


def train(args, tr, n_items, pop_prob):
    """SQN for the warm-up steps, then CE weighted by stop-gradient Q(s,a) plus the TD loss.

    Same seeding, batching, coin and target as sqn_torch.train's sqn mode, so the warm-up
    phase is step for step its SQN. Returns what sqn_torch.train returns."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    N, B = tr["a"].shape[0], args.batch
    nb = N // B  # full batches only, as the peer
    total = nb * args.epochs if args.max_steps <= 0 else min(nb * args.epochs, args.max_steps)
    nets = [peer.Net(n_items, args.hidden, True, args.gru) for _ in range(2)]
    opts = [torch.optim.Adam(n.parameters(), lr=args.lr) for n in nets]
    warmup = args.warmup if args.warmup >= 0 else min(15000, total // 2)
    fast = args.impl == "fast"
    log = peer.log
    log(f"sac: warm-up {warmup} of {total} steps")
    step, t_train, loss = 0, 0.0, None
    for ep in range(args.epochs):
        perm = torch.from_numpy(rng.permutation(N))
        t0 = time.perf_counter()
        ep_steps = 0
        for bi in range(nb):
            if step >= total:
                break
            idx = perm[bi * B:(bi + 1) * B]
            s, ls, a = tr["s"][idx], tr["ls"][idx], tr["a"][idx]
            r, ns, lns, done = tr["r"][idx], tr["ns"][idx], tr["lns"][idx], tr["done"][idx]
            k = int(rng.integers(2))
            main, tgt = nets[k], nets[1 - k]
            with torch.no_grad():  # double-Q target on the next state
                a_star = main.q(main.encode(ns, lns)).max(1).indices
                h_t = tgt.encode(ns, lns)
                q_tp1 = (tgt.q_rows(h_t, a_star) if fast
                         else tgt.q(h_t).gather(1, a_star[:, None]).squeeze(1))
                y = r + args.discount * (1.0 - done) * q_tp1
            h = main.encode(s, ls)
            ce = F.cross_entropy(main.ce(h), a, reduction="none")
            q_sa = main.q_rows(h, a) if fast else main.q(h).gather(1, a[:, None]).squeeze(1)
            qloss = 0.5 * (y - q_sa) ** 2
            if step < warmup:
                loss = (qloss + ce).mean()
            else:
                loss = (qloss + q_sa.detach() * ce).mean()
            opt = opts[k]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            ep_steps += 1
            if step % 200 == 0:
                log(f"  step {step}/{total} loss {float(loss):.4f} "
                    f"{(time.perf_counter() - t0) / ep_steps * 1e3:.1f} ms/step")
        dt = time.perf_counter() - t0
        t_train += dt
        log(f"epoch {ep + 1}: {ep_steps} steps in {dt:.1f}s "
            f"({ep_steps * B / max(dt, 1e-9):.0f} transitions/s)")
    train.warmup = warmup
    return nets, step, t_train, warmup, float(loss) if step else float("nan")


def main():
    peer.parse_args = parse_args
    peer.train = train
    # sqn_torch.main adds "warmup_steps" for mode sa2c only; add it for sac to the one line.
    real_print = print

    def print_with_warmup(*a, **kw):
        if kw.get("file") is None and len(a) == 1 and isinstance(a[0], str) and \
                a[0].startswith("{") and hasattr(train, "warmup"):
            d = peer.json.loads(a[0])
            d["warmup_steps"] = train.warmup
            a = (peer.json.dumps(d),)
        return real_print(*a, **kw)

    peer.print = print_with_warmup  # module-level name lookup in sqn_torch.main
    peer.main()


if __name__ == "__main__":
    main()
