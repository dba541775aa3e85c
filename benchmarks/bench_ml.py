"""ML/matrix benchmark: k-means and SpMV iterations per second, vectorized message throughput.

Every figure (the best of ``--repeat`` runs) is printed next to a baseline measured in
the same run:

* k-means (default 1M x 16 points, k = 32, Parquet input, cached): the job's time per
  iteration over iterations 2 .. 1 + K (peer 0's clock; the first, loading one excluded), with 1 and 2 peers,
  against one Lloyd iteration in a single process (the same numpy kernel over all points)
  and scikit-learn's ``KMeans(algorithm="lloyd")`` per iteration;
* each also in 2 bare forked processes on half the data each (no framework): the speed-up
  the shared machine allows at that moment, the ceiling for 2 peers;
* SpMV (default 1M x 1M, 8 nonzeros per row, normalized power iteration): the same time
  per iteration, against ``scipy.sparse`` ``A @ v`` in one process; 2 peers with the
  vector shared in memory (``spmv.shared.memory``, peers on one host) and with the
  products sent as messages;
* vectorized messages: one numpy array of ``--msg-mb`` MB per superstep from peer 0 to
  peer 1 (one way), and both ways at once; MB/s per direction against a raw socket copy of
  the same bytes between two processes, one way and both ways at once.

Every process (peers and baselines) runs 1 BLAS/OpenMP thread (``BENCH_THREADS=N`` to change).

Run::

    .venv/bin/python benchmarks/bench_ml.py [--points 1000000] [--quick]

The machine is shared: the load average is printed with the table.
"""

from __future__ import annotations

import os

# One BLAS/OpenMP thread per process, set before numpy loads: each peer (a process that
# inherits this environment) and the 1-process baselines alike, so 2 peers do not
# oversubscribe 2 cores and the baseline is a fair single core (override: BENCH_THREADS=N).
_THREADS = os.environ.get("BENCH_THREADS", "1")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _THREADS

import argparse  # noqa: E402
import multiprocessing as mp  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

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
    """Seconds per iteration: T / k, T = the time peer 0 measured for iterations 2 .. 1 + k
    (its loop includes every barrier, so it waits for all peers; start-up, loading and the
    first iteration excluded)."""
    t: float = run(1 + k)
    return t / k


def loop_seconds(job: Any, group: str) -> float:
    timed_job(job)
    return float(job.get_counters().get(group, "ITERATION_MICROS")) / 1e6


#: every figure is the best of this many runs (--repeat): the machine is shared, the best
#: run is the one least disturbed by other work
REPEAT = 3


def best(fn: Any) -> float:
    """The smallest of :data:`REPEAT` results of *fn* (seconds)."""
    return min(float(fn()) for _ in range(REPEAT))


def _timed_child(fn: Any, q: Any) -> None:
    q.put(fn())


