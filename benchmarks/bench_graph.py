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
* graph load + job start + k1 iterations per edge (T(k1) / edges);
* peak resident memory per edge of the vectorized PageRank job (:class:`PeakRss`);
* graph load per edge from the same graph as a SequenceFile (``Text`` ->
  ``TextArrayWritable``, ``--seq-scale``) next to text;
* whole-job time (``--job-scale``, issue 15 item 4): the client's wall time of one
  vectorized PageRank job (submit to output committed) with its load / iterations /
  output split from the counters, next to a single-process numpy/scipy run of the same
  work (:func:`scipy_pagerank_job`: parse the same text, build the CSR matrix, iterate,
  write ``id<TAB>value`` lines), whose values it is checked against.

Run::

    python benchmarks/bench_graph.py [--scales 20,22] [--sssp-scale 20] [--vertex-api-scale 16]
                                     [--seq-scale 20] [--job-scale 22] [--peers 2] [--cache DIR]

Generated graphs are kept in ``--cache`` (default ``$TMPDIR/hama-bench-graphs``).
Peak RSS is the sum of the peers' kernel high-water marks (``VmHWM``) over the
whole job, load and output included; the master process is reported, not counted.
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
from hama_yarn.graph.generators import rmat, rmat_weights, write_adjacency, write_sequencefile


def run(job: GraphJob, inp: str, tmp: str) -> float:
    job.set_input_path(inp)
    job.set_output_path(os.path.join(tmp, f"out{time.monotonic_ns()}"))
    start = time.perf_counter()
    if not job.wait_for_completion(verbose=False):
        raise SystemExit(job.get_diagnostics())
    return time.perf_counter() - start


def new_job(peers: int, tmp: str, mode: str, vectorized: bool = False, **extra: str) -> GraphJob:
    conf = HamaConfiguration()
    for k, v in extra.items():
        conf.set(k, v)
    conf.set("bsp.master.address", mode)
    conf.set("hama.tmp.dir", os.path.join(tmp, "hama"))
    job = GraphJob(conf)
    job.set_num_bsp_task(peers)
    job.set_vectorized(vectorized)
    return job


def pagerank_per_iteration(peers: int, tmp: str, mode: str, inp: str, k1: int, k2: int,
                           **extra: str) -> tuple[float, float]:
    """Vertex API: (seconds per iteration = (T(k2) - T(k1)) / (k2 - k1), T(k1)); *extra*: configuration."""
    ts = []
    for k in (k1, k2):
        job = new_job(peers, tmp, mode, **extra)
        pagerank.configure_graphalytics(job, 0.85, k)
        ts.append(run(job, inp, tmp))
    return (ts[1] - ts[0]) / (k2 - k1), ts[0]


def vectorized_pagerank(peers: int, tmp: str, mode: str, inp: str, iterations: int,
                        repeats: int, fmt: str = "adjacency", **extra: str) -> dict[str, float]:
    """Vectorized PageRank, *repeats* runs: medians of the times, maxima of the memory figures.

    ``iter`` is ``ITERATION_NANOS / ITERATIONS`` (peer 0's wall time of the whole
    iteration loop, barriers included; job start and output excluded), ``load`` is
    ``LOAD_NANOS``, ``job`` the client's wall time.  ``rss`` is the sum of the peers'
    peak RSS of one run (:class:`PeakRss`; load, iterations and output included),
    ``rss_counter`` the runner's ``PEAK_RSS_BYTES`` and ``master`` the master's peak.
    """
    runs: dict[str, list[float]] = {k: [] for k in ("iter", "load", "job", "rss", "rss_counter", "master")}
    for _ in range(repeats):
        job = new_job(peers, tmp, mode, True, **extra)
        job.set_input_format(fmt)
        pagerank.configure_graphalytics(job, 0.85, iterations)
        with PeakRss() as rss:
            runs["job"].append(run(job, inp, tmp))
        c = job.get_counters()
        runs["iter"].append(c.get(COUNTER_GROUP, "ITERATION_NANOS") / 1e9 / max(1, c.get(COUNTER_GROUP, "ITERATIONS")))
        runs["load"].append(c.get(COUNTER_GROUP, "LOAD_NANOS") / 1e9)
        runs["rss"].append(float(sum(rss.peers())))
        runs["rss_counter"].append(float(c.get(COUNTER_GROUP, "PEAK_RSS_BYTES")))
        runs["master"].append(float(rss.master()))
    out = {k: float(np.median(runs[k])) for k in ("iter", "load", "job")}
    out.update({k: max(runs[k]) for k in ("rss", "rss_counter", "master")})
    return out


