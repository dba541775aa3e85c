"""Sparse matrix x dense vector (Hama's ``SpMV``), iterated: ``y = A^k v`` (power iteration).

Every peer reads its split of the matrix once into a local CSR block (scipy) and loads
the whole vector in ``setup`` (as Hama).  Before the iterations the peers tell each other
their rows (one superstep); when each holds one range of rows (splits of row-sorted
input), the ranges are rebalanced to about as many nonzeros per peer, which also joins a
row whose cells were split between two peers (one more superstep).  Each iteration a peer
multiplies its rows and broadcasts ``(peer, values)`` (raw buffers); every peer assembles
the full vector (adding contributions in peer order, so all peers hold identical values)
for the next iteration.  With ranges tiling the vector, products and received parts go
straight into two reused vectors: no allocation inside the loop.  When all peers run on
one host (``spmv.shared.memory``, default true) these two vectors are shared in memory
(:mod:`hama_yarn.matrix.shmvec`): each peer writes its products and its peak into them and
nothing is sent, the barrier alone orders the iterations.  With ``spmv.normalize=true``
the vector is divided by its maximum absolute value after each iteration (power
iteration for the dominant eigenvector).

Input (``bsp.input.dir``): Hama's SequenceFile ``IntWritable row -> SparseVectorWritable``
(or ``VectorWritable`` dense rows), or Parquet/Arrow with columns ``row``, ``col``,
``value`` (coordinate form: a row's cells may be spread over several peers).
Keys: ``spmv.inputvectorpath`` (SequenceFile ``IntWritable -> DenseVectorWritable``, or
``.npy``), ``spmv.iterations`` (default 1), ``spmv.normalize``.  Output: ``row -> value``
records, peer ``p`` writing the ``p``-th block of rows (text ``row<TAB>value``, a
SequenceFile ``IntWritable -> DoubleWritable`` as Hama, or Parquet columns ``row``,
``value``), plus, as Hama's ``SpMV.convertSpMVOutputToDenseVector``, the whole result
vector in ``OUTPUT/result``: a SequenceFile ``IntWritable 0 -> DenseVectorWritable``
(readable as the next job's ``spmv.inputvectorpath``; committed with the output, so a
failed job leaves none).

Run::

    hama example spmv MATRIX VECTOR OUTPUT [-n PEERS] [--iterations K]
"""

from __future__ import annotations

import argparse
import functools
import io
import sys
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from ..bsp import BSP, BSPPeer
from ..config import HamaConfiguration
from ..errors import ConfigError, InputError, UsageError

__all__ = ["SpMVBSP", "read_local_matrix", "load_vector", "write_result", "spmv_job", "main"]

VECTOR_KEY = "spmv.inputvectorpath"
ITER_KEY = "spmv.iterations"
NORMALIZE_KEY = "spmv.normalize"
SHARED_KEY = "spmv.shared.memory"

Vector = npt.NDArray[np.float64]


def load_vector(url: str, conf: HamaConfiguration | None = None) -> Vector:
    """The dense vector at *url*: SequenceFile of one or more ``DenseVectorWritable``/``VectorWritable``
    records (concatenated in key order), ``.npy``, or text (one number per line)."""
    from ..io import fs as _fs
    from ..io.sequencefile import SequenceFileReader

    fs, path = _fs.resolve(url, conf)
    try:
        with fs.open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise InputError(f"vector {url} ({VECTOR_KEY}) cannot be read: {exc}") from exc
    if data[:3] == b"SEQ":
        parts = []
        with SequenceFileReader(io.BytesIO(data)) as r:
            for key, value in r:
                vals = getattr(value, "values", value)
                parts.append((key, np.asarray(vals.to_dense() if hasattr(vals, "to_dense") else vals, dtype=np.float64)))
        if not parts:
            raise InputError(f"vector {url}: no records")
        parts.sort(key=lambda kv: kv[0])
        return np.concatenate([p for _, p in parts])
    if data[:6] == b"\x93NUMPY":
        return np.asarray(np.load(io.BytesIO(data)), dtype=np.float64).ravel()
    try:
        return np.array([float(x) for x in data.split()], dtype=np.float64)
    except ValueError as exc:
        raise InputError(f"vector {url}: not numbers: {exc}") from exc


