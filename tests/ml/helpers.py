"""Shared helpers of tests/ml and tests/matrix: run a job locally, read its output."""

from __future__ import annotations

from typing import Any

import numpy as np


def run(job: Any) -> None:
    """Run *job*; fail with its diagnostics if it did not succeed."""
    ok = job.wait_for_completion(verbose=False)
    assert ok, job.get_diagnostics()


def read_text_parts(url: str) -> list[str]:
    """Lines of every ``part-*`` under the output directory *url* (any filesystem)."""
    from hama_yarn.cli.exampleio import read_output

    return read_output(url)


def parse_kmeans_line(line: str) -> tuple[int, str | None, list[float]]:
    """Hama's k-means text line ``cluster<TAB>[name: ][v1, v2, ...]`` -> (cluster, name, values)."""
    c, vec = line.split("\t")
    name, sep, body = vec.rpartition(": [")
    if not sep:
        name, body = "", vec[1:]
    assert body.endswith("]"), line
    return int(c), (name or None), [float(v) for v in body[:-1].split(", ")]


def labels_from(lines: list[str], n: int, x: np.ndarray | None = None) -> np.ndarray:
    """k-means text output ``cluster<TAB>id: [v1, ...]`` (ids 0..n-1) -> labels by id; every id exactly
    once; with *x*, each line's vector must equal row *id* of *x* exactly."""
    labels = np.full(n, -1)
    for line in lines:
        c, name, vec = parse_kmeans_line(line)
        assert name is not None, line
        i = int(name)
        assert labels[i] == -1, f"id {i} written twice"
        labels[i] = c
        if x is not None:
            assert np.array_equal(vec, x[i]), line
    assert (labels >= 0).all(), "some ids missing from the output"
    return labels
