"""Start-up cost of a trivial local job: submit to done, next to the process floor.

The job is 100 empty supersteps at P = 2 (a BSP whose ``bsp()`` calls ``peer.sync()``
100 times), run in local mode (a master process and P peer processes on this machine):

* ``hama run`` (CLI): wall time of the whole ``hama run job.py -n 2`` command, from
  exec to exit (interpreter start, imports, submit, the job, the counters, exit);
* ``BSPJob`` (in-process): ``wait_for_completion()`` in this already-warm process
  (submit, master and peers, the job, release), as a library user sees it;
* ``-r inline`` (reference): the same job with the master and peers as threads of
  this process: the job's own cost without any process start;
* ``hama run``, master spawned: the CLI row with ``hama.local.master.fork=false`` (the
  master a new interpreter running ``appmaster/``, as before the client forked it).

Baselines measured in the same run, alternating with the rows above so load hits all
alike: ``python -c pass`` (one interpreter start) and three sequential ones (the
process floor of a client, a master and a peer started one after another); and the
import cost of the client and of the master/peer code.  Ratios are against the floor.
Product goal: the CLI row <= 0.5 s every time (max) and a median <= 0.30 s, stretch 0.25 s.

Other processes share the cores: the load average is printed before and after.  For
a steadier number pin everything to the same CPUs, e.g.
``taskset -c 0,1 python benchmarks/bench_startup.py``.

Run::

    .venv/bin/python benchmarks/bench_startup.py [-n 10] [--peers 2] [--supersteps 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

JOB = '''
from hama_yarn import BSP


class Empty(BSP):
    """{n} empty supersteps."""

    def bsp(self, peer):
        for _ in range({n}):
            peer.sync()
'''

CLIENT_IMPORTS = "import hama_yarn.cli.main"
WORKER_IMPORTS = "import hama_yarn.entry, hama_yarn.master.server, hama_yarn.peer.main, hama_yarn.sync.rpc"


def _hama() -> list[str]:
    exe = Path(sys.executable).parent / "hama"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "hama_yarn.cli.main"]


def _timed(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _spawn(code: str, times: int = 1) -> Callable[[], None]:
    def run() -> None:
        for _ in range(times):
            subprocess.run([sys.executable, "-c", code], check=True, stdin=subprocess.DEVNULL)
    return run


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", "--runs", type=int, default=10, help="runs per row (default 10)")
    p.add_argument("--peers", type=int, default=2, help="P (default 2)")
    p.add_argument("--supersteps", type=int, default=100, help="empty supersteps (default 100)")
    p.add_argument("--no-inline", action="store_true", help="skip the -r inline reference row")
    args = p.parse_args(argv)

    from hama_yarn import BSPJob
    from hama_yarn.config import HamaConfiguration

    tmp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    script = tmp / "empty_job.py"
    script.write_text(JOB.format(n=args.supersteps))
    hama_tmp = tmp / "hama-tmp"
    env = dict(os.environ)
    env.pop("HAMA_CONF_DIR", None)
    cli = [*_hama(), "-q", "run", str(script), "-n", str(args.peers), "-D", f"hama.tmp.dir={hama_tmp}"]

    def run_cli(*extra: str) -> Callable[[], None]:
        def run() -> None:
            r = subprocess.run([*cli, *extra], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
            if r.returncode != 0:
                raise SystemExit(f"hama run failed ({r.returncode}):\n{r.stderr}")
        return run

    def run_job(mode: str) -> Callable[[], None]:
        def run() -> None:
            conf = HamaConfiguration()
            conf.set("hama.tmp.dir", str(hama_tmp))
            conf.set("bsp.master.address", mode)
            job = BSPJob(conf, f"{script}:Empty")
            job.set_num_bsp_task(args.peers)
            if not job.wait_for_completion(verbose=False):
                raise SystemExit(f"the {mode} job failed: {job.get_diagnostics()}")
            if job.get_superstep_count() != args.supersteps:
                raise SystemExit(f"expected {args.supersteps} supersteps, got {job.get_superstep_count()}")
        return run

    rows: list[tuple[str, Callable[[], None]]] = [
        ("python -c pass", _spawn("pass")),
        ("3 x python -c pass (floor)", _spawn("pass", 3)),
        ("import client (hama_yarn.cli.main)", _spawn(CLIENT_IMPORTS)),
        ("import master+peer modules", _spawn(WORKER_IMPORTS)),
        (f"hama run (CLI), P={args.peers}", run_cli()),
        (f"BSPJob in-process, P={args.peers}", run_job("local")),
        ("hama run, master spawned", run_cli("-D", "hama.local.master.fork=false")),
    ]
    if not args.no_inline:
        rows.append((f"-r inline (threads), P={args.peers}", run_job("inline")))

    load_before = os.getloadavg()
    for _, fn in rows:  # warm-up: page cache, bytecode, the registry directory
        fn()
    samples: dict[str, list[float]] = {name: [] for name, _ in rows}
    for _ in range(args.runs):
        for name, fn in rows:  # interleaved, so load changes hit every row alike
            samples[name].append(_timed(fn))
    load_after = os.getloadavg()

    floor = statistics.median(samples[rows[1][0]])
    print(f"Trivial local job start-up: {args.supersteps} empty supersteps, P={args.peers}, "
          f"{args.runs} runs per row (interleaved), {os.cpu_count()} CPUs"
          + (f", affinity {sorted(os.sched_getaffinity(0))}" if hasattr(os, "sched_getaffinity") else ""))
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f}")
    print(f"{'row':<40}{'median s':>10}{'max s':>9}{'min s':>9}{'median/floor':>14}")
    for name, _ in rows:
        v = samples[name]
        med = statistics.median(v)
        print(f"{name:<40}{med:>10.3f}{max(v):>9.3f}{min(v):>9.3f}{med / floor:>13.2f}x")
    cli_s = samples[rows[4][0]]
    spawned = statistics.median(samples[rows[6][0]])
    print(f"forked master vs spawned: {spawned / statistics.median(cli_s):.2f}x faster")
    print(f"goal: hama run <= 0.5 s every time: {'met' if max(cli_s) <= 0.5 else 'NOT met'} "
          f"(max {max(cli_s):.3f} s); median <= 0.30 s: {'met' if statistics.median(cli_s) <= 0.30 else 'NOT met'}; "
          f"stretch 0.25 s: {'met' if statistics.median(cli_s) <= 0.25 else 'not met'} "
          f"(median {statistics.median(cli_s):.3f} s)")
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
