"""The bulk VectorWritable SequenceFile reader returns exactly what the record reader yields."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from hama_yarn.io.seqvectors import NULL_CLASS, VECTOR_CLASS, read_vector_split
from hama_yarn.io.sequencefile import SequenceFileReader
from hama_yarn.io.seqwriter import SequenceFileWriter
from hama_yarn.io.vectors import NamedVector


def _record_reader(path: str, start: int, length: int) -> np.ndarray:
    with SequenceFileReader(path) as r:
        rows = [k if isinstance(k, np.ndarray) else v for k, v in r.iter_split(start, length)]
    return np.array(rows) if rows else np.zeros((0, 0))


def _bulk(path: str, start: int, length: int) -> np.ndarray | None:
    with open(path, "rb") as f, SequenceFileReader(f) as r:
        return read_vector_split(r, start, length)


@pytest.mark.parametrize("key_is_vector", [True, False])
def test_bulk_matches_record_reader_under_random_splits(tmp_path: Path, key_is_vector: bool) -> None:
    rng = np.random.default_rng(3)
    for trial in range(12):
        d, n = int(rng.integers(1, 6)), int(rng.integers(0, 1500))
        path = str(tmp_path / f"v{trial}.seq")
        x = rng.normal(size=(n, d))
        kc, vc = (VECTOR_CLASS, NULL_CLASS) if key_is_vector else (NULL_CLASS, VECTOR_CLASS)
        with SequenceFileWriter(path, kc, vc, sync_interval=int(rng.integers(100, 3000))) as w:
            for row in x:
                w.append(row, None) if key_is_vector else w.append(None, row)
        size = os.path.getsize(path)
        cuts = sorted({0, size, *rng.integers(0, size, int(rng.integers(1, 6))).tolist()})
        parts = []
        for a, b in zip(cuts, cuts[1:]):
            got, want = _bulk(path, a, b - a), _record_reader(path, a, b - a)
            assert got is not None
            assert got.size == want.size == 0 or np.array_equal(got, want)
            if got.size:
                parts.append(got)
        # the splits tile the file: every vector once, in order
        assert np.array_equal(np.concatenate(parts) if parts else np.zeros((0, d)), x.reshape(n, d)) or n == 0


def test_named_vectors_fall_back(tmp_path: Path) -> None:
    path = str(tmp_path / "named.seq")
    with SequenceFileWriter(path, VECTOR_CLASS, NULL_CLASS) as w:
        w.append(NamedVector("a", np.ones(3)), None)
    assert _bulk(path, 0, os.path.getsize(path)) is None
