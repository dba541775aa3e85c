"""Sync service benchmark: barrier latency of the ``rpc`` and ``zookeeper`` backends.

Each of P peer processes (multiprocessing, spawn) holds its own SyncClient, registers,
passes the initial barrier, then times ``enter_barrier(s)`` + ``leave_barrier(s)`` for N
barriers.  The first table shows p50, mean, p99 and p99.9 over all peers' samples next to
a baseline measured in the same run: a raw Python TCP round trip between two processes
(ratios = p50 / baseline p50 and mean / p50: a mean far above the p50 means a tail or a
periodic stall dominates the cost).

The second table measures the same thing the way a job pays it: real empty jobs
(``hama run``, local mode, P peers) of ``--job-small`` and ``--job-small + --job-steps``
supersteps, one after the other, ``--job-reps`` times; the per-superstep mean is the
difference of their wall times over ``--job-steps`` (start-up and tear-down cancel, except
what grows with the number of supersteps, such as collecting the barriers' znodes at the
end).  The median of the repetitions is shown, with the smallest and largest.

Run::

    python benchmarks/bench_sync.py [--rpc-barriers 2000] [--zk-barriers 2000] [--zk-quorum host:port]
                                    [--peers 2,4,8] [--job-peers 2,4,8] [--job-reps 3] [--no-jobs]

The ZooKeeper quorum is ``--zk-quorum``, else ``$HAMA_TEST_ZK_QUORUM``, else the ZooKeeper of
``tests/cluster`` (``tests/cluster/cluster.sh up``); if none answers, the ZooKeeper rows show n/a.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _baseline import WARMUP, pct, tcp_rtt  # noqa: E402

from hama_yarn.config import HamaConfiguration  # noqa: E402
from hama_yarn.sync import INITIAL_BARRIER, SyncContext, client_class, server_class  # noqa: E402

#: The job of the job-level rows: N empty supersteps.
EMPTY_JOB = """\
from hama_yarn import BSP


class EmptySupersteps(BSP):
    def bsp(self, peer):
        for _ in range(int(peer.get_configuration().get("bench.supersteps"))):
            peer.sync()
"""


# ------------------------------------------------------------------ barrier peers


def _peer(conf_dict: dict[str, str], job_id: str, num_peers: int, secret: str, master: str, index: int,
          barriers: int, out: Any) -> None:
    try:
        conf = HamaConfiguration.from_dict(conf_dict)
        ctx = SyncContext(conf, job_id, num_peers, secret, master)
        client = client_class(conf)(ctx, index)
        client.register(f"127.0.0.1:{50000 + index}", f"attempt_{job_id[4:]}_{index:06d}_0")
        client.get_peer_names(60)
        client.enter_barrier(INITIAL_BARRIER, 60)
        client.leave_barrier(INITIAL_BARRIER, 60)
        samples = []
        cpu0 = 0.0
        for s in range(barriers + WARMUP):
            if s == WARMUP:
                cpu0 = time.process_time()
            t = time.perf_counter_ns()
            client.enter_barrier(s, 60)
            client.leave_barrier(s, 60)
            samples.append((time.perf_counter_ns() - t) / 1000)
        cpu = (time.process_time() - cpu0) / max(1, barriers) * 1e6
        client.close()
        out.put((index, samples[WARMUP:], cpu, ""))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        out.put((index, [], 0.0, f"{type(exc).__name__}: {exc}"))


def barrier_latency(ctx: Any, backend: str, peers: int, barriers: int, quorum: str = "") -> tuple[list[float], float]:
    """enter+leave latencies (µs) of every peer for *barriers* barriers, and the peers' mean CPU µs per barrier."""
    conf = HamaConfiguration()
    conf.set("hama.sync.client.class", backend)
    conf.set("hama.sync.server.class", backend)
    if quorum:
        conf.set("hama.zookeeper.quorum", quorum)
    job_id = f"job_bench{uuid.uuid4().hex[:8]}_0001"
    secret = secrets.token_hex(16)
    server = server_class(conf)(SyncContext(conf, job_id, peers, secret))
    server.start()
    rpc = None
    master = ""
    if server.thrift_services():
        from hama_yarn.rpc.server import RPCServer

        rpc = RPCServer("127.0.0.1", 0, secret, server.thrift_services(), name="bench-master").start()
        master = f"127.0.0.1:{rpc.port}"
    out = ctx.Queue()
    procs = [ctx.Process(target=_peer, args=(conf.to_dict(), job_id, peers, secret, master, i, barriers, out))
             for i in range(peers)]
    try:
        for p in procs:
            p.start()
        samples: list[float] = []
        cpus: list[float] = []
        errors = []
        for _ in procs:
            _index, got, cpu, error = out.get(timeout=600)
            samples.extend(got)
            cpus.append(cpu)
            if error:
                errors.append(error)
        for p in procs:
            p.join(30)
        if errors:
            raise RuntimeError("; ".join(errors))
        return samples, sum(cpus) / len(cpus)
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
        server.close(True)
        if rpc is not None:
            rpc.stop()


# ------------------------------------------------------------------ ZooKeeper discovery


def find_quorum(explicit: str) -> str:
    """A reachable ZooKeeper quorum, or "" if none answers."""
    candidates = [explicit, os.environ.get("HAMA_TEST_ZK_QUORUM", "")]
    try:
        from tests.cluster.cluster import info

        candidates.append(info().zk_quorum)
    except Exception:  # noqa: BLE001 - the test cluster is optional
        pass
    for quorum in filter(None, candidates):
        try:
            from kazoo.client import KazooClient

            zk = KazooClient(hosts=quorum, timeout=5)
            zk.start(timeout=3)
            zk.stop()
            zk.close()
            return quorum
        except Exception:  # noqa: BLE001
            continue
    return ""


