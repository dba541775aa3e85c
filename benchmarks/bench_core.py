"""Core BSP benchmarks: empty-superstep (barrier) latency and message throughput.

Prints tables with baselines measured in the same run:

* barrier latency of an empty superstep at P = 2, 4 and 8 (p50, mean, p99 and p99.9 over
  many supersteps, as seen by each peer's ``sync()``; a job pays the mean), next to a raw
  Python TCP round trip between two processes;
* message throughput (8-byte ints, small tuples, short strings): messages per second
  per core through ``send`` + ``sync`` + ``messages()``, next to the rate of a plain
  Python loop that appends the same messages to a list and pickles/unpickles them.

Run::

    python benchmarks/bench_core.py [--supersteps 2000] [--messages 1000000] [--peers 2,4,8]
                                    [--thrift-barrier] [--no-throughput]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import pickle
import statistics
import sys
import tempfile
import time
from typing import Any

from _baseline import pct, tcp_rtt

from hama_yarn import BSP, BSPJob


class EmptySupersteps(BSP):
    def bsp(self, peer: Any) -> None:
        n = int(peer.get_configuration().get("bench.supersteps") or 1000)
        times = []
        for _ in range(n):
            t = time.perf_counter_ns()
            peer.sync()
            times.append(time.perf_counter_ns() - t)
        peer.write(peer.get_peer_index(), ",".join(map(str, times[10:])))


class Throughput(BSP):
    def bsp(self, peer: Any) -> None:
        conf = peer.get_configuration()
        total = int(conf.get("bench.messages") or 100000)
        kind = conf.get("bench.kind") or "int"
        names = peer.get_all_peer_names()
        per = total // len(names)
        if kind == "int":
            payload: list[Any] = list(range(per))
        elif kind == "tuple":
            payload = [(i, 0.5) for i in range(per)]
        else:
            payload = [f"msg-{i}" for i in range(per)]
        peer.sync()
        t = time.perf_counter()
        send = peer.send
        for name in names:
            for m in payload:
                send(name, m)
        peer.sync()
        count = 0
        for _ in peer.messages():
            count += 1
        elapsed = time.perf_counter() - t
        peer.write(peer.get_peer_index(), f"{count},{elapsed}")


def run_job(cls: type, peers: int, out: str, tmp: str, **conf: Any) -> list[str]:
    job = BSPJob(bsp_class=cls)
    job.set_num_bsp_task(peers)
    job.set_output_path(out)
    job.set("hama.tmp.dir", tmp)
    for k, v in conf.items():
        job.set(k, v)
    if not job.wait_for_completion(verbose=False):
        raise SystemExit(f"benchmark job failed: {job.get_diagnostics()}")
    lines = []
    for name in sorted(os.listdir(out)):
        if name.startswith("part-"):
            with open(os.path.join(out, name)) as f:
                lines.extend(line.rstrip("\n") for line in f)
    return lines


def baseline_rate(n: int, kind: str) -> float:
    """Messages/s of appending to a list, pickling and unpickling it, then iterating (one process)."""
    payload: list[Any] = list(range(n)) if kind == "int" else [(i, 0.5) for i in range(n)] if kind == "tuple" else [f"msg-{i}" for i in range(n)]
    t = time.perf_counter()
    buf: list[Any] = []
    append = buf.append
    for m in payload:
        append(m)
    data = pickle.loads(pickle.dumps(buf, protocol=5))
    c = 0
    for _ in data:
        c += 1
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--supersteps", type=int, default=2000)
    ap.add_argument("--messages", type=int, default=1_000_000, help="messages per superstep in total")
    ap.add_argument("--peers", type=lambda v: [int(x) for x in v.split(",")], default=[2, 4, 8],
                    help="peer counts of the latency table (default 2,4,8)")
    ap.add_argument("--thrift-barrier", action="store_true",
                    help="also time barriers as Thrift enter_barrier calls (hama.sync.rpc.channel=false)")
    ap.add_argument("--no-throughput", action="store_true", help="only the latency table")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hama-bench-")
    cores = os.cpu_count() or 1

    rtt = tcp_rtt(mp.get_context(), max(2000, args.supersteps))
    base50 = pct(rtt, 0.5)
    print(f"\n## Empty-superstep latency ({args.supersteps} supersteps, rpc sync, local mode, {cores} cores, "
          f"load average {_load()} before)\n")
    print("| what | P | p50 µs | mean µs | p99 µs | p99.9 µs | p50 / TCP RTT p50 | mean / TCP RTT mean |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    base_mean = statistics.fmean(rtt)
    print(f"| baseline: raw Python TCP round trip (2 processes) | - | {base50:.1f} | {base_mean:.1f} "
          f"| {pct(rtt, 0.99):.1f} | {pct(rtt, 0.999):.1f} | 1.0 | 1.0 |")
    for peers in args.peers:
        for channel in (True, False) if args.thrift_barrier else (True,):
            lines = run_job(EmptySupersteps, peers, f"{tmp}/lat{peers}-{channel}", tmp,
                            **{"bench.supersteps": args.supersteps, "hama.sync.rpc.channel": channel})
            samples = [int(x) / 1000 for line in lines for x in line.split("\t")[1].split(",")]
            p50, mean = pct(samples, 0.5), statistics.fmean(samples)
            what = "hama-yarn sync()" + ("" if channel else " (hama.sync.rpc.channel=false: Thrift enter_barrier)")
            print(f"| {what} | {peers} | {p50:.1f} | {mean:.1f} | {pct(samples, 0.99):.1f} "
                  f"| {pct(samples, 0.999):.1f} | {p50 / base50:.1f}x | {mean / base_mean:.1f}x |", flush=True)
    print(f"\nload average after: {_load()}")

    if args.no_throughput:
        return
    print(f"\n## Message throughput ({args.messages} messages per superstep over 2 peers)\n")
    print("| payload | hama-yarn msgs/s (total) | per core | baseline list+pickle msgs/s (1 core) | ratio per core |")
    print("|---|---:|---:|---:|---:|")
    for kind in ("int", "tuple", "str"):
        lines = run_job(Throughput, 2, f"{tmp}/tp-{kind}", tmp, **{"bench.messages": args.messages, "bench.kind": kind})
        stats = [tuple(map(float, line.split("\t")[1].split(","))) for line in lines]
        received = sum(c for c, _ in stats)
        elapsed = max(e for _, e in stats)
        rate = received / elapsed
        per_core = rate / min(cores, 2)
        base = baseline_rate(args.messages, kind)
        print(f"| {kind} | {rate / 1e6:.2f}M | {per_core / 1e6:.2f}M | {base / 1e6:.2f}M | {per_core / base:.2f} |")
    print()


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    sys.exit(main())
