"""SpMV and a matrix product on YARN with SequenceFile input on HDFS, against scipy/numpy."""

from __future__ import annotations

import numpy as np
import pytest

from tests.yarn.conftest import hama, read_parts

pytestmark = [pytest.mark.yarn, pytest.mark.hdfs]


def test_spmv_and_matmult_on_yarn_from_hdfs(yarn_env: dict[str, str], hdfs_dir: str) -> None:
    from hama_yarn.matrix.gen import sparse_random, write_rows, write_sparse, write_vector

    a = sparse_random(200, 200, 0.05, seed=2)
    v = np.random.default_rng(3).random(200)
    write_sparse(f"{hdfs_dir}/m.seq", a)
    write_vector(f"{hdfs_dir}/v.seq", v)
    r = hama(yarn_env, "example", "spmv", f"{hdfs_dir}/m.seq", f"{hdfs_dir}/v.seq", f"{hdfs_dir}/y",
             "-n", "3", "--iterations", "2", "-r", "yarn", "-q")
    assert r.returncode == 0, r.stderr
    y = np.full(200, np.nan)
    for line in read_parts(f"{hdfs_dir}/y"):
        i, x = line.split("\t")
        y[int(i)] = float(x)
    assert np.array_equal(y, a @ (a @ v))
    from hama_yarn.matrix.spmv import load_vector

    assert np.array_equal(load_vector(f"{hdfs_dir}/y/result"), a @ (a @ v))  # Hama's OUT/result vector

    rng = np.random.default_rng(5)
    ma, mb = rng.random((30, 20)), rng.random((20, 10))
    write_rows(f"{hdfs_dir}/a.seq", ma)
    write_rows(f"{hdfs_dir}/b.seq", mb)
    r = hama(yarn_env, "example", "matmult", f"{hdfs_dir}/a.seq", f"{hdfs_dir}/b.seq", f"{hdfs_dir}/c",
             "-n", "2", "-r", "yarn", "-q")
    assert r.returncode == 0, r.stderr
    c = np.full((30, 10), np.nan)
    for line in read_parts(f"{hdfs_dir}/c"):
        i, row = line.split("\t")
        c[int(i)] = [float(t) for t in row.split()]
    assert np.array_equal(c, ma @ mb)


def test_large_array_messages_on_yarn(yarn_env: dict[str, str]) -> None:
    """RandBench with 200 kB numpy messages: bundles over 256 KiB take the raw bundle channel
    between YARN containers; every byte arrives (BYTES_RECEIVED)."""
    import re

    r = hama(yarn_env, "example", "bench", "200000", "4", "3", "--numpy", "-n", "2", "-r", "yarn")
    assert r.returncode == 0, r.stderr
    got = re.search(r"BYTES_RECEIVED=(\d+)", r.stderr)
    assert got and int(got.group(1)) == 2 * 4 * 3 * 200000, r.stderr[-3000:]
