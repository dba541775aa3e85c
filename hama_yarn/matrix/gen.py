"""Data generators of Hama's ``gen`` (matrices, vectors) and inputs of the ML jobs.

``hama example gen KIND ...`` with KIND one of (graph kinds ``rmat``/``fastgen`` are in
examples/graph/generate.py):

``symmetric N DENSITY OUT``  random symmetric 0/1 adjacency, ``1/DENSITY`` of the cells set
                             (Hama: ``Text id -> TextArrayWritable`` neighbours)
``vectorwritablematrix ROWS COLS OUT [saveTransposed usePipesVectorWritable min max precision]``
                             dense random matrix, ``IntWritable -> VectorWritable`` rows (Hama's
                             optional arguments: transposed, ``PipesVectorWritable``, value range, decimals)
``square N OUT``             dense random ``N x N`` matrix (Hama printed "Not implemented yet.")
``sparse ROWS COLS DENSITY OUT``  sparse random matrix, ``IntWritable -> SparseVectorWritable``
                             (SpMV's input); ``DENSITY`` = fraction of nonzero cells
``vector N OUT``             dense vector, one ``IntWritable -> DenseVectorWritable`` record
``points COUNT DIM OUT``     random vectors for k-means (``VectorWritable -> NullWritable``)
``regression ROWS DIM OUT``  rows for ``gd``: ``y>x1 x2 ...`` text (``csv``, ``seq``, ``parquet`` with
                             ``-of``); ``--logistic`` makes 0/1 labels
``ratings USERS ITEMS COUNT OUT``  MovieLens ``user::item::rating`` lines for ``cf`` (or ``parquet``)

``-of text|seq|parquet`` picks the file format where it applies; ``--seed`` fixes the data.
OUT is one file (a path on any filesystem: ``hdfs://...``, ``file:///...``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np
import numpy.typing as npt

from ..config import HamaConfiguration
from ..errors import UsageError

__all__ = ["write_points", "write_rows", "write_sparse", "write_vector", "sparse_random", "main", "KINDS"]

KINDS = ("symmetric", "vectorwritablematrix", "square", "sparse", "vector", "points", "regression", "ratings")
INT = "org.apache.hadoop.io.IntWritable"
NULL = "org.apache.hadoop.io.NullWritable"


def _open(url: str, conf: HamaConfiguration | None) -> Any:
    from ..io.fs import create

    return create(url, conf)


def _seq(url: str, conf: HamaConfiguration | None, key_class: str, value_class: str,
         records: Any) -> None:
    from ..io.seqwriter import SequenceFileWriter

    with _open(url, conf) as f, SequenceFileWriter(f, key_class, value_class) as w:
        for k, v in records:
            w.append(k, v)


def write_points(url: str, x: npt.NDArray[np.float64], conf: HamaConfiguration | None = None,
                 fmt: str = "sequencefile", names: list[str] | None = None) -> None:
    """Vectors (rows of *x*) as a SequenceFile ``VectorWritable -> NullWritable`` (Hama's k-means input),
    Parquet (``id`` plus columns ``x0 .. x{d-1}``) or text ``name v1 v2 ...`` (tab-separated)."""
    names = names or [str(i) for i in range(len(x))]
    if fmt in ("seq", "sequencefile"):
        from ..io.vectors import NamedVector

        _seq(url, conf, "org.apache.hama.commons.io.VectorWritable", NULL,
             ((NamedVector(n, row), None) for n, row in zip(names, x)))
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        cols: dict[str, Any] = {"id": np.arange(len(x), dtype=np.int64)}
        cols.update({f"x{j}": x[:, j] for j in range(x.shape[1])})
        with _open(url, conf) as f:
            pq.write_table(pa.table(cols), f, row_group_size=max(1, min(len(x), 131072)))
    elif fmt == "text":
        with _open(url, conf) as f:
            for lo in range(0, len(x), 65536):
                block = x[lo:lo + 65536]
                lines = ("\t".join([n, *map(repr, row.tolist())]) for n, row in zip(names[lo:lo + 65536], block))
                f.write(("\n".join(lines) + "\n").encode())
    else:
        raise UsageError(f"unknown format {fmt!r}: text, seq or parquet")


def write_rows(url: str, m: npt.NDArray[np.float64], conf: HamaConfiguration | None = None,
               pipes: bool = False) -> None:
    """A dense matrix as ``IntWritable row -> VectorWritable`` (Hama's VectorWritableMatrixGen), or
    ``-> PipesVectorWritable`` (its ``v1, v2`` text form, for Hama Pipes) with *pipes*."""
    if pipes:
        _seq(url, conf, INT, "org.apache.hama.commons.io.PipesVectorWritable",
             ((i, ", ".join(repr(float(x)) for x in row)) for i, row in enumerate(m)))
        return
    _seq(url, conf, INT, "org.apache.hama.commons.io.VectorWritable", ((i, row) for i, row in enumerate(m)))


def _matrix_options(extra: list[str]) -> dict[str, Any]:
    """Hama's optional ``vectorwritablematrix`` arguments after OUT:
    ``[saveTransposed [usePipesVectorWritable [min [max [precision]]]]]``."""
    opts: dict[str, Any] = {}
    names = ("transposed", "pipes", "min", "max", "precision")
    if len(extra) > len(names):
        raise UsageError(f"gen vectorwritablematrix: too many arguments {extra}")
    for name, value in zip(names, extra):
        try:
            if name in ("transposed", "pipes"):
                if value.lower() not in ("true", "false"):
                    raise ValueError(value)
                opts[name] = value.lower() == "true"
            else:
                opts[name] = int(value) if name == "precision" else float(value)
        except ValueError as exc:
            raise UsageError(f"gen vectorwritablematrix: bad {name} {value!r} (ROWS COLS OUT [saveTransposed "
                             "usePipesVectorWritable min max precision])") from exc
    return opts


def write_sparse(url: str, m: Any, conf: HamaConfiguration | None = None) -> None:
    """A scipy.sparse matrix as ``IntWritable row -> SparseVectorWritable`` (SpMV's matrix)."""
    from ..io.vectors import SparseVector

    csr = m.tocsr()
    n = csr.shape[1]

    def rows() -> Any:
        for i in range(csr.shape[0]):
            lo, hi = csr.indptr[i], csr.indptr[i + 1]
            yield i, SparseVector(n, csr.indices[lo:hi].astype(np.int32), csr.data[lo:hi].astype(np.float64))

    _seq(url, conf, INT, "org.apache.hama.commons.io.SparseVectorWritable", rows())


def write_vector(url: str, v: npt.NDArray[np.float64], conf: HamaConfiguration | None = None) -> None:
    """A dense vector as one ``IntWritable 0 -> DenseVectorWritable`` record (SpMV's vector)."""
    _seq(url, conf, INT, "org.apache.hama.commons.io.DenseVectorWritable", [(0, np.asarray(v, dtype=np.float64))])


def sparse_random(rows: int, cols: int, density: float, seed: int = 0) -> Any:
    """A scipy CSR matrix with about ``density * rows * cols`` uniform(0, 1) nonzeros."""
    import scipy.sparse as sp

    return sp.random(rows, cols, density=density, format="csr", random_state=np.random.default_rng(seed))


def _symmetric(url: str, n: int, inv_density: int, rng: np.random.Generator, conf: HamaConfiguration | None) -> None:
    import scipy.sparse as sp

    a = sp.random(n, n, density=1.0 / max(inv_density, 1), format="coo", random_state=rng)
    a = sp.triu(a, k=1)
    s = ((a + a.T) > 0).tocsr()
    _seq(url, conf, "org.apache.hadoop.io.Text", "org.apache.hama.commons.io.TextArrayWritable",
         ((str(i), [str(j) for j in s.indices[s.indptr[i]:s.indptr[i + 1]]]) for i in range(n)))


def main(argv: list[str] | None = None) -> int:
    """``hama example gen KIND ARGS... [-of FORMAT] [--seed S]`` (see the module docstring)."""
    p = argparse.ArgumentParser(prog="hama example gen", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=KINDS)
    p.add_argument("args", nargs="+", help="sizes, then the output path")
    p.add_argument("-of", "--format", default=None, choices=["text", "csv", "seq", "sequencefile", "parquet"])
    p.add_argument("--logistic", action="store_true", help="regression: 0/1 labels")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("-q", "--quiet", action="store_true")
    a = p.parse_args(argv)
    from ..cli.common import conf_from_args

    conf = conf_from_args(argparse.Namespace(defines=a.defines, runner=None))
    rng = np.random.default_rng(a.seed)
    need = {"symmetric": 3, "vectorwritablematrix": 3, "square": 2, "sparse": 4, "vector": 2, "points": 3,
            "regression": 3, "ratings": 4}[a.kind]
    if len(a.args) < need:
        raise UsageError(f"gen {a.kind} needs {need} arguments (sizes then OUT), got {a.args}")
    *sizes, out = a.args[:need]
    try:
        nums = [float(s) if "." in s else int(s) for s in sizes]
    except ValueError as exc:
        raise UsageError(f"gen {a.kind}: sizes must be numbers: {sizes}") from exc
    if a.kind == "symmetric":
        _symmetric(out, int(nums[0]), int(nums[1]), rng, conf)
    elif a.kind in ("vectorwritablematrix", "square"):
        r = int(nums[0])
        c = int(nums[1]) if a.kind == "vectorwritablematrix" else r
        opts = _matrix_options(a.args[need:]) if a.kind == "vectorwritablematrix" else {}
        m = opts.get("min", 0.0) + (opts.get("max", 1.0) - opts.get("min", 0.0)) * rng.random((r, c))
        if "precision" in opts:  # Hama: BigDecimal.setScale(precision, ROUND_DOWN)
            scale = 10.0 ** opts["precision"]
            m = np.trunc(m * scale) / scale
        write_rows(out, m.T if opts.get("transposed") else m, conf, pipes=bool(opts.get("pipes")))
    elif a.kind == "sparse":
        write_sparse(out, sparse_random(int(nums[0]), int(nums[1]), float(nums[2]), a.seed), conf)
    elif a.kind == "vector":
        write_vector(out, rng.random(int(nums[0])), conf)
    elif a.kind == "regression":
        from ..ml.datagen import regression_data, write_regression

        x, y, _ = regression_data(int(nums[0]), int(nums[1]), a.logistic, a.seed)
        write_regression(out, x, y, conf, fmt=a.format or "text")
    elif a.kind == "ratings":
        from ..ml.datagen import ratings_data, write_ratings

        write_ratings(out, *ratings_data(int(nums[0]), int(nums[1]), int(nums[2]), seed=a.seed), conf,
                      fmt=a.format if a.format == "parquet" else "text")
    else:
        write_points(out, rng.random((int(nums[0]), int(nums[1]))), conf, fmt=a.format or "seq")
    if not a.quiet:
        print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
