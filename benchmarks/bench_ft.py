"""Fault-tolerance costs: checkpoint overhead per superstep and time to recover (issue 13).

1. Vectorized PageRank on an R-MAT graph (default rmat20), local mode, run twice in this
   process's run: without fault tolerance (the baseline) and with a checkpoint every
   ``--interval`` supersteps.  Reported: seconds per iteration (``ITERATION_NANOS /
   ITERATIONS``), the mean time one peer spends writing one checkpoint
   (``CHECKPOINT_TIME_MS`` / parts written), bytes per checkpoint, and the ratios: the
   overhead of a checkpointed superstep against one iteration (goal <= 15 % at interval 5)
   and the job time against the baseline.
2. Time to recover: the 20-superstep, 4-peer job of tests/ft undisturbed and with peer 2
   SIGKILLed at superstep 10 (checkpoint every superstep); the difference is the cost of
   one recovery (kill detection, respawn, restore, the lost superstep).

The machine is shared: the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_graph import cached_rmat  # noqa: E402

from hama_yarn.config import HamaConfiguration  # noqa: E402
from hama_yarn.graph import GraphJob  # noqa: E402
from hama_yarn.graph.algorithms import pagerank  # noqa: E402
from hama_yarn.graph.runner import COUNTER_GROUP  # noqa: E402
from hama_yarn.master.state import JOB_COUNTER_GROUP  # noqa: E402


def pagerank_run(inp: str, tmp: str, peers: int, iterations: int, interval: int) -> dict[str, float]:
    conf = HamaConfiguration()
    conf.set("bsp.master.address", "local")
    conf.set("hama.tmp.dir", os.path.join(tmp, "hama"))
    if interval:
        conf.set("bsp.checkpoint.enabled", "true")
        conf.set("bsp.checkpoint.interval", str(interval))
    job = GraphJob(conf)
    job.set_num_bsp_task(peers)
    job.set_vectorized(True)
    pagerank.configure_graphalytics(job, 0.85, iterations)
    job.set_input_path(inp)
    job.set_output_path(os.path.join(tmp, f"out{time.monotonic_ns()}"))
    start = time.perf_counter()
    if not job.wait_for_completion(verbose=False):
        raise SystemExit(job.get_diagnostics())
    wall = time.perf_counter() - start
    c = job.get_counters()
    its = max(1, c.get(COUNTER_GROUP, "ITERATIONS"))
    steps = c.get(JOB_COUNTER_GROUP, "SUPERSTEPS")
    parts = (steps // interval) * peers if interval else 0
    return {
        "iter": c.get(COUNTER_GROUP, "ITERATION_NANOS") / 1e9 / its,
        "job": wall,
        "ckpt_ms_per_part": c.get(JOB_COUNTER_GROUP, "CHECKPOINT_TIME_MS") / parts if parts else 0.0,
        "ckpt_bytes": c.get(JOB_COUNTER_GROUP, "CHECKPOINT_BYTES") / (parts / peers) if parts else 0.0,
        "checkpoints": parts / peers if parts else 0,
    }


def ft_steps_run(tmp: str, kill: str | None) -> tuple[float, str]:
    job = ROOT / "tests" / "ft" / "jobs" / "ft_steps.py"
    out = os.path.join(tmp, f"ftout{time.monotonic_ns()}")
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", "run", str(job), "-n", "4", "-o", out,
           "-D", f"hama.tmp.dir={tmp}/hama", "-D", "bsp.ft.enabled=true", "-D", "bsp.checkpoint.enabled=true"]
    if kill:
        cmd += ["-D", f"test.ft.kill={kill}"]
    env = dict(os.environ)
    env.pop("HAMA_CONF_DIR", None)
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    m = re.search(r"RECOVERIES=(\d+)", p.stderr)
    return wall, m.group(1) if m else "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=20)
    ap.add_argument("--edge-factor", type=int, default=16)
    ap.add_argument("--peers", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--interval", type=int, default=5)
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "hama-bench-graphs"))
    ap.add_argument("--skip-recovery", action="store_true")
    args = ap.parse_args(argv)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        adj, _src, _dst, _ = cached_rmat(args.scale, args.edge_factor, args.peers, args.cache, tmp)
        base = pagerank_run(adj, tmp, args.peers, args.iterations, 0)
        ft = pagerank_run(adj, tmp, args.peers, args.iterations, args.interval)
        g = f"rmat{args.scale} vectorized PageRank P={args.peers}"
        rows.append((f"{g}: s per iteration, no FT", f"{base['iter']:.3f}", "1.00"))
        rows.append((f"{g}: s per iteration, checkpoint every {args.interval}", f"{ft['iter']:.3f}",
                     f"{ft['iter'] / base['iter']:.2f}"))
        per_ckpt = ft["ckpt_ms_per_part"] / 1000
        rows.append((f"{g}: s writing one checkpoint (per peer, mean)", f"{per_ckpt:.3f}",
                     f"{per_ckpt / base['iter']:.2f} of an iteration"))
        rows.append((f"{g}: MB per checkpoint (all peers)", f"{ft['ckpt_bytes'] / 1e6:.1f}", ""))
        rows.append((f"{g}: job s, no FT / with checkpoints", f"{base['job']:.2f} / {ft['job']:.2f}",
                     f"{ft['job'] / base['job']:.2f}"))
        if not args.skip_recovery:
            clean, _ = ft_steps_run(tmp, None)
            killed, rec = ft_steps_run(tmp, "2@10")
            rows.append(("20-superstep P=4 job (checkpoint every superstep), undisturbed s", f"{clean:.2f}", "1.00"))
            rows.append((f"same, peer 2 SIGKILLed at superstep 10 (RECOVERIES={rec}) s", f"{killed:.2f}",
                         f"{killed / clean:.2f}"))
            rows.append(("time to recover (difference) s", f"{killed - clean:.2f}", ""))
    width = max(len(r[0]) for r in rows)
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"({os.cpu_count()} cores)")
    print(f"{'measure'.ljust(width)}  {'value':>14}  ratio")
    for name, value, ratio in rows:
        print(f"{name.ljust(width)}  {value:>14}  {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
