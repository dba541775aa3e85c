"""ML/matrix benchmark: k-means and SpMV iterations per second, vectorized message throughput.

Every figure is printed next to a baseline measured in the same run:

* k-means (default 1M x 16 points, k = 32, Parquet input, cached): the job's marginal
  time per iteration, ``(T(1 + K iterations) - T(1 iteration)) / K``, with 1 and 2 peers,
  against one Lloyd iteration in a single process (the same numpy kernel over all points)
  and scikit-learn's ``KMeans(algorithm="lloyd")`` per iteration;
* SpMV (default 1M x 1M, 8 nonzeros per row): the same marginal time per iteration,
  against ``scipy.sparse`` ``A @ v`` in one process;
* vectorized messages: 2 peers swap one numpy array of ``--msg-mb`` MB per superstep;
  marginal MB/s per direction against a raw socket copy of the same bytes between two
  processes.

Run::

    .venv/bin/python benchmarks/bench_ml.py [--points 1000000] [--quick]

The machine is shared: the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import socket
import sys
import tempfile
import time
from typing import Any

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hama_yarn import BSP, BSPJob  # noqa: E402
from hama_yarn.config import HamaConfiguration  # noqa: E402


def timed_job(job: Any) -> float:
    t = time.perf_counter()
    ok = job.wait_for_completion(verbose=False)
    if not ok:
        raise SystemExit(job.get_diagnostics())
    return time.perf_counter() - t


def marginal(run: Any, k: int) -> float:
    """Seconds per iteration: (T(1 + k) - T(1)) / k, T = the iterations' time peer 0 measured
    (its loop includes every barrier, so it waits for all peers; start-up and loading excluded)."""
    t1 = run(1)
    tk = run(1 + k)
    return max(tk - t1, 1e-9) / k


def loop_seconds(job: Any, group: str) -> float:
    timed_job(job)
    return float(job.get_counters().get(group, "ITERATION_MICROS")) / 1e6


# ------------------------------------------------------------------ k-means
def bench_kmeans(tmp: str, n: int, d: int, k: int, iters: int) -> list[tuple[str, float, str]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hama_yarn.ml.kmeans import assign, kmeans_job, partial_sums

    rng = np.random.default_rng(0)
    x = rng.random((n, d))
    path = f"{tmp}/points.parquet"
    pq.write_table(pa.table({f"x{j}": x[:, j] for j in range(d)}), path, row_group_size=65536)
    centers = x[:k].copy()

    def lloyd(c: np.ndarray) -> np.ndarray:
        s = partial_sums(x, assign(x, c), k)
        nz = s[:, -1] > 0
        c = c.copy()
        c[nz] = s[nz, :-1] / s[nz, -1:]
        return c

    c = centers
    t = time.perf_counter()
    for _ in range(iters):
        c = lloyd(c)
    numpy_it = (time.perf_counter() - t) / iters
    rows = [("kmeans numpy, 1 process", 1 / numpy_it, "baseline")]
    try:
        from sklearn.cluster import KMeans

        t = time.perf_counter()
        KMeans(k, init=centers, n_init=1, max_iter=iters, tol=0, algorithm="lloyd").fit(x)
        sk_it = (time.perf_counter() - t) / iters
        rows.append(("kmeans scikit-learn, 1 process", 1 / sk_it, f"{numpy_it / sk_it:.2f}x numpy"))
    except ImportError:
        pass

    for peers in (1, 2):
        def run(m: int, peers: int = peers) -> float:
            conf = HamaConfiguration()
            conf.set("bsp.input.format.class", "parquet")
            conf.set("k.means.caching.enabled", "true")
            conf.set("bsp.output.format.class", "null")
            job = kmeans_job(conf, path, f"{tmp}/km-out-{peers}-{m}-{time.monotonic_ns()}", k=k, max_iter=m,
                             num_tasks=peers, centers=centers)
            return loop_seconds(job, "kmeans")

        per = marginal(run, iters)
        rows.append((f"kmeans hama-yarn, {peers} peer(s)", 1 / per, f"{numpy_it / per:.2f}x numpy"))
    return rows


# ------------------------------------------------------------------ SpMV
def bench_spmv(tmp: str, n: int, nnz_row: int, iters: int) -> list[tuple[str, float, str]]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import scipy.sparse as sp

    from hama_yarn.matrix.spmv import spmv_job

    rng = np.random.default_rng(1)
    rows = np.repeat(np.arange(n), nnz_row)
    cols = rng.integers(0, n, n * nnz_row)
    vals = rng.random(n * nnz_row)
    a = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    coo = a.tocoo()
    pq.write_table(pa.table({"row": coo.row.astype(np.int64), "col": coo.col.astype(np.int64), "value": coo.data}),
                   f"{tmp}/m.parquet", row_group_size=1 << 20)
    v = rng.random(n)
    np.save(f"{tmp}/v.npy", v)
    y = v
    t = time.perf_counter()
    for _ in range(iters):
        y = a @ y
        y /= np.abs(y).max()
    base = (time.perf_counter() - t) / iters
    out = [("spmv scipy, 1 process", 1 / base, "baseline")]
    for peers in (1, 2):
        def run(m: int, peers: int = peers) -> float:
            conf = HamaConfiguration()
            conf.set("bsp.input.format.class", "parquet")
            conf.set("bsp.output.format.class", "null")
            conf.set("spmv.normalize", "true")
            job = spmv_job(conf, f"{tmp}/m.parquet", f"{tmp}/v.npy", f"{tmp}/sp-{peers}-{m}-{time.monotonic_ns()}",
                           iterations=m, num_tasks=peers)
            return loop_seconds(job, "spmv")

        per = marginal(run, iters)
        out.append((f"spmv hama-yarn, {peers} peer(s)", 1 / per, f"{base / per:.2f}x scipy"))
    return out


# ------------------------------------------------------------------ messages
class Swap(BSP):
    """2 peers: each sends one array of ``bench.msg.bytes`` to the other per superstep."""

    def bsp(self, peer: Any) -> None:
        conf = peer.get_configuration()
        arr = np.ones(conf.get_int("bench.msg.bytes", 1 << 20) // 8)
        other = peer.get_peer_name(1 - peer.get_peer_index())
        started = time.perf_counter()
        for _ in range(conf.get_int("bench.steps", 1)):
            peer.send(other, arr)
            peer.sync()
            for m in peer.messages():
                assert m.nbytes == arr.nbytes
        if peer.get_peer_index() == 0:
            peer.increment_counter("swap", "ITERATION_MICROS", int((time.perf_counter() - started) * 1e6))


def _sink(port_q: Any, total: int) -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port_q.put(srv.getsockname()[1])
    conn, _ = srv.accept()
    buf = bytearray(1 << 22)
    view = memoryview(buf)
    got = 0
    while got < total:
        n = conn.recv_into(view)
        if not n:
            break
        got += n
    conn.sendall(b"k")
    conn.close()


def raw_socket_mbps(nbytes: int, reps: int) -> float:
    """MB/s of sending *reps* x *nbytes* from this process to another over a localhost TCP socket."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_sink, args=(q, nbytes * reps))
    p.start()
    port = q.get(timeout=60)
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    data = np.ones(nbytes // 8).tobytes()
    t = time.perf_counter()
    for _ in range(reps):
        s.sendall(data)
    s.recv(1)
    dt = time.perf_counter() - t
    s.close()
    p.join(30)
    return nbytes * reps / dt / 1e6


def bench_messages(msg_mb: int, steps: int) -> list[tuple[str, float, str]]:
    nbytes = msg_mb << 20
    base = raw_socket_mbps(nbytes, steps)

    def run(m: int) -> float:
        job = BSPJob(HamaConfiguration(), Swap)
        job.set_num_bsp_task(2)
        job.set("bench.msg.bytes", str(nbytes))
        job.set("bench.steps", str(m))
        return loop_seconds(job, "swap")

    per = marginal(run, steps)
    mbps = nbytes / per / 1e6  # per direction; both directions run at once
    return [("raw TCP socket copy, 2 processes (MB/s)", base, "baseline"),
            (f"numpy message {msg_mb} MB, 2 peers (MB/s per direction)", mbps, f"{mbps / base:.2f}x socket")]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--points", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=16)
    p.add_argument("-k", type=int, default=32)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--spmv-n", type=int, default=1_000_000)
    p.add_argument("--nnz-row", type=int, default=8)
    p.add_argument("--msg-mb", type=int, default=32)
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    a = p.parse_args()
    if a.quick:
        a.points, a.spmv_n, a.msg_mb, a.iterations = 50_000, 50_000, 4, 3
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ml-") as tmp:
        rows += bench_kmeans(tmp, a.points, a.dim, a.k, a.iterations)
        rows += bench_spmv(tmp, a.spmv_n, a.nnz_row, a.iterations)
        rows += bench_messages(a.msg_mb, max(a.iterations, 3))
    print(f"\nbench_ml: kmeans {a.points} x {a.dim}, k={a.k}; spmv {a.spmv_n} rows x {a.nnz_row} nnz/row; "
          f"{a.iterations} iterations (marginal); load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"on {os.cpu_count()} CPUs")
    print(f"{'what':<56} {'iter/s or MB/s':>15}  ratio")
    for name, value, ratio in rows:
        print(f"{name:<56} {value:>15.2f}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
