"""Matrix x matrix, dense or sparse, row-block distributed: ``C = A B``.

The rows of ``A`` (``bsp.input.dir``) are split over the peers; every peer loads ``B``
(``matmult.inputmatrixb``) whole in ``setup`` (as SpMV loads its vector) and computes
its block of rows of ``C`` with numpy (dense) or scipy.sparse (when ``A`` or ``B`` is
sparse).  ``--iterations K`` computes ``A B^K`` (``B`` square): the row blocks stay where
they are, no messages are needed.

Input: SequenceFile ``IntWritable row -> VectorWritable`` (dense rows, Hama's
VectorWritableMatrixGen) or ``-> SparseVectorWritable``; Parquet/Arrow ``row, col, value``.
``B`` may also be ``.npy`` (dense) or ``.npz`` (scipy.sparse).  Output, one record per
row of ``C``: SequenceFile ``IntWritable -> VectorWritable`` (dense) / ``SparseVectorWritable``
(sparse), text ``row<TAB>v1 v2 ...`` or Parquet ``row, col, value``.

Run::

    hama example matmult A B OUTPUT [-n PEERS] [--output-format F]
"""

from __future__ import annotations

import argparse
import io
import sys
from typing import Any

import numpy as np

from ..bsp import BSP, BSPPeer
from ..config import HamaConfiguration
from ..errors import ConfigError, InputError

__all__ = ["MatMultBSP", "load_matrix", "matmult_job", "main"]

B_KEY = "matmult.inputmatrixb"
ITER_KEY = "matmult.iterations"


def load_matrix(url: str, conf: HamaConfiguration | None = None) -> Any:
    """A whole matrix: SequenceFile of rows (dense ndarray, or scipy CSR if the rows are sparse), .npy, .npz."""
    import scipy.sparse as sp

    from ..io import fs as _fs
    from ..io.sequencefile import SequenceFileReader

    fs, path = _fs.resolve(url, conf)
    try:
        with fs.open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise InputError(f"matrix {url} ({B_KEY}) cannot be read: {exc}") from exc
    if data[:6] == b"\x93NUMPY":
        return np.asarray(np.load(io.BytesIO(data)), dtype=np.float64)
    if data[:2] == b"PK":
        return sp.load_npz(io.BytesIO(data)).tocsr()
    if data[:3] != b"SEQ":
        raise InputError(f"matrix {url}: not a SequenceFile, .npy or .npz")
    with SequenceFileReader(io.BytesIO(data)) as r:
        records = sorted(r, key=lambda kv: kv[0])
    if records and hasattr(records[0][1], "indices"):
        n = records[0][1].size
        rows = np.concatenate([np.full(len(v.indices), k) for k, v in records]) if records else np.zeros(0)
        cols = np.concatenate([v.indices for _, v in records])
        vals = np.concatenate([v.values for _, v in records])
        return sp.csr_matrix((vals, (rows, cols)), shape=(records[-1][0] + 1, n))
    return np.array([np.asarray(getattr(v, "values", v), dtype=np.float64) for _, v in records])


class MatMultBSP(BSP):
    """Row-block matrix product; peer ``p`` computes the rows of ``C`` whose ``A`` rows it read."""

    def setup(self, peer: BSPPeer) -> None:
        conf = peer.get_configuration()
        url = conf.get(B_KEY)
        if not url:
            raise ConfigError(B_KEY, "matmult needs the right-hand matrix B")
        self.b = load_matrix(url, conf)
        self.iterations = conf.get_int(ITER_KEY, 1)

    def bsp(self, peer: BSPPeer) -> None:
        import scipy.sparse as sp

        from .spmv import read_local_matrix

        n_inner = self.b.shape[0]
        a, rows = read_local_matrix(peer, n_inner)
        dense_in = not sp.issparse(self.b) and not self._sparse_input(peer)
        c: Any = a.toarray() if dense_in else a
        for _ in range(self.iterations):
            c = c @ self.b
        peer.sync()  # one superstep: every peer's block is done before output is committed
        self._write(peer, rows, c)

    @staticmethod
    def _sparse_input(peer: BSPPeer) -> bool:
        return (peer.get_configuration().get("matmult.input.sparse") or "false") == "true"

    def _write(self, peer: BSPPeer, rows: Any, c: Any) -> None:
        import scipy.sparse as sp

        from ..io.vectors import SparseVector

        fmt = (peer.get_configuration().get("bsp.output.format.class") or "text").strip()
        coo = sp.coo_matrix(c)
        if fmt in ("parquet", "arrow"):
            import pyarrow as pa

            peer.write(None, pa.record_batch({"row": rows[coo.row], "col": coo.col.astype(np.int64), "value": coo.data}))
            return
        csr = sp.csr_matrix(c) if sp.issparse(c) else None
        for i, r in enumerate(rows.tolist()):
            if csr is not None:
                lo, hi = csr.indptr[i], csr.indptr[i + 1]
                value: Any = SparseVector(csr.shape[1], csr.indices[lo:hi].astype(np.int32), csr.data[lo:hi].copy())
                if fmt == "text":
                    value = " ".join(f"{j}:{x!r}" for j, x in zip(value.indices.tolist(), value.values.tolist()))
            else:
                value = c[i] if fmt != "text" else " ".join(map(repr, c[i].tolist()))
            peer.write(r, value)


def matmult_job(conf: HamaConfiguration, a: str, b: str, output: str, num_tasks: int | None = None,
                iterations: int = 1) -> Any:
    """A ready-to-submit :class:`~hama_yarn.job.BSPJob` computing ``A B^iterations``."""
    from ..job import BSPJob

    job = BSPJob(conf, MatMultBSP)
    job.set_job_name("matmult")
    job.set_input_path(a)
    if (conf.get("bsp.input.format.class") or "text").strip() == "text":
        job.set_input_format("sequencefile")
    job.set_output_path(output)
    job.set(B_KEY, b)
    job.set(ITER_KEY, str(iterations))
    if num_tasks:
        job.set_num_bsp_task(num_tasks)
    return job


def main(argv: list[str] | None = None) -> int:
    """``hama example matmult A B OUTPUT [-n PEERS] [--sparse] [--output-format F] [-D k=v]...``."""
    from ..cli.common import add_conf_args, conf_from_args, run_job

    p = argparse.ArgumentParser(prog="hama example matmult", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("output")
    p.add_argument("-n", "--num-tasks", type=int, default=None)
    p.add_argument("--iterations", type=int, default=1)
    p.add_argument("--sparse", action="store_true", help="keep A sparse (matmult.input.sparse=true)")
    p.add_argument("--input-format", default=None)
    p.add_argument("--output-format", default=None)
    add_conf_args(p)
    args = p.parse_args(argv)
    conf = conf_from_args(args)
    if args.input_format:
        conf.set("bsp.input.format.class", args.input_format)
    if args.output_format:
        conf.set("bsp.output.format.class", args.output_format)
    if args.sparse:
        conf.set("matmult.input.sparse", "true")
    return run_job(matmult_job(conf, args.a, args.b, args.output, args.num_tasks, args.iterations),
                   quiet=getattr(args, "quiet", False))


if __name__ == "__main__":
    sys.exit(main())
