"""K-means clustering (Hama's ``KMeansBSP``), with numpy kernels in each peer.

Every iteration each peer assigns its vectors to the nearest center (Euclidean, or cosine
with ``distance.measure.class``), computes per-center partial sums and counts, and
broadcasts them (one ``k x (d+1)`` float64 array: a raw-buffer message) to every peer.
Every peer then adds the partial sums up **in peer order** (so all peers compute
bit-identical centers) and divides.  The job stops when no center moves, or after
``k.means.max.iterations``.  A center with no vectors keeps its position.

Configuration (Hama's keys):

``k.means.max.iterations``  iterations at most (default 10)
``k.means.caching.enabled`` keep the split in memory (default false: re-read it every
                            iteration with ``reopen_input``, as Hama)
``distance.measure.class``  ``euclidean`` (default) or ``cosine`` (or Hama's
                            ``org.apache.hama.ml.distance.EuclidianDistance`` /
                            ``CosineDistance``)
``center.in.path``          initial centers: a SequenceFile of ``VectorWritable`` keys (Hama's
                            ``cen.seq``), a text file (``[name] v1 v2 ...`` per line) or ``.npy``
``center.out.path``         where peer 0 writes the final centers (SequenceFile
                            ``VectorWritable -> NullWritable``); default ``OUT/center/center_output.seq``,
                            committed with the output (nothing is left there by a failed job)

Output, as Hama's ``KMeansBSP``: one record per vector, key = its center index
(``IntWritable``), value = the vector (``VectorWritable``, named when the input vector
had a name).  Text output has Hama's ``TextOutputFormat`` lines ``cluster<TAB>vector``,
the vector as Java's ``toString`` prints it: ``[0.5, 1.0E-5]``, or ``name: [0.5, 1.0E-5]``
for a named vector (a text input line's name, a ``NamedDoubleVector``, the ``id``/``name``
column of Parquet input).  Unlike Hama, which prints vectors of 20 or more dimensions as
``20x1``, every value is written.  With ``parquet``/``arrow`` output, a batch of columns
``id`` and ``cluster``.  The final centers go to ``center.out.path``.

Run::

    hama example kmeans IN OUT MAXITER K [-g COUNT DIM] [-n PEERS]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from ..bsp import BSP, BSPPeer
from ..config import HamaConfiguration
from ..errors import ConfigError, InputError, OutputError, UsageError
from .points import read_points

log = logging.getLogger(__name__)

__all__ = ["KMeansBSP", "assign", "partial_sums", "load_centers", "write_centers", "kmeans_job", "main",
           "DISTANCES", "java_double", "vector_text"]

Matrix = npt.NDArray[np.float64]

MAX_ITER_KEY = "k.means.max.iterations"
CACHING_KEY = "k.means.caching.enabled"
DISTANCE_KEY = "distance.measure.class"
CENTER_IN_KEY = "center.in.path"
CENTER_OUT_KEY = "center.out.path"
DISTANCES = {
    "euclidean": "euclidean",
    "cosine": "cosine",
    "org.apache.hama.ml.distance.EuclidianDistance": "euclidean",
    "org.apache.hama.ml.distance.CosineDistance": "cosine",
}
#: rows per block in :func:`assign` (the block's n x k distances stay in the CPU cache)
BLOCK = 8192
#: :func:`partial_sums` of at least this many values use scipy's one-hot product (faster
#: than a bincount per dimension, same sums); below, no scipy import
SCIPY_SUMS = 1 << 20


def java_double(x: float) -> str:
    """*x* as Java's ``Double.toString`` prints it (``1.0``, ``0.001``, ``1.0E-4``, ``1.2345678E7``, ``NaN``)."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    a = abs(x)
    if a == 0.0 or 1e-3 <= a < 1e7:
        r = repr(x)  # shortest round-trip digits, plain notation in this range
        return r if ("." in r or "e" in r) else r + ".0"
    sign, digits, exp = Decimal(repr(x)).as_tuple()  # the shortest round-trip digits
    ds = "".join(map(str, digits)).rstrip("0") or "0"
    e = len(digits) + int(exp) - 1
    return f"{'-' if sign else ''}{ds[0]}.{ds[1:] or '0'}E{e}"