def cached_rmat(scale: int, edge_factor: int, parts: int, cache: str, tmp: str,
                weighted: bool = False) -> tuple[str, Any, Any, Any]:
    """R-MAT graph *scale* as text adjacency in *parts* files, plus its ``(src, dst, weights)`` arrays.

    With *cache* (a directory), the text and the arrays (``.npy``, int32) are kept there
    under ``rmat{scale}-ef{edge_factor}-p{parts}[-w]/`` and reused by later runs
    (rmat22 takes about a minute to generate); without, they go to *tmp*.
    """
    name = f"rmat{scale}-ef{edge_factor}-p{parts}{'-w' if weighted else ''}"
    base = os.path.join(cache or tmp, name)
    text = os.path.join(base, "text")
    done = os.path.join(base, "complete")
    if not os.path.exists(done):
        shutil.rmtree(base, ignore_errors=True)
        os.makedirs(base)
        src, dst = rmat(scale, edge_factor)
        w = rmat_weights(len(src)) if weighted else None
        write_adjacency(text, 1 << scale, src, dst, w, parts=parts)
        np.save(os.path.join(base, "src.npy"), src.astype(np.int32))
        np.save(os.path.join(base, "dst.npy"), dst.astype(np.int32))
        if w is not None:
            np.save(os.path.join(base, "w.npy"), w.astype(np.int32))
        del src, dst, w
        open(done, "w").close()
    src = np.load(os.path.join(base, "src.npy"))
    dst = np.load(os.path.join(base, "dst.npy"))
    w = np.load(os.path.join(base, "w.npy")) if weighted else None
    return text, src, dst, w


def cached_seq(scale: int, edge_factor: int, parts: int, cache: str, tmp: str) -> str:
    """The graph of :func:`cached_rmat` as a graph SequenceFile (``Text -> TextArrayWritable``), cached alike."""
    base = os.path.join(cache or tmp, f"rmat{scale}-ef{edge_factor}-p{parts}")
    seq = os.path.join(base, "seq")
    done = os.path.join(base, "seq-complete")
    if not os.path.exists(done):
        _, src, dst, _ = cached_rmat(scale, edge_factor, parts, cache, tmp)
        shutil.rmtree(seq, ignore_errors=True)
        write_sequencefile(seq, 1 << scale, src.astype(np.int64), dst.astype(np.int64), parts=parts)
        open(done, "w").close()
    return seq