def read_local_matrix(peer: BSPPeer, n_cols: int) -> Any:
    """This peer's split: ``(m, rows)``, a scipy CSR matrix of its rows and their global row numbers.

    A row with a record but no nonzero cell (an all-zero row) is kept as an empty row of
    *m*; rows of coordinate (Parquet/Arrow) input exist only through their cells.
    """
    import scipy.sparse as sp

    from ..ml.points import is_columnar

    rows: list[Any] = []
    cols: list[Any] = []
    vals: list[Any] = []
    keys: list[int] = []  # every row with a record, all-zero rows included
    if is_columnar(peer.get_configuration()):
        while (batch := peer.read_batch()) is not None:
            try:
                rows.append(batch.column("row").to_numpy().astype(np.int64))
                cols.append(batch.column("col").to_numpy().astype(np.int64))
                vals.append(batch.column("value").to_numpy(zero_copy_only=False).astype(np.float64))
            except KeyError as exc:
                raise InputError(f"SpMV Parquet/Arrow input needs columns row, col, value; has {batch.schema.names}") from exc
    else:
        while (rec := peer.read_next()) is not None:
            key, value = rec
            if not isinstance(key, int):
                raise InputError(f"SpMV: record key {key!r} is not a row number (IntWritable)")
            if hasattr(value, "indices"):
                idx = np.asarray(value.indices, dtype=np.int64)
                v = np.asarray(value.values, dtype=np.float64)
            else:
                dense = np.asarray(getattr(value, "values", value), dtype=np.float64)
                idx = np.nonzero(dense)[0]
                v = dense[idx]
            keys.append(key)
            rows.append(np.full(len(idx), key, dtype=np.int64))
            cols.append(idx)
            vals.append(v)
    if not rows:
        return sp.csr_matrix((0, n_cols)), np.zeros(0, dtype=np.int64)
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    if len(c) and (c.min() < 0 or c.max() >= n_cols):
        raise InputError(f"SpMV: column index {int(c.max())} outside the vector's {n_cols} entries")
    present = np.unique(np.concatenate([r, np.asarray(keys, dtype=np.int64)]))
    local_rows = np.searchsorted(present, r)
    # keep the file order of each row's cells (csr from COO would sum duplicates in that order)
    m = sp.csr_matrix((v, (local_rows, c)), shape=(len(present), n_cols))
    return m, present