def vector_text(row: Any, name: Any = None) -> str:
    """A vector as Hama's ``VectorWritable.toString`` (``[1.0, 2.5]``, named: ``name: [1.0, 2.5]``)."""
    body = "[" + ", ".join(java_double(float(v)) for v in row) + "]"
    return body if name is None else f"{name}: {body}"


def distance_of(conf: HamaConfiguration) -> str:
    """The distance measure named by ``distance.measure.class``."""
    name = (conf.get(DISTANCE_KEY) or "euclidean").strip()
    if name not in DISTANCES:
        raise ConfigError(DISTANCE_KEY, f"unknown distance {name!r}; choose one of {sorted(DISTANCES)}")
    return DISTANCES[name]


def assign(x: Matrix, centers: Matrix, distance: str = "euclidean") -> npt.NDArray[np.intp]:
    """Index of the nearest center of every row of *x* (ties: the lowest index)."""
    out = np.empty(len(x), dtype=np.intp)
    if distance == "cosine":
        # 1 - cos: smallest distance = largest cosine similarity = smallest -x.c/|c|
        m = -(centers / np.maximum(np.linalg.norm(centers, axis=1, keepdims=True), 1e-300)).T
        add = None
    else:
        # |x-c|^2 = |x|^2 - 2 x.c + |c|^2; |x|^2 is the same for every center of a row
        m = -2.0 * centers.T
        add = np.einsum("ij,ij->i", centers, centers)
    m = np.ascontiguousarray(m)
    buf = np.empty((min(BLOCK, len(x)), len(centers)))
    for lo in range(0, len(x), BLOCK):
        block = x[lo:lo + BLOCK]
        d = buf[:len(block)]
        np.matmul(block, m, out=d)
        if add is not None:
            d += add
        out[lo:lo + BLOCK] = d.argmin(axis=1)
    return out


def partial_sums(x: Matrix, labels: npt.NDArray[np.intp], k: int) -> Matrix:
    """``k x (d+1)``: per-center sums of the rows of *x* and, in the last column, their counts.

    Every sum adds its rows in row order (scipy's one-hot product, or one ``bincount`` per
    dimension without scipy: the same order, the same result).
    """
    d = x.shape[1]
    out = np.zeros((k, d + 1))
    if len(x):
        out[:, d] = np.bincount(labels, minlength=k)
        sp: Any = None
        if x.size >= SCIPY_SUMS or "scipy.sparse" in sys.modules:  # small inputs: no scipy import (~0.3 s)
            try:
                import scipy.sparse

                sp = scipy.sparse
            except ImportError:
                pass
        if sp is None:
            for j in range(d):
                out[:, j] = np.bincount(labels, weights=x[:, j], minlength=k)
        else:  # one pass over the rows: C[label[i]] += x[i]
            onehot = sp.csr_matrix((np.ones(len(x)), labels, np.arange(len(x) + 1)), shape=(len(x), k))
            out[:, :d] = onehot.T @ x
    return out


def load_centers(url: str, conf: HamaConfiguration | None = None) -> Matrix:
    """Read initial centers from *url*: SequenceFile of vectors, ``.npy``, or text lines.

    Raises
    ------
    InputError
        Missing or unreadable file, or rows of different lengths.
    """
    from ..io import fs as _fs
    from ..io.sequencefile import SequenceFileReader
    from .points import _vector_of

    fs, path = _fs.resolve(url, conf)
    try:
        with fs.open(path, "rb") as f:
            data = f.read()
    except (FileNotFoundError, OSError) as exc:
        raise InputError(f"centers file {url} ({CENTER_IN_KEY}) cannot be read: {exc}") from exc
    import io

    rows: list[Any] = []
    if data[:3] == b"SEQ":
        with SequenceFileReader(io.BytesIO(data)) as r:
            for key, value in r:
                rows.append(_vector_of(key, value)[1])
    elif data[:6] == b"\x93NUMPY":
        return np.asarray(np.load(io.BytesIO(data)), dtype=np.float64)
    else:
        for n, line in enumerate(data.decode("utf-8").splitlines()):
            fields = line.split()
            if not fields:
                continue
            try:
                vals = [float(v) for v in fields]
            except ValueError:
                try:
                    vals = [float(v) for v in fields[1:]]  # NamedDoubleVector: name first
                except ValueError as exc:
                    raise InputError(f"{url}: line {n + 1} is not a vector: {line[:80]!r}") from exc
            rows.append(vals)
    if not rows or len({len(r) for r in rows}) != 1:
        raise InputError(f"centers file {url}: no vectors, or vectors of different lengths")
    return np.array(rows, dtype=np.float64)


