"""SpMV and matrix products against scipy/numpy on the same data: exactly equal."""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.io.sequencefile import SequenceFileReader
from hama_yarn.matrix.gen import sparse_random, write_rows, write_sparse, write_vector
from hama_yarn.matrix.matmult import matmult_job
from hama_yarn.matrix.spmv import spmv_job

from ..ml.helpers import read_text_parts, run


def _vector_from_text(url: str, n: int) -> np.ndarray:
    y = np.full(n, np.nan)
    for line in read_text_parts(url):
        i, x = line.split("\t")
        assert np.isnan(y[int(i)]), f"row {i} written twice"
        y[int(i)] = float(x)
    assert not np.isnan(y).any()
    return y


@pytest.mark.parametrize("peers", [1, 3, 4])
def test_spmv_iterated_equals_scipy(tmp_path: Path, peers: int) -> None:
    a = sparse_random(400, 400, 0.03, seed=peers)
    v = np.random.default_rng(5).random(400)
    write_sparse(f"{tmp_path}/m.seq", a)
    write_vector(f"{tmp_path}/v.seq", v)
    run(spmv_job(HamaConfiguration(), f"{tmp_path}/m.seq", f"{tmp_path}/v.seq", f"{tmp_path}/out", 3, peers))
    assert np.array_equal(_vector_from_text(f"file://{tmp_path}/out", 400), a @ (a @ (a @ v)))


def test_spmv_parquet_coordinates_and_sequencefile_output(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    a = sparse_random(300, 300, 0.05, seed=9).tocoo()
    pq.write_table(pa.table({"row": a.row.astype(np.int64), "col": a.col.astype(np.int64), "value": a.data}),
                   tmp_path / "m.parquet", row_group_size=50)  # a row's cells spread over several peers
    v = np.random.default_rng(1).random(300)
    np.save(tmp_path / "v.npy", v)
    conf = HamaConfiguration()
    conf.set("bsp.input.format.class", "parquet")
    conf.set("bsp.output.format.class", "sequencefile")
    run(spmv_job(conf, f"{tmp_path}/m.parquet", f"{tmp_path}/v.npy", f"{tmp_path}/out", 2, 3))
    y = np.zeros(300)
    for f in glob.glob(f"{tmp_path}/out/part-*"):
        with SequenceFileReader(f) as r:
            assert r.key_class.endswith("IntWritable") and r.value_class.endswith("DoubleWritable")
            for k, x in r:
                y[k] = x
    a = a.tocsr()
    np.testing.assert_allclose(y, a @ (a @ v), rtol=1e-13)  # partial sums add in another order


@pytest.mark.parametrize("peers", [1, 3, 4])
def test_dense_and_sparse_products_equal_numpy_scipy(tmp_path: Path, peers: int) -> None:
    rng = np.random.default_rng(peers)
    a, b = rng.random((70, 40)), rng.random((40, 25))
    write_rows(f"{tmp_path}/a.seq", a)
    write_rows(f"{tmp_path}/b.seq", b)
    conf = HamaConfiguration()
    conf.set("bsp.output.format.class", "sequencefile")
    run(matmult_job(conf, f"{tmp_path}/a.seq", f"{tmp_path}/b.seq", f"{tmp_path}/out", peers))
    c = np.full((70, 25), np.nan)
    for f in glob.glob(f"{tmp_path}/out/part-*"):
        for k, row in SequenceFileReader(f):
            c[k] = row
    assert np.array_equal(c, a @ b)

    sa, sb = sparse_random(60, 50, 0.3, 1), sparse_random(50, 30, 0.2, 2)
    write_sparse(f"{tmp_path}/sa.seq", sa)
    write_sparse(f"{tmp_path}/sb.seq", sb)
    conf = HamaConfiguration()
    conf.set("bsp.output.format.class", "sequencefile")
    run(matmult_job(conf, f"{tmp_path}/sa.seq", f"{tmp_path}/sb.seq", f"{tmp_path}/out2", peers))
    sc = np.zeros((60, 30))
    for f in glob.glob(f"{tmp_path}/out2/part-*"):
        for k, row in SequenceFileReader(f):
            sc[k] = row.to_dense()
    assert np.array_equal(sc, (sa @ sb).toarray())


def test_randbench_counts_messages(tmp_path: Path) -> None:
    from hama_yarn.matrix.bench import bench_job

    job = bench_job(HamaConfiguration(), 100, 7, 3, num_tasks=3, as_array=True)
    run(job)
    from hama_yarn.master.state import PEER_COUNTER_GROUP

    c = job.get_counters()
    assert c.get(PEER_COUNTER_GROUP, "TOTAL_MESSAGES_SENT") == 3 * 7 * 3
    assert c.get("bench", "BYTES_RECEIVED") == 3 * 7 * 3 * 100


def test_gen_cli_kinds(tmp_path: Path) -> None:
    import subprocess
    import sys

    def gen(*args: str) -> None:
        r = subprocess.run([sys.executable, "-m", "hama_yarn.cli.main", "example", "gen", *args, "-q"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr

    gen("square", "5", str(tmp_path / "sq.seq"))
    gen("symmetric", "30", "4", str(tmp_path / "sym.seq"))
    gen("sparse", "20", "20", "0.2", str(tmp_path / "sp.seq"))
    rows = dict(SequenceFileReader(str(tmp_path / "sq.seq")))
    assert sorted(rows) == list(range(5)) and all(len(r) == 5 for r in rows.values())
    nbrs = {k: set(v) for k, v in SequenceFileReader(str(tmp_path / "sym.seq"))}
    assert all(k in nbrs[j] for k, vs in nbrs.items() for j in vs)  # symmetric
    assert all(k not in vs for k, vs in nbrs.items())