class PeakRss:
    """Peak resident memory of the job's processes, from the kernel's high-water mark.

    Every 20 ms it reads ``VmHWM`` (the peak RSS the kernel recorded for the process's
    whole life) of every descendant of this process and keeps the last value per pid,
    so short spikes between samples are not missed; only growth within the last 20 ms
    before a process exits could be.  Peers (``container``) and the master
    (``appmaster``) are told apart by their command line and, in local mode, where the
    master forks its peers (same command line), by parentage.  The memory goal counts the
    peers only; the master is reported separately.  The runner's own
    ``PEAK_RSS_BYTES`` counter (the peers' ``ru_maxrss`` at the end of their BSP
    function, summed) is the cross-check.
    """

    def __init__(self) -> None:
        self.peak: dict[int, int] = {}
        self.role: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._before: set[int] = set()

    def __enter__(self) -> PeakRss:
        # processes of an earlier run that are still exiting are not this run's
        self._before = {c.pid for c in psutil.Process().children(recursive=True)}
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _hwm(pid: int) -> int:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0

    def _role(self, c: Any) -> str:
        """``peer``, ``master`` or ``other``.  A local-mode master forks its peers, which keep its
        command line (``appmaster``): a process whose parent is a master is a peer."""
        cmd = " ".join(c.cmdline())
        if "container" in cmd:
            return "peer"
        if "appmaster" not in cmd:
            return "other"
        parent = self.role.get(c.ppid())
        if parent is None:
            try:
                parent = "master" if "appmaster" in " ".join(psutil.Process(c.ppid()).cmdline()) else "other"
            except (psutil.Error, OSError):
                parent = "other"
        return "peer" if parent != "other" else "master"

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            for c in me.children(recursive=True):
                if c.pid in self._before:
                    continue
                try:
                    if c.pid not in self.role:
                        self.role[c.pid] = self._role(c)
                    self.peak[c.pid] = max(self.peak.get(c.pid, 0), self._hwm(c.pid))
                except (psutil.Error, OSError, ValueError):
                    continue
            self._stop.wait(0.02)

    def peers(self) -> list[int]:
        """Each peer process's peak RSS in bytes."""
        return [v for pid, v in self.peak.items() if self.role.get(pid) == "peer"]

    def master(self) -> int:
        """The master process's peak RSS in bytes (0: not seen)."""
        return max([v for pid, v in self.peak.items() if self.role.get(pid) == "master"], default=0)


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


def _parse_adjacency_file(path: str) -> tuple[Any, Any, Any]:
    """``(vertices, src, dst)`` of one adjacency text file, single process: the tokens by
    ``np.fromstring`` (C ``strtoll``), the line structure from a whitespace mask."""
    with open(path, "rb") as f:
        raw = b"\n" + f.read() + b"\n"
    b = np.frombuffer(raw, dtype=np.uint8)
    ws = b <= 32
    st = np.flatnonzero(ws[:-1] & ~ws[1:]) + 1
    del ws
    first = b[st - 1] == 10  # the generated text: single separators, no blank lines
    del st, b
    tokens = np.fromstring(raw, dtype=np.int64, sep=" ")
    del raw
    fi = np.flatnonzero(first)
    vertices = tokens[fi]
    dst = tokens[~first]
    src = np.repeat(vertices, np.diff(np.append(fi, len(tokens))) - 1)
    return vertices, src, dst


def scipy_pagerank_job(text: str, out: str, iterations: int) -> dict[str, float]:
    """The whole PageRank job in one process with numpy/scipy (the same-run baseline of the
    whole-job row): parse every part of *text*, build the CSR matrix (pull: row = destination,
    duplicates summed), *iterations* Graphalytics iterations (d = 0.85, dangling rank spread),
    write ``id<TAB>value`` lines to *out*.  Returns the seconds of ``load``, ``iter``,
    ``output`` and ``job``."""
    t0 = time.perf_counter()
    parts = [_parse_adjacency_file(os.path.join(text, f)) for f in sorted(os.listdir(text))
             if not f.startswith((".", "_"))]
    ids = np.concatenate([p[0] for p in parts])
    src = np.concatenate([p[1] for p in parts])
    dst = np.concatenate([p[2] for p in parts])
    del parts
    n = int(ids.max()) + 1
    a = sp.csr_matrix((np.ones(len(src)), (dst, src)), shape=(n, n))
    outdeg = np.bincount(src, minlength=n).astype(float)
    del src, dst
    inv = np.where(outdeg > 0, 1.0 / np.maximum(outdeg, 1), 0.0)
    dangling_mask = outdeg == 0
    t1 = time.perf_counter()
    nv = len(ids)
    r = np.full(n, 1.0 / nv)
    for _ in range(iterations):
        dangling = r[dangling_mask].sum()
        r = 0.15 / nv + 0.85 * (a @ (r * inv) + dangling / nv)
    t2 = time.perf_counter()
    with open(out, "w") as f:
        step = 1 << 16
        for i in range(0, nv, step):
            chunk = ids[i:i + step]
            f.write("".join([f"{k}\t{v}\n" for k, v in zip(chunk.tolist(), r[chunk].tolist())]))
    t3 = time.perf_counter()
    return {"load": t1 - t0, "iter": t2 - t1, "output": t3 - t2, "job": t3 - t0}