def write_centers(url: str, centers: Matrix, conf: HamaConfiguration | None = None) -> None:
    """Write *centers* as a SequenceFile ``VectorWritable -> NullWritable`` (Hama's ``center_output.seq``)."""
    from ..io import fs as _fs
    from ..io.seqwriter import SequenceFileWriter

    fs, path = _fs.resolve(url, conf)
    try:
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        with fs.open(path, "wb") as f, SequenceFileWriter(f, "org.apache.hama.commons.io.VectorWritable",
                                                           "org.apache.hadoop.io.NullWritable") as w:
            for c in centers:
                w.append(np.asarray(c, dtype=np.float64), None)
    except OSError as exc:
        raise OutputError(f"cannot write centers to {url}: {exc}") from exc


def _staged_centers_url(conf: HamaConfiguration) -> str | None:
    """Where peer 0 writes the final centers so the output commit moves them to ``OUT/center/``."""
    from ..io import fs as _fs
    from ..io.output import TEMP

    out = conf.get("bsp.output.dir")
    if not out:
        return None
    # <out>/_temporary/<dir>/... is moved into <out>/ by the job commit and removed by an abort
    return f"{_fs.qualify(out, conf).rstrip('/')}/{TEMP}/kmeans-centers/center/center_output.seq"


class KMeansBSP(BSP):
    """Hama's ``KMeansBSP``: Lloyd iterations with partial sums broadcast to every peer."""

    centers: Matrix
    iterations: int
    _cache: tuple[list[Any], Matrix] | None = None

    def setup(self, peer: BSPPeer) -> None:
        conf = peer.get_configuration()
        self.max_iter = conf.get_int(MAX_ITER_KEY, 10)
        self.caching = conf.get_bool(CACHING_KEY, False)
        self.distance = distance_of(conf)
        center_in = conf.get(CENTER_IN_KEY)
        if not center_in:
            raise ConfigError(CENTER_IN_KEY, "k-means needs its initial centers")
        self.centers = load_centers(center_in, conf)
        self.iterations = 0

    def _points(self, peer: BSPPeer) -> tuple[list[Any], Matrix]:
        cached: tuple[list[Any], Matrix] | None = getattr(self, "_cache", None)
        if self.caching and cached is not None:
            return cached
        peer.reopen_input()
        ids, x = read_points(peer)
        if x.size and x.shape[1] != self.centers.shape[1]:
            raise InputError(f"peer {peer.get_peer_index()}: vectors have {x.shape[1]} dimensions, "
                             f"the centers {self.centers.shape[1]}")
        if not x.size:
            x = np.zeros((0, self.centers.shape[1]))
        if self.caching:
            self._cache = (ids, x)
        return ids, x

    def bsp(self, peer: BSPPeer) -> None:
        k = len(self.centers)
        names = peer.get_all_peer_names()
        me = peer.get_peer_index()
        labels: npt.NDArray[np.intp] = np.zeros(0, dtype=np.intp)
        started = time.perf_counter()
        while self.iterations < self.max_iter:
            _, x = self._points(peer)
            labels = assign(x, self.centers, self.distance)
            msg = (me, partial_sums(x, labels, k))
            for name in names:
                peer.send(name, msg)
            peer.sync()
            parts = sorted(peer.messages(), key=lambda m: m[0])  # peer order: identical sums everywhere
            total = parts[0][1].copy()
            for _, p in parts[1:]:
                total += p
            counts = total[:, -1]
            new = self.centers.copy()
            nz = counts > 0
            new[nz] = total[nz, :-1] / counts[nz, None]
            self.iterations += 1
            if self.iterations == 1:  # ITERATION_MICROS times the later iterations (no first load)
                started = time.perf_counter()
            moved = not np.array_equal(new, self.centers)
            self.centers = new
            if not moved:
                break
        if me == 0:  # wall time of iterations 2.. (input re-read included when not cached), microseconds
            peer.increment_counter("kmeans", "ITERATION_MICROS", int((time.perf_counter() - started) * 1e6))
        ids, x = self._points(peer)
        labels = assign(x, self.centers, self.distance)
        self._write(peer, ids, x, labels)
        peer.increment_counter("kmeans", "ITERATIONS", self.iterations if me == 0 else 0)
        if me == 0:
            conf = peer.get_configuration()
            url = conf.get(CENTER_OUT_KEY) or _staged_centers_url(conf)
            if url:
                write_centers(url, self.centers, conf)

    def _write(self, peer: BSPPeer, ids: list[Any], x: Matrix, labels: npt.NDArray[np.intp]) -> None:
        fmt = (peer.get_configuration().get("bsp.output.format.class") or "text").strip()
        if fmt in ("parquet", "arrow"):
            import pyarrow as pa

            peer.write(None, pa.record_batch({"id": ids, "cluster": labels.astype(np.int32)}))
            return
        if fmt == "text":  # Hama's TextOutputFormat of IntWritable -> VectorWritable
            if len(ids):
                a = np.abs(x)
                # rows whose values all print the same in Python's list repr and Java's toString
                plain = np.all((a == 0) | ((a >= 1e-3) & (a < 1e7)), axis=1).tolist()
                rows = x.tolist()
                if all(i is None for i in ids):
                    texts = [str(row) if ok else vector_text(row) for row, ok in zip(rows, plain)]
                else:
                    texts = [(str(row) if i is None else f"{i}: {row}") if ok else vector_text(row, i)
                             for i, row, ok in zip(ids, rows, plain)]
                block = "\n".join([f"{c}\t{t}" for c, t in zip(labels.tolist(), texts)])
                peer.write(None, block, records=len(ids))
            return
        from ..io.vectors import NamedVector

        for c, i, row in zip(labels.tolist(), ids, x):
            peer.write(c, row if i is None else NamedVector(str(i), row))