def bare_pair(fn0: Any, fn1: Any) -> float:
    """Run *fn0* and *fn1* (each returns its seconds per iteration) in 2 forked processes at
    once, no framework: the parallel speed this shared machine offers right now."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=_timed_child, args=(fn, q)) for fn in (fn0, fn1)]
    for p in procs:
        p.start()
    times = [float(q.get(timeout=600)) for _ in procs]
    for p in procs:
        p.join(60)
    return max(times)


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

    def numpy_run() -> float:
        c = centers
        t = time.perf_counter()
        for _ in range(iters):
            c = lloyd(c)
        return (time.perf_counter() - t) / iters

    numpy_it = best(numpy_run)
    rows = [("kmeans numpy, 1 process", 1 / numpy_it, "baseline")]

    def half(lo: int, hi: int) -> Any:
        def it() -> float:
            part = x[lo:hi]
            t = time.perf_counter()
            for _ in range(iters):
                partial_sums(part, assign(part, centers), k)
            return (time.perf_counter() - t) / iters
        return it

    pair = best(lambda: bare_pair(half(0, n // 2), half(n // 2, n)))
    rows.append(("kmeans numpy, 2 bare processes (machine's ceiling)", 1 / pair, f"{numpy_it / pair:.2f}x numpy"))
    try:
        from sklearn.cluster import KMeans

        def sk_run() -> float:
            t = time.perf_counter()
            KMeans(k, init=centers, n_init=1, max_iter=iters, tol=0, algorithm="lloyd").fit(x)
            return (time.perf_counter() - t) / iters

        sk_it = best(sk_run)
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

        per = best(lambda run=run: marginal(run, iters))
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
    def scipy_run() -> float:
        y = v
        t = time.perf_counter()
        for _ in range(iters):
            y = a @ y
            y /= np.abs(y).max()
        return (time.perf_counter() - t) / iters

    def half(lo: int, hi: int) -> Any:
        def it() -> float:
            part = a[lo:hi]
            t = time.perf_counter()
            for _ in range(iters):
                w = part @ v
                w /= np.abs(w).max()
            return (time.perf_counter() - t) / iters
        return it

    split: dict[float, str] = {}  # seconds per iteration -> that run's breakdown (peer 0)

    def job_run(peers: int, shared: bool) -> float:
        def run(m: int) -> float:
            conf = HamaConfiguration()
            conf.set("bsp.input.format.class", "parquet")
            conf.set("bsp.output.format.class", "null")
            conf.set("spmv.normalize", "true")
            conf.set("spmv.shared.memory", "true" if shared else "false")
            job = spmv_job(conf, f"{tmp}/m.parquet", f"{tmp}/v.npy", f"{tmp}/sp-{peers}-{m}-{time.monotonic_ns()}",
                           iterations=m, num_tasks=peers)
            t = loop_seconds(job, "spmv")
            c = job.get_counters()
            split[t / (m - 1)] = (f"multiply {c.get('spmv', 'MULTIPLY_MICROS') / m / 1e3:.1f} ms, "
                                  f"sync {c.get('spmv', 'SYNC_MICROS') / m / 1e3:.1f} ms, assemble {c.get('spmv', 'ASSEMBLE_MICROS') / m / 1e3:.1f} ms per iteration")
            return t
        return marginal(run, iters)

    # 2 peers on this host share the vector in memory (spmv.shared.memory, the default); the
    # "messages" row sends the products as Hama does between hosts.  The figures are measured
    # in rounds (one run of each per round, the best of REPEAT rounds kept): a load that
    # changes during the benchmark weighs on the baselines and the jobs alike
    cases: list[tuple[str, Any]] = [
        ("spmv scipy, 1 process", scipy_run),
        ("spmv scipy, 2 bare processes (machine's ceiling)", lambda: bare_pair(half(0, n // 2), half(n // 2, n))),
        ("spmv hama-yarn, 1 peer(s)", lambda: job_run(1, True)),
        ("spmv hama-yarn, 2 peer(s), shared vector", lambda: job_run(2, True)),
        ("spmv hama-yarn, 2 peer(s), messages", lambda: job_run(2, False)),
    ]
    times = {name: float("inf") for name, _ in cases}
    for _ in range(REPEAT):
        for name, fn in cases:
            times[name] = min(times[name], float(fn()))
    base = times["spmv scipy, 1 process"]
    out = [("spmv scipy, 1 process", 1 / base, "baseline")]
    for name, _ in cases[1:]:
        per = times[name]
        detail = f" ({split[per]}, peer 0)" if per in split else ""
        out.append((name, 1 / per, f"{base / per:.2f}x scipy{detail}"))
    return out


# ------------------------------------------------------------------ messages
class Swap(BSP):
    """2 peers, one numpy array of ``bench.msg.bytes`` per superstep: both ways (``bench.both``)
    or from peer 0 to peer 1 only.  Peer 0 times ``bench.steps`` supersteps after a warm-up one
    (connections made, buffers allocated)."""

    def bsp(self, peer: Any) -> None:
        conf = peer.get_configuration()
        arr = np.ones(conf.get_int("bench.msg.bytes", 1 << 20) // 8)
        me = peer.get_peer_index()
        other = peer.get_peer_name(1 - me)
        sends = me == 0 or conf.get_bool("bench.both", True)
        steps = conf.get_int("bench.steps", 1)
        started = 0.0
        for step in range(steps + 1):
            if step == 1:
                started = time.perf_counter()
            if sends:
                peer.send(other, arr)
            peer.sync()
            for m in peer.messages():
                assert m.nbytes == arr.nbytes
        if me == 0:
            peer.increment_counter("swap", "ITERATION_MICROS", int((time.perf_counter() - started) * 1e6))


def _peer_socket(port_q: Any, nbytes: int, reps: int, both: bool) -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port_q.put(srv.getsockname()[1])
    conn, _ = srv.accept()
    _exchange(conn, nbytes, reps, both)
    if both:
        conn.recv(1)  # the other side's "k": closing with it unread would reset the connection
    conn.close()


def _exchange(conn: socket.socket, nbytes: int, reps: int, both: bool, receive: bool = True) -> None:
    """Send *reps* x *nbytes* (if *both* or not *receive*) while receiving them (if *receive*)."""
    import threading

    data = np.ones(nbytes // 8).tobytes()
    sender = None
    if both or not receive:
        def send() -> None:
            for _ in range(reps):
                conn.sendall(data)
        sender = threading.Thread(target=send)
        sender.start()
    if receive:
        buf = bytearray(1 << 22)
        view = memoryview(buf)
        got, total = 0, nbytes * reps
        while got < total:
            n = conn.recv_into(view)
            if not n:
                break
            got += n
    if sender is not None:
        sender.join()
    if receive:
        conn.sendall(b"k")
    else:
        conn.recv(1)


def raw_socket_mbps(nbytes: int, reps: int, both: bool = False) -> float:
    """MB/s (per direction) of *reps* x *nbytes* between this process and another over a
    localhost TCP socket: from here to there, or (*both*) both ways at once."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_peer_socket, args=(q, nbytes, reps, both))
    p.start()
    port = q.get(timeout=60)
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    t = time.perf_counter()
    _exchange(s, nbytes, reps, both, receive=both)
    if both:
        s.recv(1)
    dt = time.perf_counter() - t
    s.close()
    p.join(30)
    return nbytes * reps / dt / 1e6


