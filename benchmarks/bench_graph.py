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
import sys
import tempfile
import time
from typing import Any

import numpy as np
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=int, default=14)
    p.add_argument("--edge-factor", type=int, default=16)
    p.add_argument("--peers", type=int, default=2)
    p.add_argument("--mode", default="local", choices=["local", "inline"])
    p.add_argument("--k1", type=int, default=2, help="Vertex API: short run")
    p.add_argument("--k2", type=int, default=7, help="Vertex API: long run")
    p.add_argument("--iterations", type=int, default=30, help="vectorized: PageRank iterations per run")
    p.add_argument("--repeats", type=int, default=3, help="vectorized: repeats (median)")
    p.add_argument("--skip-vertex-api", action="store_true")
    args = p.parse_args(argv)
    n = 1 << args.scale
    src, dst = rmat(args.scale, args.edge_factor)
    m = len(src)
    weights = rmat_weights(m)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        adj = os.path.join(tmp, "g")
        wadj = os.path.join(tmp, "w")
        write_adjacency(adj, n, src, dst, None, parts=args.peers)
        write_adjacency(wadj, n, src, dst, weights, parts=args.peers)

        # scipy baseline: pull CSR (row = destination), dangling redistribution, 1 thread.
        a = sp.csr_matrix((np.ones(m), (dst, src)), shape=(n, n))  # duplicates summed = multi-edges
        outdeg = np.bincount(src, minlength=n).astype(float)
        inv = np.where(outdeg > 0, 1.0 / np.maximum(outdeg, 1), 0.0)
        dangling_mask = outdeg == 0
        r = np.full(n, 1.0 / n)
        times = []
        for _ in range(30):
            t = time.perf_counter()
            dangling = r[dangling_mask].sum()
            r = 0.15 / n + 0.85 * (a @ (r * inv) + dangling / n)
            times.append(time.perf_counter() - t)
        scipy_iter = float(np.median(times[1:]))

        vec_iter, vec_load, vec_job = vectorized_pagerank(args.peers, tmp, args.mode, adj, args.iterations,
                                                          args.repeats)
        if not args.skip_vertex_api:
            per_iter, t1 = pagerank_per_iteration(args.peers, tmp, args.mode, adj, args.k1, args.k2)

        g = sp.csr_matrix((weights.astype(float), (src, dst)), shape=(n, n))
        source = int(np.argmax(outdeg))
        t = time.perf_counter()
        dijkstra(g, indices=source)
        scipy_sssp = time.perf_counter() - t
        job = new_job(args.peers, tmp, args.mode, True)
        paths.configure_sssp(job, str(source))
        vec_sssp = run(job, wadj, tmp)
        if not args.skip_vertex_api:
            job = new_job(args.peers, tmp, args.mode)
            paths.configure_sssp(job, str(source))
            sssp = run(job, wadj, tmp)

    def ratio(x: float, base: float) -> str:
        return f"{x / base:.1f}x"

    rows.append(("scipy SpMV PageRank s/iteration (1 thread)", f"{scipy_iter:.4f}", f"{m / scipy_iter / 1e6:.0f}M e/s"))
    rows.append(("vectorized PageRank s/iteration", f"{vec_iter:.4f}",
                 f"{ratio(vec_iter, scipy_iter)} scipy; {m / vec_iter / 1e6:.0f}M e/s"))
    if not args.skip_vertex_api:
        rows.append(("Vertex API PageRank s/iteration", f"{per_iter:.3f}",
                     f"{ratio(per_iter, scipy_iter)} scipy; {ratio(per_iter, vec_iter)} vectorized"))
    rows.append(("vectorized messages/s per core", f"{m / vec_iter / args.peers / 1e6:.1f}M",
                 "goal 20M (across processes)"))
    if not args.skip_vertex_api:
        rows.append(("Vertex API messages/s per core", f"{m / per_iter / args.peers / 1e6:.2f}M", ""))
    rows.append(("scipy dijkstra s", f"{scipy_sssp:.4f}", ""))
    rows.append(("vectorized SSSP job s", f"{vec_sssp:.3f}", f"{ratio(vec_sssp, scipy_sssp)} dijkstra (incl. load)"))
    if not args.skip_vertex_api:
        rows.append(("Vertex API SSSP job s", f"{sssp:.3f}", f"{ratio(sssp, scipy_sssp)} dijkstra (incl. load)"))
    rows.append(("vectorized graph load per edge (text)", f"{vec_load / m * 1e6:.2f} us", "goal 1 us (text)"))
    rows.append((f"vectorized PageRank job s ({args.iterations} iters)", f"{vec_job:.3f}", "incl. start, load, output"))
    if not args.skip_vertex_api:
        rows.append((f"Vertex API load+start+{args.k1} iters per edge", f"{t1 / m * 1e6:.2f} us", ""))
    print(f"R-MAT scale {args.scale}, edge factor {args.edge_factor}: {n} vertices, {m} edges; "
          f"P={args.peers} ({args.mode})")
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
