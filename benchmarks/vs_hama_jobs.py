"""The hama-yarn side of :mod:`bench_vs_hama`: one job per process, as a user would run it.

::

    python benchmarks/vs_hama_jobs.py JOB OUT [key=value ...]

JOB: ``pi`` (numpy darts), ``cmb`` (sum combiner), ``bench`` (RandBench), ``pagerank`` (Hama's
PageRank semantics, vectorized), ``sssp`` (vectorized), ``kmeans`` (:mod:`hama_yarn.ml.kmeans`).
Local mode (``bsp.master.address=local``), ``bsp.peers.num`` peers (default 2); every
``key=value`` goes into the job.  Prints ``JOB_MS <ms>`` (submit to completion) and, for
``bench``, ``BYTES_RECEIVED <n>``; exit 1 when the job fails.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from typing import Any

from hama_yarn import BSP, BSPJob, Combiner
from hama_yarn.config import HamaConfiguration


class NumpyPi(BSP):
    """Hama's ``PiEstimator``: ``pi.iterations`` darts per peer (numpy, 64Ki at a time: the arrays
    stay in the CPU cache); peer 0 averages."""

    def bsp(self, peer: Any) -> None:
        import numpy as np  # only the jobs that use numpy import it (not the client, not cmb's peers)

        conf = peer.get_configuration()
        n = conf.get_int("pi.iterations", 100000)
        rng = np.random.default_rng(7919 * conf.get_int("pi.seed", 0) + peer.get_peer_index())
        inside = 0
        left = n
        while left:
            k = min(left, 1 << 16)
            x = rng.random(k)
            y = rng.random(k)
            x *= x
            y *= y
            x += y
            inside += int(np.count_nonzero(x <= 1.0))
            left -= k
        peer.send(peer.get_peer_name(0), 4.0 * inside / n)
        peer.sync()
        if peer.get_peer_index() == 0:
            est = list(peer.messages())
            peer.write("Estimated value of PI is", sum(est) / len(est))


class SumCombiner(Combiner):
    """Adds the messages up."""

    def combine(self, messages: Iterable[int]) -> int:
        return sum(messages)


class CombineExample(BSP):
    """Hama's ``CombineExample``: every peer sends 1, 2, 3 to every peer; one 6 arrives per sender."""

    def bsp(self, peer: Any) -> None:
        for name in peer.get_all_peer_names():
            for value in (1, 2, 3):
                peer.send(name, value)
        peer.sync()
        for msg in peer.messages():
            peer.write(peer.get_peer_name(), msg)


def build(name: str, out: str, conf: HamaConfiguration) -> Any:
    """The job *name* writing to *out*."""
    peers = conf.get_int("bsp.peers.num", 2)
    if name in ("pi", "cmb"):
        job = BSPJob(conf, NumpyPi if name == "pi" else CombineExample)
        if name == "cmb":
            job.set_combiner_class(SumCombiner)
        job.set_num_bsp_task(peers)
        job.set_output_path(out)
        return job
    if name == "bench":
        from hama_yarn.matrix.bench import bench_job

        return bench_job(conf, conf.get_int("msg.size", 1024), conf.get_int("communications.num", 1000),
                         conf.get_int("supersteps.num", 50), peers)
    if name in ("pagerank", "sssp"):
        from hama_yarn.graph import GraphJob
        from hama_yarn.graph.algorithms import pagerank, paths

        g = GraphJob(conf)
        g.set_num_bsp_task(peers)
        g.set_vectorized(True)
        if name == "pagerank":
            pagerank.configure_hama(g, 0.85, conf.get_int("bench.iterations", 30),
                                    conf.get_float("hama.graph.max.convergence.error", 0.001))
        else:
            paths.configure_sssp(g, conf.get("shortest.paths.start.vertex.name") or "0")
        g.set_input_path(conf.get("bench.input") or "")
        g.set_output_path(out)
        return g
    if name == "kmeans":
        from hama_yarn.ml.kmeans import kmeans_job

        job = kmeans_job(conf, conf.get("bench.input") or "", out, conf.get_int("bench.k", 10),
                         conf.get_int("k.means.max.iterations", 10), peers)
        job.set_input_format("sequencefile")
        return job
    raise SystemExit(f"unknown job {name!r}")


def main(argv: list[str]) -> int:
    name, out = argv[0], argv[1]
    conf = HamaConfiguration()
    conf.set("bsp.master.address", "local")
    for kv in argv[2:]:
        k, _, v = kv.partition("=")
        conf.set(k, v)
    job = build(name, out, conf)
    t0 = time.perf_counter()
    ok = job.wait_for_completion(verbose=False)
    print(f"JOB_MS {(time.perf_counter() - t0) * 1000:.0f}")
    if not ok:
        print(job.get_diagnostics() if hasattr(job, "get_diagnostics") else "job failed", file=sys.stderr)
        return 1
    if name == "bench":
        print(f"BYTES_RECEIVED {job.get_counters().get('bench', 'BYTES_RECEIVED')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