def _read_values(path: str) -> dict[int, float]:
    """``id -> value`` of a job's text output directory (or one file)."""
    files = [path] if os.path.isfile(path) else \
        [os.path.join(path, f) for f in sorted(os.listdir(path)) if f.startswith("part-")]
    out: dict[int, float] = {}
    for name in files:
        with open(name) as f:
            for line in f:
                k, _, v = line.partition("\t")
                out[int(k)] = float(v)
    return out


def whole_job(peers: int, tmp: str, mode: str, inp: str, iterations: int) -> dict[str, float]:
    """One vectorized PageRank job (client wall time, submit to output committed) and its
    counter split, next to :func:`scipy_pagerank_job`; ``err`` is the largest relative
    difference of a vertex's value between the two."""
    job = new_job(peers, tmp, mode, True)
    job.set_input_format("adjacency")
    pagerank.configure_graphalytics(job, 0.85, iterations)
    out_dir = os.path.join(tmp, f"job{time.monotonic_ns()}")
    job.set_input_path(inp)
    job.set_output_path(out_dir)
    start = time.perf_counter()
    if not job.wait_for_completion(verbose=False):
        raise SystemExit(job.get_diagnostics())
    wall = time.perf_counter() - start
    c = job.get_counters()
    res = {"job": wall, "load": c.get(COUNTER_GROUP, "LOAD_NANOS") / 1e9,
           "iter": c.get(COUNTER_GROUP, "ITERATION_NANOS") / 1e9,
           "output": c.get(COUNTER_GROUP, "OUTPUT_NANOS") / 1e9}
    ref_path = os.path.join(tmp, "scipy-pagerank.txt")
    ref = scipy_pagerank_job(inp, ref_path, iterations)
    res.update({f"scipy_{k}": v for k, v in ref.items()})
    got, want = _read_values(out_dir), _read_values(ref_path)
    if set(got) != set(want):
        raise SystemExit(f"whole job: {len(got)} output vertices, the scipy run {len(want)}")
    res["err"] = max(abs(got[k] - v) / abs(v) for k, v in want.items())
    shutil.rmtree(out_dir, ignore_errors=True)
    os.remove(ref_path)
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scales", default="20,22", help="R-MAT scales of the PageRank runs (comma-separated)")
    p.add_argument("--sssp-scale", type=int, default=20, help="0 skips the SSSP run")
    p.add_argument("--vertex-api-scale", type=int, default=16, help="0 skips the Vertex API runs")
    p.add_argument("--seq-scale", type=int, default=20,
                   help="load the graph of this scale from a SequenceFile and from text (0 skips)")
    p.add_argument("--job-scale", type=int, default=22,
                   help="whole-job time of PageRank on this scale next to single-process scipy (0 skips)")
    p.add_argument("--job-iterations", type=int, default=20, help="PageRank iterations of the whole-job run")
    p.add_argument("--edge-factor", type=int, default=16)
    p.add_argument("--peers", type=int, default=2)
    p.add_argument("--mode", default="local", choices=["local", "inline"])
    p.add_argument("--k1", type=int, default=2, help="Vertex API: short run")
    p.add_argument("--k2", type=int, default=5, help="Vertex API: long run")
    p.add_argument("--store-cache", type=int, default=1 << 20,
                   help="Vertex API disk store: hama.graph.vertices.store.cache.bytes")
    p.add_argument("--iterations", type=int, default=20, help="vectorized: PageRank iterations per run")
    p.add_argument("--repeats", type=int, default=2, help="vectorized: repeats (median)")
    p.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "hama-bench-graphs"),
                   help="directory keeping generated graphs between runs ('' = regenerate every run)")
    args = p.parse_args(argv)
    P = args.peers
    rows: list[tuple[str, str, str]] = []
    print(f"P={P} ({args.mode}), edge factor {args.edge_factor}, {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for scale in [int(x) for x in args.scales.split(",") if x]:
            n = 1 << scale
            t = time.perf_counter()
            adj, src, dst, _ = cached_rmat(scale, args.edge_factor, P, args.cache, tmp)
            m = len(src)
            text_bytes = sum(os.path.getsize(os.path.join(adj, f)) for f in os.listdir(adj))
            print(f"rmat{scale}: {m} edges, {text_bytes / 1e6:.0f} MB text, ready in "
                  f"{time.perf_counter() - t:.0f} s", flush=True)
            scipy_iter = scipy_pagerank_iteration(n, src, dst)
            del src, dst
            vec = vectorized_pagerank(P, tmp, args.mode, adj, args.iterations, args.repeats)
            g = f"rmat{scale}"
            vec_iter = vec["iter"]
            rows.append((f"{g} scipy PageRank s/iter (1 thread)", f"{scipy_iter:.4f}",
                         f"{m / scipy_iter / 1e6:.0f}M e/s"))
            rows.append((f"{g} vectorized PageRank s/iter (P={P})", f"{vec_iter:.4f}",
                         f"{vec_iter / scipy_iter:.2f}x scipy (goal <= 3x, stretch <= 1x); "
                         f"{m / vec_iter / 1e6:.0f}M e/s"))
            rows.append((f"{g} vectorized messages/s per core", f"{m / vec_iter / P / 1e6:.1f}M",
                         f"{m / vec_iter / P / 20e6:.2f}x the 20M goal (across processes)"))
            rows.append((f"{g} graph load per edge (text, wall)", f"{vec['load'] / m * 1e6:.2f} us",
                         f"{vec['load'] / m * 1e6:.2f}x the 1 us goal; {vec['load'] * P / m * 1e6:.2f} core-us"))
            if args.mode == "local":
                rows.append((f"{g} peak RSS per edge (sum of {P} peers)", f"{vec['rss'] / m:.1f} B",
                             f"{vec['rss'] / m / 24:.2f}x the 24 B goal (stretch 12 B); "
                             f"peers' ru_maxrss {vec['rss_counter'] / m:.1f} B; "
                             f"master (not counted) {vec['master'] / 2**20:.0f} MiB"))
            rows.append((f"{g} vectorized PageRank job s ({args.iterations} iters)", f"{vec['job']:.2f}",
                         "incl. start, load, output"))

        if args.sssp_scale:
            scale = args.sssp_scale
            n = 1 << scale
            wadj, src, dst, weights = cached_rmat(scale, args.edge_factor, P, args.cache, tmp, weighted=True)
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
            rows.append((f"rmat{scale} scipy dijkstra s", f"{scipy_sssp:.3f}", ""))
            rows.append((f"rmat{scale} vectorized SSSP s (iterations only)", f"{loop:.3f}",
                         f"{loop / scipy_sssp:.2f}x dijkstra; {c.get(COUNTER_GROUP, 'ITERATIONS')} supersteps, "
                         f"{msgs / loop / P / 1e6:.1f}M msgs/s per core"))
            rows.append((f"rmat{scale} vectorized SSSP job s", f"{vec_sssp:.3f}",
                         f"{vec_sssp / scipy_sssp:.2f}x dijkstra (incl. start, load, output)"))

        if args.seq_scale:
            scale = args.seq_scale
            adj, src, _, _ = cached_rmat(scale, args.edge_factor, P, args.cache, tmp)
            m = len(src)
            del src
            seq = cached_seq(scale, args.edge_factor, P, args.cache, tmp)
            load = {fmt: vectorized_pagerank(P, tmp, args.mode, inp, 1, args.repeats, fmt)["load"]
                    for fmt, inp in (("adjacency", adj), ("sequencefile", seq))}
            rows.append((f"rmat{scale} graph load per edge (SequenceFile, wall)",
                         f"{load['sequencefile'] / m * 1e6:.2f} us",
                         f"{load['sequencefile'] / load['adjacency']:.2f}x text "
                         f"({load['adjacency'] / m * 1e6:.2f} us in this run)"))

        if args.job_scale:
            scale = args.job_scale
            adj, _, _, _ = cached_rmat(scale, args.edge_factor, P, args.cache, tmp)
            load_avg = os.getloadavg()[0]
            jr = whole_job(P, tmp, args.mode, adj, args.job_iterations)
            rows.append((f"rmat{scale} PageRank whole job s ({args.job_iterations} iters, P={P})", f"{jr['job']:.2f}",
                         f"load {jr['load']:.2f} + iterations {jr['iter']:.2f} + output {jr['output']:.2f} "
                         f"(peer 0); {jr['job'] / jr['scipy_job']:.2f}x single-process scipy "
                         f"{jr['scipy_job']:.2f} s (load {jr['scipy_load']:.2f} + iterations {jr['scipy_iter']:.2f} "
                         f"+ output {jr['scipy_output']:.2f}); goal <= 12 s; max rel diff {jr['err']:.1e}; "
                         f"load avg {load_avg:.1f}"))

        if args.vertex_api_scale:
            scale = args.vertex_api_scale
            n = 1 << scale
            adj, src, dst, _ = cached_rmat(scale, args.edge_factor, P, args.cache, tmp)
            m = len(src)
            scipy_iter = scipy_pagerank_iteration(n, src, dst)
            per_iter, t1 = pagerank_per_iteration(P, tmp, args.mode, adj, args.k1, args.k2)
            vec = vectorized_pagerank(P, tmp, args.mode, adj, args.iterations, args.repeats)
            g = f"rmat{scale}"
            rows.append((f"{g} Vertex API PageRank s/iter", f"{per_iter:.3f}",
                         f"{per_iter / scipy_iter:.0f}x scipy; {per_iter / vec['iter']:.0f}x vectorized"))
            rows.append((f"{g} Vertex API messages/s per core", f"{m / per_iter / P / 1e6:.2f}M",
                         f"vectorized on {g}: {m / vec['iter'] / P / 1e6:.1f}M"))
            rows.append((f"{g} Vertex API load+start+{args.k1} iters per edge", f"{t1 / m * 1e6:.2f} us",
                         f"vectorized load {vec['load'] / m * 1e6:.2f} us/edge"))
            # out of core (issue 23): the disk vertex store and the memory-mapped vectorized arrays
            disk_iter, _ = pagerank_per_iteration(P, tmp, args.mode, adj, args.k1, args.k2,
                                                  **{"hama.graph.vertices.store.class": "disk",
                                                     "hama.graph.vertices.store.cache.bytes": str(args.store_cache)})
            rows.append((f"{g} Vertex API PageRank s/iter, disk store", f"{disk_iter:.3f}",
                         f"{disk_iter / per_iter:.2f}x the memory store ({per_iter:.3f} s in this run); "
                         f"window {args.store_cache >> 10} KiB"))
            mm = vectorized_pagerank(P, tmp, args.mode, adj, args.iterations, args.repeats,
                                     **{"hama.graph.vectorized.mmap": "true"})
            rows.append((f"{g} vectorized PageRank s/iter, mmap", f"{mm['iter']:.4f}",
                         f"{mm['iter'] / vec['iter']:.2f}x in memory ({vec['iter']:.4f} s in this run)"))

    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