class SpMVBSP(BSP):
    """Hama's ``SpMV``, iterated ``spmv.iterations`` times."""

    def setup(self, peer: BSPPeer) -> None:
        conf = peer.get_configuration()
        url = conf.get(VECTOR_KEY)
        if not url:
            raise ConfigError(VECTOR_KEY, "SpMV needs the input vector")
        self.v = load_vector(url, conf)
        self.iterations = conf.get_int(ITER_KEY, 1)
        self.normalize = conf.get_bool(NORMALIZE_KEY, False)

    def bsp(self, peer: BSPPeer) -> None:
        n = len(self.v)
        m, present = read_local_matrix(peer, n)
        names = peer.get_all_peer_names()
        me = peer.get_peer_index()
        n_rows = n
        if len(present):
            n_rows = max(n, int(present.max()) + 1)
        # this peer's rows travel once, before the iterations: a (lo, hi) range when
        # contiguous (splits of sorted input), else the row numbers
        contiguous = not len(present) or int(present[-1]) - int(present[0]) + 1 == len(present)
        spec: Any = (int(present[0]), int(present[-1]) + 1) if len(present) and contiguous else \
            ((0, 0) if contiguous else present)
        others = [name for name in names if name != peer.get_peer_name()]  # own part: no copy through the queue
        seen = _exchange(peer, others, me, spec, int(m.nnz))
        rows_of = {p: r for p, (r, _) in seen.items()}
        for r in rows_of.values():  # the longest vector any peer's rows make
            if isinstance(r, tuple):
                n_rows = max(n_rows, r[1])
            elif len(r):
                n_rows = max(n_rows, int(r.max()) + 1)
        moved = _balanced_ranges(seen, n_rows)
        if moved is not None:  # rows moved between neighbours: as many nonzeros on each peer
            m, spec = _move_rows(peer, names, me, m, rows_of[me], moved)
            rows_of = dict(moved)
        tiles = _tiling([rows_of[i] for i in range(len(names))], n_rows)  # ranges tiling 0..n_rows
        v = self.v
        # with tiling ranges each product goes straight into this peer's slice of one of two
        # reused vectors (no allocation, no page faults); peers on one host share these two
        # (hama_yarn.matrix.shmvec: the products are not sent at all), else the received parts
        # are copied (and normalized) into theirs and the own slice is normalized in place
        shared = None
        if tiles is not None and others and peer.get_configuration().get_bool(SHARED_KEY, True):
            from .shmvec import share_vectors

            # two vectors, and every peer's peak of the even and odd iterations
            shared = share_vectors(peer, others, [n_rows, n_rows, 2 * len(names)])  # collective: all decide alike
            peer.increment_counter("spmv", "SHARED_MEMORY_PEERS", int(shared is not None))
        peaks = shared.pop() if shared is not None else None
        bufs = shared if shared is not None else [np.zeros(n_rows), np.zeros(n_rows)] if tiles is not None else []
        for buf in bufs if shared is None else []:  # (shared ones are touched, another peer may write them now)
            buf.fill(0.0)  # touched now: no page faults inside the iterations
        # normalized shared vectors: each peer divides the whole vector into its own one
        scaled = np.zeros(n_rows) if shared is not None and self.normalize else None
        if scaled is not None:
            scaled.fill(0.0)
        started = time.perf_counter()
        t_mul = t_sync = t_asm = 0.0
        for it in range(self.iterations):
            t0 = time.perf_counter()
            if tiles is not None:
                y = bufs[it % 2]
                local = y[spec[0]:spec[1]]
                _multiply_into(m, v, local)
            else:
                local = m @ v if m.shape[0] else np.zeros(0)
            # with spmv.normalize, the part's largest |value| travels along (the maximum of
            # disjoint parts is the vector's: no pass over the whole vector to find it)
            peak = max(float(local.max()), -float(local.min())) if self.normalize and len(local) else 0.0
            t1 = time.perf_counter()
            t_mul += t1 - t0
            msg = (me, local, peak)
            if peaks is None:
                for name in others:
                    peer.send(name, msg)
            else:  # shared: no message at all, the peak goes to this peer's slot for this iteration
                peaks[(it % 2) * len(names) + me] = peak
            peer.sync()  # shared: every slice of y (and every peak) is written once all peers passed it
            parts = sorted([*peer.messages(), msg], key=lambda t: t[0])
            t2 = time.perf_counter()
            t_sync += t2 - t1
            top = max(p[2] for p in parts)
            if peaks is not None:
                top = float(peaks[(it % 2) * len(names):(it % 2 + 1) * len(names)].max())
                if scaled is not None and top > 0:
                    np.divide(y, top, out=scaled)  # the next product reads it, y stays for the others
                    y = scaled
            elif tiles is not None:  # disjoint ranges covering every row: nothing to add up
                for src, vals, _ in parts:
                    lo, hi = rows_of[src]
                    if self.normalize and top > 0:
                        np.divide(vals, top, out=y[lo:hi])  # in place for this peer's own part
                    elif src != me:
                        y[lo:hi] = vals
            else:
                y = np.zeros(n_rows)
                for src, vals, _ in parts:
                    rows = rows_of[src]
                    if isinstance(rows, tuple):
                        y[rows[0]:rows[1]] += vals
                    else:
                        y[rows] += vals
                if self.normalize:
                    top = np.abs(y).max() if len(y) else 0.0
                    if top > 0:
                        y /= top
            v = y
            # the received parts are views of the receive buffers: dropped now, so the next
            # iteration's parts arrive in the same (warm) buffers
            del parts, msg
            t_asm += time.perf_counter() - t2
            if it == 0:  # ITERATION_MICROS times iterations 2.. (the first one excluded)
                started = time.perf_counter()
        if shared is not None:  # the result out of the shared vectors (written no more: no barrier needed)
            v = np.array(v)
        if me == 0:  # wall time of iterations 2.., microseconds
            peer.increment_counter("spmv", "ITERATION_MICROS", int((time.perf_counter() - started) * 1e6))
            peer.increment_counter("spmv", "MULTIPLY_MICROS", int(t_mul * 1e6))  # all iterations
            peer.increment_counter("spmv", "SYNC_MICROS", int(t_sync * 1e6))  # send+barrier+receive
            peer.increment_counter("spmv", "ASSEMBLE_MICROS", int(t_asm * 1e6))  # the next vector put together
        self.result = v
        p = peer.get_num_peers()
        lo, hi = me * len(v) // p, (me + 1) * len(v) // p
        fmt = (peer.get_configuration().get("bsp.output.format.class") or "text").strip()
        if fmt in ("parquet", "arrow"):
            import pyarrow as pa

            peer.write(None, pa.record_batch({"row": np.arange(lo, hi, dtype=np.int64), "value": v[lo:hi]}))
        elif fmt == "text":
            if hi > lo:
                peer.write(None, "\n".join(f"{i}\t{x!r}" for i, x in zip(range(lo, hi), v[lo:hi].tolist())),
                           records=hi - lo)
        else:
            for i in range(lo, hi):
                peer.write(i, float(v[i]))
        if me == 0 and fmt != "null":
            url = _staged_result_url(peer.get_configuration())
            if url:
                write_result(url, v, peer.get_configuration())