# ------------------------------------------------------------------ job level


def _run_job(script: str, backend: str, peers: int, supersteps: int, quorum: str, tmp: str) -> float:
    """Wall seconds of ``hama run`` of the empty job (local mode), from spawn to exit."""
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", "-q", "run", f"{script}:EmptySupersteps", "-n", str(peers),
           "-D", f"bench.supersteps={supersteps}", "-D", f"hama.sync.client.class={backend}",
           "-D", f"hama.sync.server.class={backend}", "-D", f"hama.tmp.dir={tmp}", "-r", "local"]
    if quorum:
        cmd += ["-D", f"hama.zookeeper.quorum={quorum}"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])))
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"exit {done.returncode}: {tail[0]}")
    return elapsed


def job_superstep_ms(backend: str, peers: int, small: int, steps: int, reps: int, quorum: str, tmp: str) -> list[float]:
    """Per-superstep ms of each repetition: (wall(small + steps) - wall(small)) / steps.

    *tmp* holds the job script and the job registry (one for every row, so job ids do not repeat).
    """
    script = os.path.join(tmp, "empty_job.py")
    if not os.path.exists(script):
        with open(script, "w") as f:
            f.write(EMPTY_JOB)
    out = []
    for _ in range(reps):
        short = _run_job(script, backend, peers, small, quorum, tmp)
        long_ = _run_job(script, backend, peers, small + steps, quorum, tmp)
        out.append((long_ - short) / steps * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rpc-barriers", type=int, default=2000)
    ap.add_argument("--zk-barriers", type=int, default=2000)
    ap.add_argument("--peers", default="2,4,8", help="comma-separated peer counts (default 2,4,8)")
    ap.add_argument("--zk-quorum", default="")
    ap.add_argument("--rtt", type=int, default=5000, help="round trips of the TCP baseline")
    ap.add_argument("--job-peers", default="2,4,8", help="peer counts of the job-level rows")
    ap.add_argument("--job-steps", type=int, default=2000, help="supersteps between the short and the long job")
    ap.add_argument("--job-small", type=int, default=100, help="supersteps of the short job")
    ap.add_argument("--job-reps", type=int, default=3)
    ap.add_argument("--no-jobs", action="store_true", help="skip the job-level rows")
    args = ap.parse_args()
    ctx = mp.get_context("spawn")
    peer_counts = [int(x) for x in args.peers.split(",")]

    rtt = tcp_rtt(ctx, args.rtt)
    base50, base99 = pct(rtt, 0.5), pct(rtt, 0.99)
    quorum = find_quorum(args.zk_quorum)

    base_mean = statistics.fmean(rtt)

    print("\nEmpty-superstep latency: enter_barrier + leave_barrier per superstep, P peer processes")
    print(f"(ZooKeeper: {quorum or 'not reachable'}; python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
          f"load average {_load()} before)\n")
    print("| backend | P | barriers | p50 µs | mean µs | p99 µs | p99.9 µs | p50 / TCP RTT p50 | mean / p50 "
          "| CPU µs per peer per barrier |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| baseline: raw Python TCP round trip (2 processes) | 2 | {len(rtt)} | {base50:.1f} | {base_mean:.1f} "
          f"| {base99:.1f} | {pct(rtt, 0.999):.1f} | 1.0 | {base_mean / base50:.2f} | |")
    for backend, n in (("rpc", args.rpc_barriers), ("zookeeper", args.zk_barriers)):
        for peers in peer_counts:
            if backend == "zookeeper" and not quorum:
                print(f"| {backend} | {peers} | {n} | n/a | n/a | n/a | n/a | n/a | n/a | |")
                continue
            try:
                samples, cpu = barrier_latency(ctx, backend, peers, n, quorum)
            except Exception as exc:  # noqa: BLE001 - one failing row must not hide the others
                print(f"| {backend} | {peers} | {n} | error: {exc} | | | | | | |")
                continue
            p50, mean = pct(samples, 0.5), statistics.fmean(samples)
            print(f"| {backend} | {peers} | {n} | {p50:.1f} | {mean:.1f} | {pct(samples, 0.99):.1f} "
                  f"| {pct(samples, 0.999):.1f} | {p50 / base50:.1f} | {mean / p50:.2f} | {cpu:.0f} |")

    if not args.no_jobs:
        print(f"\nJob level: empty jobs (hama run, local mode) of {args.job_small} and "
              f"{args.job_small + args.job_steps} supersteps; per-superstep mean = difference of wall times / "
              f"{args.job_steps}, median of {args.job_reps} repetitions (load average {_load()} before)\n")
        print("| backend | P | per-superstep mean ms (median) | min | max |")
        print("|---|---|---|---|---|")
        with tempfile.TemporaryDirectory(prefix="hama-bench-sync-") as tmp:
            for backend in ("rpc", "zookeeper"):
                for peers in [int(x) for x in args.job_peers.split(",")]:
                    if backend == "zookeeper" and not quorum:
                        print(f"| {backend} | {peers} | n/a | | |")
                        continue
                    try:
                        ms = job_superstep_ms(backend, peers, args.job_small, args.job_steps, args.job_reps, quorum,
                                              tmp)
                    except Exception as exc:  # noqa: BLE001 - one failing row must not hide the others
                        print(f"| {backend} | {peers} | error: {exc} | | |")
                        continue
                    print(f"| {backend} | {peers} | {statistics.median(ms):.3f} | {min(ms):.3f} | {max(ms):.3f} |",
                          flush=True)
    print(f"\nload average after: {_load()}")
    return 0


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    sys.exit(main())
