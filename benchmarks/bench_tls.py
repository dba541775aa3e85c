"""TLS cost: barrier time and message throughput of real jobs with ``hama.rpc.tls.enabled`` off vs on.

Local mode, P peer processes, ``rpc`` sync.  Every measurement is a difference of two
job wall times, so start-up and tear-down (including TLS's per-connection handshakes,
paid once per job) cancel:

* barrier: (empty job of ``--small + --steps`` supersteps - of ``--small``) / ``--steps``;
* throughput: messages of the heavy job (``--msgs`` messages of ``--size`` bytes from every
  peer to every other peer, each of ``--heavy-steps`` supersteps) / (its wall time - the
  wall time of an empty job with as many supersteps).

Both modes run in the same invocation, interleaved, ``--reps`` times; medians shown.
Goals (issue 17): TLS barrier <= 1.3x, TLS throughput >= 0.7x.

Run::

    python benchmarks/bench_tls.py [--peers 4] [--steps 200] [--msgs 20000] [--size 100] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_BIN = Path(sys.executable).parent / "hama"
HAMA = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "hama_yarn.cli.main"]

JOB = """\
from hama_yarn import BSP


class Steps(BSP):
    def bsp(self, peer):
        conf = peer.get_configuration()
        steps, msgs, size = (int(conf.get(k)) for k in ("bench.steps", "bench.msgs", "bench.size"))
        payload = "x" * size
        others = [n for n in peer.get_all_peer_names() if n != peer.get_peer_name()]
        for _ in range(steps):
            for name in others:
                for _ in range(msgs):
                    peer.send(name, payload)
            peer.sync()
            for _ in peer.messages():
                pass
"""


def run_job(script: Path, tmp: Path, peers: int, steps: int, msgs: int, size: int, tls: bool) -> float:
    args = [*HAMA, "run", f"{script}:Steps", "-n", str(peers), "-r", "local",
            "-D", f"hama.tmp.dir={tmp}", "-D", f"hama.rpc.tls.enabled={'true' if tls else 'false'}",
            "-D", f"bench.steps={steps}", "-D", f"bench.msgs={msgs}", "-D", f"bench.size={size}",
            "-D", "hama.web.enabled=false"]
    env = dict(os.environ)
    env.pop("HAMA_CONF_DIR", None)
    t0 = time.perf_counter()
    p = subprocess.run(args, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=900)
    elapsed = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"job failed (tls={tls}):\n{p.stderr[-3000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peers", type=int, default=4)
    ap.add_argument("--small", type=int, default=10)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--heavy-steps", type=int, default=5)
    ap.add_argument("--msgs", type=int, default=20000)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-tls-") as d:
        tmp = Path(d)
        script = tmp / "steps_job.py"
        script.write_text(JOB)
        barrier: dict[bool, list[float]] = {False: [], True: []}
        rate: dict[bool, list[float]] = {False: [], True: []}
        total_msgs = a.peers * (a.peers - 1) * a.msgs * a.heavy_steps
        for rep in range(a.reps):
            for tls in (False, True):
                small = run_job(script, tmp, a.peers, a.small, 0, 0, tls)
                big = run_job(script, tmp, a.peers, a.small + a.steps, 0, 0, tls)
                barrier[tls].append((big - small) / a.steps)
                empty = run_job(script, tmp, a.peers, a.heavy_steps, 0, 0, tls)
                heavy = run_job(script, tmp, a.peers, a.heavy_steps, a.msgs, a.size, tls)
                rate[tls].append(total_msgs / max(heavy - empty, 1e-6))
                print(f"rep {rep} tls={tls}: barrier {barrier[tls][-1] * 1e3:.2f} ms, "
                      f"{rate[tls][-1]:,.0f} msgs/s", file=sys.stderr, flush=True)
    b_off, b_on = statistics.median(barrier[False]), statistics.median(barrier[True])
    r_off, r_on = statistics.median(rate[False]), statistics.median(rate[True])
    load = os.getloadavg()
    print(f"\nTLS cost, {a.peers} local peers, rpc sync, median of {a.reps} "
          f"(load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")
    print(f"{'measure':<34}{'TLS off':>14}{'TLS on':>14}{'on/off':>9}{'goal':>9}")
    print(f"{'barrier per superstep (ms)':<34}{b_off * 1e3:>14.3f}{b_on * 1e3:>14.3f}{b_on / b_off:>9.2f}{'<=1.3':>9}")
    print(f"{f'messages/s ({a.size} B, {total_msgs:,})':<34}{r_off:>14,.0f}{r_on:>14,.0f}{r_on / r_off:>9.2f}"
          f"{'>=0.7':>9}")


if __name__ == "__main__":
    main()
