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


def labels_from(lines: list[str], n: int) -> np.ndarray:
    """k-means text output ``cluster<TAB>id`` (ids 0..n-1) -> labels by id; every id exactly once."""
    labels = np.full(n, -1)
    for line in lines:
        c, i = line.split("\t")
        assert labels[int(i)] == -1, f"id {i} written twice"
        labels[int(i)] = int(c)
    assert (labels >= 0).all(), "some ids missing from the output"
    return labels
