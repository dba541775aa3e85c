"""Generated inputs of the ML jobs: regression rows (``gd``) and ratings (``cf``).

Used by ``hama example gen regression ROWS DIM OUT`` and ``hama example gen ratings USERS
ITEMS COUNT OUT`` (:mod:`hama_yarn.matrix.gen`), and by the tests and benchmarks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..config import HamaConfiguration
from ..errors import UsageError

__all__ = ["regression_data", "write_regression", "ratings_data", "write_ratings"]

Array = npt.NDArray[np.float64]
NULL = "org.apache.hadoop.io.NullWritable"


def _open(url: str, conf: HamaConfiguration | None) -> Any:
    from ..io.fs import create

    return create(url, conf)


def regression_data(rows: int, dim: int, logistic: bool = False, seed: int = 0,
                    noise: float = 0.1) -> tuple[Array, Array, Array]:
    """``(X, y, theta)``: standard normal features, ``theta = [intercept, w...]``; *y* is
    ``X theta + noise`` or, with *logistic*, Bernoulli(sigmoid(X theta)) in {0, 1}."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, dim))
    theta = rng.uniform(-1.0, 1.0, dim + 1)
    z = theta[0] + x @ theta[1:]
    if logistic:
        y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-z))).astype(np.float64)
    else:
        y = z + noise * rng.standard_normal(rows)
    return x, y, theta


def write_regression(url: str, x: Array, y: Array, conf: HamaConfiguration | None = None,
                     fmt: str = "text") -> None:
    """Rows as Hama's ``y>x1 x2 ...`` text, CSV (``y,x0,x1,...`` with a header), Parquet
    (columns ``y, x0, ...``) or a SequenceFile of ``VectorWritable [y, x...]``."""
    if fmt == "text" or fmt == "csv":
        with _open(url, conf) as f:
            if fmt == "csv":
                f.write((",".join(["y", *(f"x{j}" for j in range(x.shape[1]))]) + "\n").encode())
            for lo in range(0, len(x), 65536):
                if fmt == "csv":
                    lines = (",".join(map(repr, [yy, *row])) for yy, row in
                             zip(y[lo:lo + 65536].tolist(), x[lo:lo + 65536].tolist()))
                else:
                    lines = (f"{yy!r}>{' '.join(map(repr, row))}" for yy, row in
                             zip(y[lo:lo + 65536].tolist(), x[lo:lo + 65536].tolist()))
                f.write(("\n".join(lines) + "\n").encode())
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        cols: dict[str, Any] = {"y": y}
        cols.update({f"x{j}": x[:, j] for j in range(x.shape[1])})
        with _open(url, conf) as f:
            pq.write_table(pa.table(cols), f, row_group_size=max(1, min(len(x), 131072)))
    elif fmt in ("seq", "sequencefile"):
        from ..io.seqwriter import SequenceFileWriter

        with _open(url, conf) as f, SequenceFileWriter(f, "org.apache.hama.commons.io.VectorWritable", NULL) as w:
            for yy, row in zip(y, x):
                w.append(np.concatenate([[yy], row]), None)
    else:
        raise UsageError(f"unknown format {fmt!r}: text, csv, seq or parquet")


def ratings_data(users: int, items: int, count: int, rank: int = 3, seed: int = 0,
                 noise: float = 0.1) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Array]:
    """*count* distinct ``(user, item, rating)`` triples from a rank-*rank* model plus noise,
    ratings clipped to [1, 5] (MovieLens' scale)."""
    rng = np.random.default_rng(seed)
    count = min(count, users * items)
    cells = rng.choice(users * items, size=count, replace=False)
    u, i = cells // items, cells % items
    pu = rng.normal(0.0, 1.0, (users, rank))
    qi = rng.normal(0.0, 1.0, (items, rank))
    r = 3.0 + np.einsum("ij,ij->i", pu[u], qi[i]) / np.sqrt(rank) + noise * rng.standard_normal(count)
    return u.astype(np.int64), i.astype(np.int64), np.clip(r, 1.0, 5.0)


def write_ratings(url: str, users: npt.NDArray[np.int64], items: npt.NDArray[np.int64], ratings: Array,
                  conf: HamaConfiguration | None = None, fmt: str = "text") -> None:
    """Ratings as MovieLens ``user::item::rating`` lines, or Parquet columns ``user, item, rating``."""
    if fmt == "text":
        with _open(url, conf) as f:
            for lo in range(0, len(users), 65536):
                sl = slice(lo, lo + 65536)
                f.write(("\n".join(f"{a}::{b}::{c!r}" for a, b, c in zip(
                    users[sl].tolist(), items[sl].tolist(), ratings[sl].tolist())) + "\n").encode())
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        with _open(url, conf) as f:
            pq.write_table(pa.table({"user": users, "item": items, "rating": ratings}), f,
                           row_group_size=max(1, min(len(users), 131072)))
    else:
        raise UsageError(f"unknown format {fmt!r}: text or parquet")
