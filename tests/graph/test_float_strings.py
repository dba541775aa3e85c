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


def _repr_lines(keys: np.ndarray, values: np.ndarray) -> bytes:
    return "".join(f"{k}\t{v!r}\n" for k, v in zip(keys.tolist(), values.tolist())).encode()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=5e-324, max_value=1e-4, exclude_max=True), min_size=1, max_size=60),
       st.integers(min_value=0, max_value=2**62))
def test_bulk_lines_are_reprs(values: list[float], key0: int) -> None:
    """pyarrow's shortest digits laid out as Python's repr, for every value in (0, 1e-4)."""
    from hama_yarn.graph import floatfmt

    arr = np.array(values, dtype=np.float64)
    keys = np.arange(key0, key0 + len(arr), dtype=np.int64)
    assert floatfmt.lines(keys, arr) == _repr_lines(keys, arr)


def test_bulk_lines_magnitudes_and_fallback() -> None:
    """Every decade below 1e-4 (pyarrow's fixed and scientific shapes, 1- to 3-digit exponents), the
    edges of the range, and None for a block with a value outside (0, 1e-4)."""
    from hama_yarn.graph import floatfmt

    rng = np.random.default_rng(15)
    exps = rng.uniform(-323.5, -4.0, 20000)
    arr = np.concatenate([10.0 ** exps * rng.uniform(0.1, 1.0, len(exps)),
                          [1e-5, 1e-7, 1.5e-5, 1e-10, 1e-100, 5e-324, 2.2250738585072014e-308,
                           np.nextafter(1e-4, 0), 2.384185791015625e-07, 0.15 / 4194304]])
    arr = arr[(arr > 0) & (arr < 1e-4)]
    keys = rng.integers(0, 2**40, len(arr))
    assert floatfmt.lines(keys, arr) == _repr_lines(keys, arr)
    for bad in (1e-4, 0.0, -1e-9, np.inf, np.nan, 0.5):
        assert floatfmt.lines(keys[:3], np.array([1e-6, bad, 2e-6])) is None
    assert floatfmt.lines(keys[:0], arr[:0]) is None