def bench_messages(msg_mb: int, steps: int) -> list[tuple[str, float, str]]:
    nbytes = msg_mb << 20
    rows: list[tuple[str, float, str]] = []
    for both in (False, True):
        base = nbytes / best(lambda both=both: nbytes / raw_socket_mbps(nbytes, steps, both) / 1e6) / 1e6

        def swap(both: bool = both) -> float:
            job = BSPJob(HamaConfiguration(), Swap)
            job.set_num_bsp_task(2)
            job.set("bench.msg.bytes", str(nbytes))
            job.set("bench.steps", str(steps))
            job.set("bench.both", "true" if both else "false")
            return loop_seconds(job, "swap") / steps

        per = best(swap)
        mbps = nbytes / per / 1e6
        way = "both ways at once, per direction" if both else "one way"
        rows.append((f"raw TCP socket copy, 2 processes, {way} (MB/s)", base, "baseline"))
        rows.append((f"numpy message {msg_mb} MB, 2 peers, {way} (MB/s)", mbps, f"{mbps / base:.2f}x socket"))
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--points", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=16)
    p.add_argument("-k", type=int, default=32)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--spmv-n", type=int, default=1_000_000)
    p.add_argument("--nnz-row", type=int, default=8)
    p.add_argument("--msg-mb", type=int, default=32)
    p.add_argument("--repeat", type=int, default=REPEAT, help="best of this many runs per figure")
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    p.add_argument("--only", choices=("kmeans", "spmv", "messages"), action="append",
                   help="run only this part (repeatable; default: all)")
    a = p.parse_args()
    globals()["REPEAT"] = max(1, a.repeat)
    load0 = os.getloadavg()[0]
    if a.quick:
        a.points, a.spmv_n, a.msg_mb, a.iterations = 50_000, 50_000, 4, 3
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ml-") as tmp:
        parts = a.only or ["kmeans", "spmv", "messages"]
        if "kmeans" in parts:
            rows += bench_kmeans(tmp, a.points, a.dim, a.k, a.iterations)
        if "spmv" in parts:
            rows += bench_spmv(tmp, a.spmv_n, a.nnz_row, a.iterations)
        if "messages" in parts:
            rows += bench_messages(a.msg_mb, max(2 * a.iterations, 5))
    print(f"\nbench_ml: kmeans {a.points} x {a.dim}, k={a.k}; spmv {a.spmv_n} rows x {a.nnz_row} nnz/row; "
          f"{a.iterations} timed iterations after a first one; best of {REPEAT} runs; {_THREADS} BLAS/OpenMP thread(s) "
          f"per process (peers and baselines); load average {load0:.2f} at the start, {os.getloadavg()[0]:.2f} at the "
          f"end on {os.cpu_count()} CPUs")
    print(f"{'what':<56} {'iter/s or MB/s':>15}  ratio")
    for name, value, ratio in rows:
        print(f"{name:<56} {value:>15.2f}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
