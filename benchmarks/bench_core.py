"""Core BSP benchmarks: empty-superstep (barrier) latency and message throughput.

Prints tables with baselines measured in the same run:

* barrier latency of an empty superstep at P = 2 and 4 (p50/p99 over many supersteps,
  as seen by each peer's ``sync()``), next to a raw Python TCP round trip between two
  processes;
* message throughput (8-byte ints, small tuples, short strings): messages per second
  per core through ``send`` + ``sync`` + ``messages()``, next to the rate of a plain
  Python loop that appends the same messages to a list and pickles/unpickles them.

Run::

    python benchmarks/bench_core.py [--supersteps 2000] [--messages 1000000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import pickle
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
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hama-bench-")
    cores = os.cpu_count() or 1

    rtt = tcp_rtt(mp.get_context(), max(2000, args.supersteps))
    base50, base99 = pct(rtt, 0.5), pct(rtt, 0.99)
    print(f"\n## Empty-superstep latency ({args.supersteps} supersteps, rpc sync, local mode, {cores} cores)\n")
    print("| what | P | p50 µs | p99 µs | p50 / TCP RTT |")
    print("|---|---:|---:|---:|---:|")
    print(f"| baseline: raw Python TCP round trip (2 processes) | - | {base50:.1f} | {base99:.1f} | 1.0 |")
    for peers in (2, 4):
        lines = run_job(EmptySupersteps, peers, f"{tmp}/lat{peers}", tmp, **{"bench.supersteps": args.supersteps})
        samples = [int(x) / 1000 for line in lines for x in line.split("\t")[1].split(",")]
        p50, p99 = pct(samples, 0.5), pct(samples, 0.99)
        print(f"| hama-yarn sync() | {peers} | {p50:.1f} | {p99:.1f} | {p50 / base50:.1f}x |")

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


if __name__ == "__main__":
    sys.exit(main())
