"""Graph benchmarks (perf-anchors §7, B3/B4 at small scale): Vertex API and vectorized path vs scipy.

For an R-MAT graph (Graph500: a=0.57, b=c=0.19, ids permuted; duplicate edges and
self loops kept as generated, as Hama would load them) written as a text adjacency
list, it measures in the same run:

* Graphalytics PageRank (d=0.85), P peers in local mode (processes), with the
  Vertex API and with the vectorized path (``GraphJob.set_vectorized``): seconds per
  iteration = (T(k2) - T(k1)) / (k2 - k1), so loading and job start cancel out;
  next to one scipy CSR SpMV iteration (single thread, same dangling update), the
  stand-in for the hardware (perf-anchors §5);
* messages/s per core (edges per iteration / time / P) of both paths;
* job time of SSSP (weights 1..255, source = vertex with most out-edges) of both
  paths next to ``scipy.sparse.csgraph.dijkstra``;
* graph load + job start + k1 iterations per edge (T(k1) / edges).

Run::

    python benchmarks/bench_graph.py [--scale 14] [--edge-factor 16] [--peers 2] [--skip-vertex-api]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from typing import Any

import numpy as np
import psutil  # type: ignore[import-untyped]
import scipy.sparse as sp  # type: ignore[import-untyped]
from scipy.sparse.csgraph import dijkstra  # type: ignore[import-untyped]

from hama_yarn.config import HamaConfiguration
from hama_yarn.graph import GraphJob
from hama_yarn.graph.runner import COUNTER_GROUP
from hama_yarn.graph.algorithms import pagerank, paths
from hama_yarn.graph.generators import rmat, rmat_weights, write_adjacency


def run(job: GraphJob, inp: str, tmp: str) -> float:
    job.set_input_path(inp)
    job.set_output_path(os.path.join(tmp, f"out{time.monotonic_ns()}"))
    start = time.perf_counter()
    if not job.wait_for_completion(verbose=False):
        raise SystemExit(job.get_diagnostics())
    return time.perf_counter() - start


def new_job(peers: int, tmp: str, mode: str, vectorized: bool = False) -> GraphJob:
    conf = HamaConfiguration()
    conf.set("bsp.master.address", mode)
    conf.set("hama.tmp.dir", os.path.join(tmp, "hama"))
    job = GraphJob(conf)
    job.set_num_bsp_task(peers)
    job.set_vectorized(vectorized)
    return job


def pagerank_per_iteration(peers: int, tmp: str, mode: str, inp: str, k1: int, k2: int) -> tuple[float, float]:
    """Vertex API: (seconds per iteration = (T(k2) - T(k1)) / (k2 - k1), T(k1))."""
    ts = []
    for k in (k1, k2):
        job = new_job(peers, tmp, mode)
        pagerank.configure_graphalytics(job, 0.85, k)
        ts.append(run(job, inp, tmp))
    return (ts[1] - ts[0]) / (k2 - k1), ts[0]


def vectorized_pagerank(peers: int, tmp: str, mode: str, inp: str, iterations: int,
                        repeats: int) -> tuple[float, float, float]:
    """Vectorized: median (seconds per iteration, load seconds, job seconds) from the runner's counters.

    The per-iteration time is ``ITERATION_NANOS / ITERATIONS`` (peer 0's wall time of
    the whole iteration loop, barriers included; job start and output excluded).
    """
    per, load, total = [], [], []
    for _ in range(repeats):
        job = new_job(peers, tmp, mode, True)
        pagerank.configure_graphalytics(job, 0.85, iterations)
        total.append(run(job, inp, tmp))
        c = job.get_counters()
        per.append(c.get(COUNTER_GROUP, "ITERATION_NANOS") / 1e9 / max(1, c.get(COUNTER_GROUP, "ITERATIONS")))
        load.append(c.get(COUNTER_GROUP, "LOAD_NANOS") / 1e9)
    return float(np.median(per)), float(np.median(load)), float(np.median(total))


class PeakRss:
    """Samples the resident memory of this process's descendants (the peers) every 20 ms."""

    def __init__(self) -> None:
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            for c in me.children(recursive=True):
                try:
                    rss = c.memory_info().rss
                except psutil.Error:
                    continue
                if rss > self.peak.get(c.pid, 0):
                    self.peak[c.pid] = rss
            self._stop.wait(0.02)

    def top(self, k: int) -> list[int]:
        """The *k* largest per-process peaks (the peers; the master is small)."""
        return sorted(self.peak.values(), reverse=True)[:k]