def initial_centers_from_input(conf: HamaConfiguration, k: int) -> Matrix:
    """The first *k* vectors of the job's input (Hama: the first K rows become the centers)."""
    from ..io.formats import input_format

    fmt = input_format(conf)
    rows: list[Matrix] = []
    have = 0
    for split in fmt.get_splits(conf, 1):
        reader = fmt.open_reader(conf, split)
        try:
            peer = _ReaderPeer(conf, reader)
            while have < k:
                ids, x = read_points_limited(peer, k - have)
                if not len(x):
                    break
                rows.append(x)
                have += len(x)
        finally:
            reader.close()
    if have < k:
        raise InputError(f"the input has {have} vectors, fewer than k = {k}")
    return np.concatenate(rows)[:k]


def read_points_limited(peer: Any, limit: int) -> tuple[list[Any], Matrix]:
    """Up to *limit* vectors from *peer* (a batch or records at a time)."""
    from .points import _vector_of, batch_to_matrix, is_columnar

    if is_columnar(peer.get_configuration()):
        batch = peer.read_batch()
        if batch is None:
            return [], np.zeros((0, 0))
        return list(range(batch.num_rows)), batch_to_matrix(batch)
    ids: list[Any] = []
    rows: list[Any] = []
    while len(rows) < limit and (rec := peer.read_next()) is not None:
        name, vec = _vector_of(*rec)
        ids.append(name)
        rows.append(vec)
    return ids, np.array(rows, dtype=np.float64) if rows else np.zeros((0, 0))


class _ReaderPeer:
    """The reading half of a peer over one reader (the driver reads the first K vectors)."""

    def __init__(self, conf: HamaConfiguration, reader: Any) -> None:
        self.conf = conf
        self.reader = reader
        self.records = iter(reader)

    def get_configuration(self) -> HamaConfiguration:
        return self.conf

    def read_next(self) -> Any:
        return next(self.records, None)

    def read_batch(self) -> Any:
        from ..io.arrowfmt import next_batch_of

        return next_batch_of(self.reader, self.records, self.conf)


