"""Vectorized text output: each distinct float formatted once gives the same lines as one repr per vertex."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hama_yarn.graph.vectorized import float_strings, text_block

floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 0.15 / 3, 1e-7, 5e-324])


@settings(max_examples=200, deadline=None)
@given(st.lists(floats, max_size=40))
def test_float_strings_are_reprs(values: list[float]) -> None:
    arr = np.array(values, dtype=np.float64)
    assert list(float_strings(arr)) == [repr(v) for v in arr.tolist()]


@pytest.mark.parametrize("algorithm", ["pagerank", "pagerank-hama", "sssp"])
def test_text_block_lines(algorithm: str) -> None:
    rng = np.random.default_rng(3)
    values = np.round(rng.random(5000), 3) * 1e-6  # many repeated ranks
    values[::7] = np.inf
    ids = rng.integers(0, 10**12, 5000).tolist()
    assert text_block(ids, values, algorithm) == "\n".join(f"{k}\t{float(v)!r}" for k, v in zip(ids, values.tolist()))
    keys = [f"v{k}" for k in ids]
    assert text_block(keys, values, algorithm).split("\n")[1] == f"{keys[1]}\t{values.tolist()[1]!r}"
