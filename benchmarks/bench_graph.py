"""Graph benchmarks (perf-anchors §7, B3/B4 at small scale): the Vertex API against scipy.

For an R-MAT graph (Graph500 parameters a=0.57, b=0.19, c=0.19; duplicate edges and
self loops kept as generated, as Hama would load them) written as a text adjacency
list, it measures in the same run:

* Graphalytics PageRank (d=0.85) with the Vertex API, P peers in local mode
  (processes): seconds per iteration = (T(k2) - T(k1)) / (k2 - k1), so loading and
  job start cancel out; next to one scipy CSR SpMV iteration (single thread);
* messages/s per core of the Vertex API (edges per iteration / time / P);
* job time of SSSP (weights 1..255) next to ``scipy.sparse.csgraph.dijkstra``;
* graph load + job start time per edge (T(k1) / edges).

The vectorized numpy path of issue 6 item 4 does not exist yet; its row is absent.

Run::

    python benchmarks/bench_graph.py [--scale 14] [--edge-factor 16] [--peers 2]
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
from hama_yarn.graph.algorithms import pagerank, paths


def rmat(scale: int, edge_factor: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Graph500 R-MAT edge list (src, dst) of ``edge_factor * 2**scale`` edges."""
    rng = np.random.default_rng(seed)
    m = edge_factor << scale
    src = np.zeros(m, dtype=np.int64)
    dst = np.zeros(m, dtype=np.int64)
    a, b, c = 0.57, 0.19, 0.19
    for bit in range(scale):
        r = rng.random(m)
        right = (r > a) & (r <= a + b) | (r > a + b + c)
        down = r > a + b
        src |= down.astype(np.int64) << bit
        dst |= right.astype(np.int64) << bit
    return src, dst


def write_adjacency(path: str, n: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray | None) -> None:
    order = np.argsort(src, kind="stable")
    s, d = src[order], dst[order]
    ww = w[order] if w is not None else None
    bounds = np.searchsorted(s, np.arange(n + 1))
    with open(path, "w") as f:
        for v in range(n):
            lo, hi = bounds[v], bounds[v + 1]
            if ww is None:
                nbrs = " ".join(map(str, d[lo:hi]))
            else:
                nbrs = " ".join(f"{x}:{y}" for x, y in zip(d[lo:hi], ww[lo:hi]))
            f.write(f"{v}\t{nbrs}\n" if nbrs else f"{v}\n")


def run(job: GraphJob, inp: str, tmp: str) -> float:
    job.set_input_path(inp)
    job.set_output_path(os.path.join(tmp, f"out{time.monotonic_ns()}"))
    start = time.perf_counter()
    if not job.wait_for_completion(verbose=False):
        raise SystemExit(job.get_diagnostics())
    return time.perf_counter() - start


def new_job(peers: int, tmp: str, mode: str) -> GraphJob:
    conf = HamaConfiguration()
    conf.set("bsp.master.address", mode)
    conf.set("hama.tmp.dir", os.path.join(tmp, "hama"))
    job = GraphJob(conf)
    job.set_num_bsp_task(peers)
    return job


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=int, default=14)
    p.add_argument("--edge-factor", type=int, default=16)
    p.add_argument("--peers", type=int, default=2)
    p.add_argument("--mode", default="local", choices=["local", "inline"])
    p.add_argument("--k1", type=int, default=2)
    p.add_argument("--k2", type=int, default=7)
    args = p.parse_args(argv)
    n = 1 << args.scale
    src, dst = rmat(args.scale, args.edge_factor)
    m = len(src)
    rng = np.random.default_rng(2)
    weights = rng.integers(1, 256, m)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        adj = os.path.join(tmp, "g.adj")
        wadj = os.path.join(tmp, "w.adj")
        write_adjacency(adj, n, src, dst, None)
        write_adjacency(wadj, n, src, dst, weights)

        # scipy baseline: pull CSR (row = destination), dangling redistribution.
        a = sp.csr_matrix((np.ones(m), (dst, src)), shape=(n, n))  # duplicates summed = multi-edges
        outdeg = np.bincount(src, minlength=n).astype(float)
        inv = np.where(outdeg > 0, 1.0 / np.maximum(outdeg, 1), 0.0)
        r = np.full(n, 1.0 / n)
        times = []
        for _ in range(10):
            t = time.perf_counter()
            dangling = r[outdeg == 0].sum()
            r = 0.15 / n + 0.85 * (a @ (r * inv) + dangling / n)
            times.append(time.perf_counter() - t)
        scipy_iter = float(np.median(times[1:]))

        t1 = t2 = 0.0
        for k, slot in ((args.k1, 1), (args.k2, 2)):
            job = new_job(args.peers, tmp, args.mode)
            pagerank.configure_graphalytics(job, 0.85, k)
            t = run(job, adj, tmp)
            if slot == 1:
                t1 = t
            else:
                t2 = t
        per_iter = (t2 - t1) / (args.k2 - args.k1)
        rate = m / per_iter / args.peers

        g = sp.csr_matrix((weights.astype(float), (src, dst)), shape=(n, n))
        source = int(np.argmax(outdeg))
        t = time.perf_counter()
        dijkstra(g, indices=source)
        scipy_sssp = time.perf_counter() - t
        job = new_job(args.peers, tmp, args.mode)
        paths.configure_sssp(job, str(source))
        sssp = run(job, wadj, tmp)

    rows.append(("PageRank s/iteration", f"{per_iter:.3f}", f"scipy SpMV {scipy_iter:.4f} -> {per_iter / scipy_iter:.0f}x"))
    rows.append(("Vertex API messages/s per core", f"{rate / 1e6:.2f}M", "goal (vectorized) 20M"))
    rows.append(("SSSP job s", f"{sssp:.2f}", f"scipy dijkstra {scipy_sssp:.4f} -> {sssp / scipy_sssp:.0f}x"))
    rows.append(("load+start+{k} iters per edge".format(k=args.k1), f"{t1 / m * 1e6:.2f} us", "goal 1 us (text)"))
    print(f"R-MAT scale {args.scale}, edge factor {args.edge_factor}: {n} vertices, {m} edges; "
          f"P={args.peers} ({args.mode})")
    width = max(len(r[0]) for r in rows)
    for name, value, ratio in rows:
        print(f"{name:<{width}}  {value:>10}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
