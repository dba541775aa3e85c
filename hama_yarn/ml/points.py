"""Loading a peer's input split as a numpy matrix (shared by the ML and matrix jobs).

Input kinds, by ``bsp.input.format.class``:

* ``parquet`` / ``arrow``: batches from ``peer.read_batch()``; either one list column
  (every row a vector) or the numeric columns; column ``id`` or ``name`` (if present) is
  the row's id, otherwise the row number.
* ``sequencefile``: Hama's ``VectorWritable`` (or ``DenseVectorWritable``) as key or value;
  a :class:`~hama_yarn.io.vectors.NamedVector` carries the id.
* ``text``: Hama's ``NamedDoubleVector`` lines: the first whitespace/tab-separated field is
  the name, the rest the values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError

__all__ = ["read_points", "batch_to_matrix", "is_columnar", "ID_COLUMNS"]

#: Column names taken as row ids rather than features.
ID_COLUMNS = ("id", "name")

Matrix = npt.NDArray[np.float64]


def is_columnar(conf: Any) -> bool:
    """True when the job's input format is ``parquet`` or ``arrow``."""
    fmt = (conf.get("bsp.input.format.class") or "text").strip()
    return fmt in ("parquet", "arrow") or fmt.startswith("hama_yarn.io.arrowfmt:")


def batch_to_matrix(batch: Any, exclude: tuple[str, ...] = ID_COLUMNS) -> Matrix:
    """The feature matrix of a RecordBatch: its single list column, or its numeric columns."""
    import pyarrow as pa

    names = [n for n in batch.schema.names if n not in exclude]
    if not names:
        raise InputError(f"no feature columns in {batch.schema.names}")
    cols = [batch.column(n) for n in names]
    if len(cols) == 1 and (pa.types.is_list(cols[0].type) or pa.types.is_fixed_size_list(cols[0].type)
                           or pa.types.is_large_list(cols[0].type)):
        col = cols[0]
        flat = col.flatten().to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        n = len(col)
        if n == 0:
            return np.zeros((0, 0))
        if flat.size % n:
            raise InputError(f"column {names[0]!r}: rows have different lengths")
        out: Matrix = flat.reshape(n, flat.size // n)
        return out
    try:
        return np.column_stack([c.to_numpy(zero_copy_only=False).astype(np.float64, copy=False) for c in cols])
    except (TypeError, ValueError) as exc:
        raise InputError(f"columns {names} are not all numeric: {exc}") from exc


def read_points(peer: Any) -> tuple[list[Any], Matrix]:
    """Every vector of this peer's split: ``(ids, matrix)`` (the matrix is float64, ``n x d``).

    Raises
    ------
    InputError
        A line or record that is not a vector (names its key), or vectors of different dimension.
    """
    if is_columnar(peer.get_configuration()):
        ids: list[Any] = []
        blocks = []
        row = 0
        while (batch := peer.read_batch()) is not None:
            names = batch.schema.names
            id_col = next((c for c in ID_COLUMNS if c in names), None)
            if id_col is not None:
                ids.extend(batch.column(id_col).to_pylist())
            else:
                ids.extend(range(row, row + batch.num_rows))
            row += batch.num_rows
            blocks.append(batch_to_matrix(batch))
        return ids, _stack(blocks)
    ids, rows = [], []
    read_next = peer.read_next
    ndarray = np.ndarray
    while (rec := read_next()) is not None:
        key, value = rec
        if value is None and type(key) is ndarray:  # an unnamed VectorWritable key (Hama's k-means input)
            ids.append(None)
            rows.append(key)
            continue
        name, vec = _vector_of(key, value)
        ids.append(name)
        rows.append(vec)
    if not rows:
        return ids, np.zeros((0, 0))
    try:
        x: Matrix = np.array(rows, dtype=np.float64)
    except ValueError:  # ragged: vectors of different lengths
        x = np.zeros((0, 0))
    if x.ndim != 2:
        dims = {len(r) for r in rows}
        raise InputError(f"vectors of different dimensions {sorted(dims)} in the input of peer {peer.get_peer_index()}")
    return ids, x


def _stack(blocks: list[Matrix]) -> Matrix:
    blocks = [b for b in blocks if b.size]
    if not blocks:
        return np.zeros((0, 0))
    dims = {b.shape[1] for b in blocks}
    if len(dims) > 1:
        raise InputError(f"vectors of different dimensions {sorted(dims)}")
    return np.concatenate(blocks) if len(blocks) > 1 else blocks[0]


def _vector_of(key: Any, value: Any) -> tuple[Any, Any]:
    from ..io.vectors import NamedVector

    for v, other in ((key, value), (value, key)):
        if isinstance(v, NamedVector):
            return v.name, np.asarray(v.values, dtype=np.float64)
        if isinstance(v, np.ndarray):  # an unnamed VectorWritable key has no id (None)
            return other, v.astype(np.float64, copy=False)
    if isinstance(value, str):
        fields = value.split()
        if not fields:
            raise InputError(f"empty line at offset {key}")
        try:
            return fields[0], [float(x) for x in fields[1:]]
        except ValueError as exc:
            raise InputError(f"line at offset {key} is not 'name v1 v2 ...': {value[:80]!r} ({exc})") from exc
    raise InputError(f"record {key!r} is not a vector (value of type {type(value).__name__})")
