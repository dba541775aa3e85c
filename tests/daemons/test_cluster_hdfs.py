"""PageRank with HDFS input on a bspmaster and grooms (real HDFS from tests/cluster/)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.io import fs as _fs

from ..io.helpers import read_text_parts
from .conftest import Cluster

pytestmark = pytest.mark.hdfs

KARATE = Path(__file__).resolve().parents[2] / "examples" / "data" / "karate.txt"


@pytest.fixture
def base(hdfs: Any, cluster_env: dict[str, str]) -> Iterator[str]:
    url = f"{hdfs.hdfs_url.rstrip('/')}/tmp/hama-daemon-tests/{uuid.uuid4().hex[:12]}"
    fs, path = _fs.resolve(url)
    fs.makedirs(path, exist_ok=True)
    yield url
    try:
        fs.rm(path, recursive=True)
    except OSError:
        pass


def test_pagerank_hdfs_input_on_grooms(base: str, bsp_cluster: Cluster) -> None:
    fs, path = _fs.resolve(f"{base}/karate.txt")
    with fs.open(path, "wb", block_size=1024) as f:
        f.write(KARATE.read_bytes())
    out = f"{base}/pr"
    r = bsp_cluster.hama("example", "pagerank", "-i", f"{base}/karate.txt", "-o", out, "-n", "3")
    assert r.returncode == 0, r.stderr
    ranks = {v: float(x) for v, x in (line.split("\t") for line in read_text_parts(out))}
    vertices = {line.split("\t")[0] for line in KARATE.read_text().splitlines()}
    assert set(ranks) == vertices
    assert math.isclose(sum(ranks.values()), 1.0, abs_tol=1e-9)