def kmeans_job(conf: HamaConfiguration, input_path: str, output: str, k: int, max_iter: int = 10,
               num_tasks: int | None = None, centers: Matrix | None = None) -> Any:
    """A ready-to-submit :class:`~hama_yarn.job.BSPJob` for k-means.

    Without *centers* (and without ``center.in.path`` in *conf*), the first *k* input
    vectors become the initial centers, written next to the input as Hama does
    (``<input dir>/center/cen.seq``).
    """
    from ..io import fs as _fs
    from ..job import BSPJob

    job = BSPJob(conf, KMeansBSP)
    job.set_job_name("kmeans")
    job.set_input_path(input_path)
    job.set_output_path(output)
    job.set(MAX_ITER_KEY, str(max_iter))
    if num_tasks:
        job.set_num_bsp_task(num_tasks)
    if (conf.get("bsp.output.format.class") or "").strip() == "sequencefile":  # Hama's createJob
        job.set("bsp.output.key.class", "org.apache.hadoop.io.IntWritable")
        job.set("bsp.output.value.class", "org.apache.hama.commons.io.VectorWritable")
    if centers is not None or not conf.get(CENTER_IN_KEY):
        if centers is None:
            conf.set("bsp.input.dir", input_path)
            centers = initial_centers_from_input(conf, k)
        base = _fs.qualify(input_path.split(",")[0], conf).rstrip("/")
        fs, path = _fs.resolve(base, conf)
        if not fs.isdir(path):
            base = base.rsplit("/", 1)[0]
        url = f"{base}/center/cen.seq"
        write_centers(url, np.asarray(centers, dtype=np.float64), conf)
        job.set(CENTER_IN_KEY, url)
    return job


def generate_points(url: str, count: int, dim: int, conf: HamaConfiguration | None = None, seed: int = 0,
                    fmt: str = "sequencefile") -> None:
    """Hama's ``-g COUNT DIM``: random vectors into *url* (SequenceFile ``VectorWritable -> NullWritable``,
    or Parquet with ``fmt='parquet'``)."""
    from ..matrix.gen import write_points

    write_points(url, np.random.default_rng(seed).random((count, dim)), conf, fmt=fmt)


def main(argv: list[str] | None = None) -> int:
    """``hama example kmeans IN OUT MAXITER K [-g COUNT DIM] [-n PEERS] [--input-format F] [-D k=v]...``."""
    from ..cli.common import add_conf_args, conf_from_args, run_job

    p = argparse.ArgumentParser(prog="hama example kmeans", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="input file or directory (text NamedDoubleVector, SequenceFile or Parquet)")
    p.add_argument("output", help="output directory")
    p.add_argument("max_iter", type=int, help="maximum number of iterations")
    p.add_argument("k", type=int, help="number of clusters")
    p.add_argument("-g", nargs=2, type=int, metavar=("COUNT", "DIM"),
                   help="generate COUNT random DIM-dimensional vectors into INPUT/input.seq first")
    p.add_argument("-n", "--num-tasks", type=int, default=None, help="number of peers (default: bsp.peers.num)")
    p.add_argument("--input-format", default=None, help="text (default), sequencefile, parquet, arrow")
    p.add_argument("--output-format", default=None, help="text (default), sequencefile, parquet, arrow")
    p.add_argument("--distance", choices=["euclidean", "cosine"], default=None)
    p.add_argument("--cache", action="store_true", help="k.means.caching.enabled=true")
    add_conf_args(p)
    args = p.parse_args(argv)
    if args.k < 1 or args.max_iter < 1:
        raise UsageError("K and MAXITER must be at least 1")
    conf = conf_from_args(args)
    input_path = args.input
    if args.g:
        from ..io import fs as _fs

        input_path = _fs.qualify(args.input, conf).rstrip("/") + "/input.seq"
        generate_points(input_path, args.g[0], args.g[1], conf)
        args.input_format = args.input_format or "sequencefile"
    if args.input_format:
        conf.set("bsp.input.format.class", args.input_format)
    if args.output_format:
        conf.set("bsp.output.format.class", args.output_format)
    if args.distance:
        conf.set(DISTANCE_KEY, args.distance)
    if args.cache:
        conf.set(CACHING_KEY, "true")
    job = kmeans_job(conf, input_path, args.output, args.k, args.max_iter, args.num_tasks)
    return run_job(job, quiet=getattr(args, "quiet", False))


if __name__ == "__main__":
    sys.exit(main())