def scipy_pagerank_iteration(n: int, src: Any, dst: Any) -> float:
    """Median seconds of one single-thread scipy CSR PageRank iteration (pull, dangling update)."""
    m = len(src)
    a = sp.csr_matrix((np.ones(m), (dst, src)), shape=(n, n))  # duplicates summed = multi-edges
    outdeg = np.bincount(src, minlength=n).astype(float)
    inv = np.where(outdeg > 0, 1.0 / np.maximum(outdeg, 1), 0.0)
    dangling_mask = outdeg == 0
    r = np.full(n, 1.0 / n)
    times = []
    for _ in range(20):
        t = time.perf_counter()
        dangling = r[dangling_mask].sum()
        r = 0.15 / n + 0.85 * (a @ (r * inv) + dangling / n)
        times.append(time.perf_counter() - t)
    return float(np.median(times[1:]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", default="20,22", help="R-MAT scales of the PageRank runs (comma-separated)")
    p.add_argument("--sssp-scale", type=int, default=20)
    p.add_argument("--vertex-api-scale", type=int, default=16, help="0 skips the Vertex API runs")
    p.add_argument("--edge-factor", type=int, default=16)
    p.add_argument("--peers", type=int, default=2)
    p.add_argument("--mode", default="local", choices=["local", "inline"])
    p.add_argument("--k1", type=int, default=2, help="Vertex API: short run")
    p.add_argument("--k2", type=int, default=5, help="Vertex API: long run")
    p.add_argument("--iterations", type=int, default=20, help="vectorized: PageRank iterations per run")
    p.add_argument("--repeats", type=int, default=2, help="vectorized: repeats (median)")
    args = p.parse_args(argv)
    P = args.peers
    rows: list[tuple[str, str, str]] = []
    print(f"P={P} ({args.mode}), edge factor {args.edge_factor}, {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for scale in [int(x) for x in args.scales.split(",") if x]:
            n = 1 << scale
            t = time.perf_counter()
            src, dst = rmat(scale, args.edge_factor)
            m = len(src)
            adj = os.path.join(tmp, f"g{scale}")
            write_adjacency(adj, n, src, dst, None, parts=P)
            text_bytes = sum(os.path.getsize(os.path.join(adj, f)) for f in os.listdir(adj))
            print(f"rmat{scale}: {m} edges, {text_bytes / 1e6:.0f} MB text, generated+written in "
                  f"{time.perf_counter() - t:.0f} s", flush=True)
            scipy_iter = scipy_pagerank_iteration(n, src, dst)
            del src, dst
            with PeakRss() as rss:
                vec_iter, vec_load, vec_job = vectorized_pagerank(P, tmp, args.mode, adj, args.iterations,
                                                                  args.repeats)
            peaks = rss.top(P)
            shutil.rmtree(adj)
            g = f"rmat{scale}"
            rows.append((f"{g} scipy PageRank s/iter (1 thread)", f"{scipy_iter:.4f}",
                         f"{m / scipy_iter / 1e6:.0f}M e/s"))
            rows.append((f"{g} vectorized PageRank s/iter (P={P})", f"{vec_iter:.4f}",
                         f"{vec_iter / scipy_iter:.2f}x scipy (goal <= 3x, stretch <= 1x); "
                         f"{m / vec_iter / 1e6:.0f}M e/s"))
            rows.append((f"{g} vectorized messages/s per core", f"{m / vec_iter / P / 1e6:.1f}M",
                         f"{m / vec_iter / P / 20e6:.2f}x the 20M goal (across processes)"))
            rows.append((f"{g} graph load per edge (text, wall)", f"{vec_load / m * 1e6:.2f} us",
                         f"{vec_load / m * 1e6:.2f}x the 1 us goal; {vec_load * P / m * 1e6:.2f} core-us"))
            if peaks:
                rows.append((f"{g} peak RSS per edge (sum of {P} peers)", f"{sum(peaks) / m:.1f} B",
                             f"{sum(peaks) / m / 24:.2f}x the 24 B goal; max peer {max(peaks) / 2**20:.0f} MiB"))
            rows.append((f"{g} vectorized PageRank job s ({args.iterations} iters)", f"{vec_job:.2f}",
                         "incl. start, load, output"))

        if args.sssp_scale:
            scale = args.sssp_scale
            n = 1 << scale
            src, dst = rmat(scale, args.edge_factor)
            m = len(src)
            weights = rmat_weights(m)
            wadj = os.path.join(tmp, "w")
            write_adjacency(wadj, n, src, dst, weights, parts=P)
            g_ = sp.csr_matrix((weights.astype(float), (src, dst)), shape=(n, n))
            source = int(np.argmax(np.bincount(src, minlength=n)))
            del src, dst, weights
            t = time.perf_counter()
            dijkstra(g_, indices=source)
            scipy_sssp = time.perf_counter() - t
            del g_
            job = new_job(P, tmp, args.mode, True)
            paths.configure_sssp(job, str(source))
            vec_sssp = run(job, wadj, tmp)
            c = job.get_counters()
            loop = c.get(COUNTER_GROUP, "ITERATION_NANOS") / 1e9
            msgs = c.get(COUNTER_GROUP, "MESSAGES_SENT")
            shutil.rmtree(wadj)
            rows.append((f"rmat{scale} scipy dijkstra s", f"{scipy_sssp:.3f}", ""))
            rows.append((f"rmat{scale} vectorized SSSP s (iterations only)", f"{loop:.3f}",
                         f"{loop / scipy_sssp:.2f}x dijkstra; {c.get(COUNTER_GROUP, 'ITERATIONS')} supersteps, "
                         f"{msgs / loop / P / 1e6:.1f}M msgs/s per core"))
            rows.append((f"rmat{scale} vectorized SSSP job s", f"{vec_sssp:.3f}",
                         f"{vec_sssp / scipy_sssp:.2f}x dijkstra (incl. start, load, output)"))

        if args.vertex_api_scale:
            scale = args.vertex_api_scale
            n = 1 << scale
            src, dst = rmat(scale, args.edge_factor)
            m = len(src)
            adj = os.path.join(tmp, "v")
            write_adjacency(adj, n, src, dst, None, parts=P)
            scipy_iter = scipy_pagerank_iteration(n, src, dst)
            per_iter, t1 = pagerank_per_iteration(P, tmp, args.mode, adj, args.k1, args.k2)
            vec_iter, vec_load, _ = vectorized_pagerank(P, tmp, args.mode, adj, args.iterations, args.repeats)
            g = f"rmat{scale}"
            rows.append((f"{g} Vertex API PageRank s/iter", f"{per_iter:.3f}",
                         f"{per_iter / scipy_iter:.0f}x scipy; {per_iter / vec_iter:.0f}x vectorized"))
            rows.append((f"{g} Vertex API messages/s per core", f"{m / per_iter / P / 1e6:.2f}M",
                         f"vectorized on {g}: {m / vec_iter / P / 1e6:.1f}M"))
            rows.append((f"{g} Vertex API load+start+{args.k1} iters per edge", f"{t1 / m * 1e6:.2f} us",
                         f"vectorized load {vec_load / m * 1e6:.2f} us/edge"))

    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