def _exchange(peer: BSPPeer, others: list[str], me: int, spec: Any, nnz: int) -> dict[int, Any]:
    """Every peer's rows and nonzero count (one superstep): ``{peer index: (rows, nnz)}``,
    *rows* a ``(lo, hi)`` range or the row numbers."""
    for name in others:
        peer.send(name, (me, spec, nnz))
    peer.sync()
    seen = {me: (spec, nnz)}
    for src, rows, count in peer.messages():
        seen[src] = (rows, count)
    return seen


def _balanced_ranges(seen: dict[int, Any], n_rows: int) -> dict[int, tuple[int, int]] | None:
    """When every peer holds one contiguous range of rows: consecutive ranges tiling
    ``0 .. n_rows``, one per peer (in the order of the ranges they hold, then the peers
    without rows), each with about the same number of nonzeros (assumed spread evenly over
    each peer's rows).  This also joins a row whose cells were split between peers
    (coordinate input split inside a row).  None when rows are not ranges, or nothing moves."""
    if not all(isinstance(r, tuple) for r, _ in seen.values()):
        return None
    held = sorted((p for p, (r, _) in seen.items() if r[1] > r[0]), key=lambda p: (seen[p][0], p))
    order = held + sorted(p for p in seen if p not in held)
    # cumulative nonzeros at each range's ends, in range order (overlaps are a row or so)
    xs, ys, total = [0.0], [0.0], 0.0
    for p in held:
        (lo, hi), count = seen[p]
        xs += [float(lo), float(hi)]
        ys += [total, total + count]
        total += count
    xs.append(float(n_rows))
    ys.append(total)
    peers = len(order)
    if total > 0:
        cuts = np.interp(np.arange(1, peers) * total / peers, np.array(ys), np.maximum.accumulate(np.array(xs)))
        bounds = [0, *np.round(cuts).astype(np.int64).tolist(), n_rows]
    else:
        bounds = [n_rows * i // peers for i in range(peers + 1)]
    new = {p: (int(bounds[i]), int(max(bounds[i], bounds[i + 1]))) for i, p in enumerate(order)}
    new = {p: (r if r[1] > r[0] else (0, 0)) for p, r in new.items()}
    return None if all(new[p] == seen[p][0] for p in seen) else new


def _move_rows(peer: BSPPeer, names: list[str], me: int, m: Any, old: tuple[int, int],
               new: dict[int, tuple[int, int]]) -> tuple[Any, tuple[int, int]]:
    """Send this peer's cells of rows now owned by others to their owners and take theirs
    (one superstep); returns the CSR block of this peer's new range and the range."""
    import scipy.sparse as sp

    lo = old[0]
    nlo, nhi = new[me]
    cells = m.tocoo()
    rows = cells.row.astype(np.int64) + lo
    cols = cells.col.astype(np.int64)
    mine = (rows >= nlo) & (rows < nhi)
    if not mine.all():
        ranges = sorted((r, p) for p, r in new.items() if r[1] > r[0])
        starts = np.array([r[0] for r, _ in ranges], dtype=np.int64)
        gone = ~mine
        owner = np.searchsorted(starts, rows[gone], side="right") - 1
        for k in np.unique(owner):
            sel = np.flatnonzero(gone)[owner == k]
            peer.send(names[ranges[int(k)][1]], (me, rows[sel], cols[sel], cells.data[sel]))
    peer.sync()
    # cells in peer order (the order of the input's splits), this peer's own among them
    got = sorted([*peer.messages(), (me, rows[mine], cols[mine], cells.data[mine])], key=lambda t: t[0])
    r = np.concatenate([g[1] for g in got])
    size = max(nhi - nlo, 0)
    if len(r) and (r.min() < nlo or r.max() >= nlo + size):
        raise InputError(f"SpMV: peer {me} was sent rows outside its range {nlo}..{nhi}")
    block = sp.csr_matrix((np.concatenate([g[3] for g in got]), (r - nlo, np.concatenate([g[2] for g in got]))),
                          shape=(size, m.shape[1]))
    return block, ((nlo, nhi) if size else (0, 0))


def _multiply_into(m: Any, v: Vector, out: Vector) -> None:
    """``out[:] = m @ v`` without allocating: scipy's own CSR kernel (the one ``m @ v`` runs,
    so the sums are the same, bit for bit) writing into *out*; ``m @ v`` copied in when
    that kernel is not where this scipy keeps it."""
    kernel = _find_csr_matvec()
    if kernel is not None and m.format == "csr" and v.dtype == m.dtype == out.dtype == np.float64:
        out.fill(0.0)
        if m.nnz:
            kernel(m.shape[0], m.shape[1], m.indptr, m.indices, m.data, v, out)
    else:
        out[:] = m @ v


@functools.cache
def _find_csr_matvec() -> Any:
    try:
        from scipy.sparse import _sparsetools
    except ImportError:
        return None
    return getattr(_sparsetools, "csr_matvec", None)


def _tiling(specs: list[Any], n_rows: int) -> list[int] | None:
    """Indexes of *specs* (peers' row ranges, in peer order) ordered by range when the ranges
    are ``(lo, hi)`` tuples that cover ``0 .. n_rows`` exactly, without overlap; else None."""
    if not all(isinstance(sp, tuple) for sp in specs):
        return None
    order = sorted((i for i, sp in enumerate(specs) if sp[1] > sp[0]), key=lambda i: specs[i][0])
    at = 0
    for i in order:
        lo, hi = specs[i]
        if lo != at:
            return None
        at = hi
    return order if at == n_rows else None


def _staged_result_url(conf: HamaConfiguration) -> str | None:
    """Where peer 0 writes the result vector so the output commit moves it to ``OUT/result``."""
    from ..io import fs as _fs
    from ..io.output import TEMP

    out = conf.get("bsp.output.dir")
    if not out:
        return None
    return f"{_fs.qualify(out, conf).rstrip('/')}/{TEMP}/spmv-result/result"


def write_result(url: str, v: Vector, conf: HamaConfiguration | None = None) -> None:
    """*v* as Hama's SpMV result: one record ``IntWritable 0 -> DenseVectorWritable``."""
    from ..errors import OutputError
    from ..io import fs as _fs
    from ..io.seqwriter import SequenceFileWriter

    fs, path = _fs.resolve(url, conf)
    try:
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        with fs.open(path, "wb") as f, SequenceFileWriter(f, "org.apache.hadoop.io.IntWritable",
                                                           "org.apache.hama.commons.io.DenseVectorWritable") as w:
            w.append(0, np.asarray(v, dtype=np.float64))
    except OSError as exc:
        raise OutputError(f"cannot write the SpMV result vector to {url}: {exc}") from exc


def spmv_job(conf: HamaConfiguration, matrix: str, vector: str, output: str, iterations: int = 1,
             num_tasks: int | None = None) -> Any:
    """A ready-to-submit :class:`~hama_yarn.job.BSPJob` computing ``A^iterations v``."""
    from ..job import BSPJob

    job = BSPJob(conf, SpMVBSP)
    job.set_job_name("spmv")
    job.set_input_path(matrix)
    if (conf.get("bsp.input.format.class") or "text").strip() == "text":  # SpMV reads no text
        job.set_input_format("sequencefile")
    job.set_output_path(output)
    job.set(VECTOR_KEY, vector)
    job.set(ITER_KEY, str(iterations))
    if (conf.get("bsp.output.format.class") or "").strip() == "sequencefile":
        job.set("bsp.output.key.class", "org.apache.hadoop.io.IntWritable")
        job.set("bsp.output.value.class", "org.apache.hadoop.io.DoubleWritable")
    if num_tasks:
        job.set_num_bsp_task(num_tasks)
    return job


def main(argv: list[str] | None = None) -> int:
    """``hama example spmv MATRIX VECTOR OUTPUT [TASKS] [--iterations K] [--input-format F] [-D k=v]...``."""
    from ..cli.common import add_conf_args, conf_from_args, run_job

    p = argparse.ArgumentParser(prog="hama example spmv", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("matrix")
    p.add_argument("vector")
    p.add_argument("output")
    p.add_argument("tasks", nargs="?", type=int, help="number of peers (Hama's 4th argument)")
    p.add_argument("-n", "--num-tasks", type=int, default=None)
    p.add_argument("--iterations", type=int, default=1, help="multiply K times (default 1)")
    p.add_argument("--normalize", action="store_true", help="spmv.normalize=true (power iteration)")
    p.add_argument("--input-format", default=None, help="sequencefile (default), parquet, arrow")
    p.add_argument("--output-format", default=None, help="text (default), sequencefile, parquet, arrow")
    add_conf_args(p)
    args = p.parse_args(argv)
    if args.iterations < 1:
        raise UsageError("--iterations must be at least 1")
    conf = conf_from_args(args)
    if args.input_format:
        conf.set("bsp.input.format.class", args.input_format)
    if args.output_format:
        conf.set("bsp.output.format.class", args.output_format)
    if args.normalize:
        conf.set(NORMALIZE_KEY, "true")
    job = spmv_job(conf, args.matrix, args.vector, args.output, args.iterations, args.num_tasks or args.tasks)
    return run_job(job, quiet=getattr(args, "quiet", False))


if __name__ == "__main__":
    sys.exit(main())
