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
    # the cells of a row split between peers are first moved to one of them: sums as scipy's
    assert np.array_equal(y, a @ (a @ v))


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


@pytest.mark.parametrize("as_array", [True, False], ids=["numpy", "bytes"])
def test_randbench_counts_messages(tmp_path: Path, as_array: bool) -> None:
    from hama_yarn.matrix.bench import bench_job

    job = bench_job(HamaConfiguration(), 100, 7, 3, num_tasks=3, as_array=as_array)
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


def _sparse_rows(url: str, m: object, skip: set[int]) -> None:
    """*m* as ``IntWritable -> SparseVectorWritable`` records, rows in *skip* absent (no record);
    all-zero rows not in *skip* are records with no cells."""
    from hama_yarn.io.vectors import SparseVector
    from hama_yarn.matrix.gen import _seq

    csr = m.tocsr()  # type: ignore[attr-defined]
    recs = []
    for i in range(csr.shape[0]):
        if i not in skip:
            lo, hi = csr.indptr[i], csr.indptr[i + 1]
            recs.append((i, SparseVector(csr.shape[1], csr.indices[lo:hi].astype(np.int32), csr.data[lo:hi].copy())))
    _seq(url, None, "org.apache.hadoop.io.IntWritable", "org.apache.hama.commons.io.SparseVectorWritable", recs)


def _zero_rows(seed: int, n: int, m: int) -> tuple[object, set[int], set[int]]:
    """A sparse n x m matrix whose rows in *zero* (records without cells) and *absent* (no record) are 0."""
    a = sparse_random(n, m, 0.2, seed).tolil()
    zero, absent = {0, 7, 8, n // 2}, {3, 11, n - 1}
    for i in zero | absent:
        a[i, :] = 0
    return a.tocsr(), zero, absent


def test_spmv_result_vector_like_hama_and_empty_rows(tmp_path: Path) -> None:
    """OUT/result is Hama's dense result vector (IntWritable 0 -> DenseVectorWritable), usable as the
    next job's vector; all-zero and absent matrix rows give 0 as scipy."""
    a, zero, absent = _zero_rows(3, 40, 40)
    _sparse_rows(f"{tmp_path}/m.seq", a, absent)
    v = np.random.default_rng(2).random(40)
    write_vector(f"{tmp_path}/v.seq", v)
    run(spmv_job(HamaConfiguration(), f"{tmp_path}/m.seq", f"{tmp_path}/v.seq", f"{tmp_path}/out", 1, 3))
    with SequenceFileReader(str(tmp_path / "out" / "result")) as r:
        assert r.key_class.endswith("IntWritable") and r.value_class.endswith("DenseVectorWritable")
        records = list(r)
    assert [k for k, _ in records] == [0]
    assert np.array_equal(records[0][1], a @ v)
    assert all(records[0][1][i] == 0 for i in zero | absent)
    assert np.array_equal(_vector_from_text(f"file://{tmp_path}/out", 40), a @ v)
    # Hama's iterative use: the result vector is the next job's input vector
    run(spmv_job(HamaConfiguration(), f"{tmp_path}/m.seq", f"{tmp_path}/out/result", f"{tmp_path}/out2", 1, 2))
    assert np.array_equal(_vector_from_text(f"file://{tmp_path}/out2", 40), a @ (a @ v))


@pytest.mark.parametrize("peers", [1, 3])
def test_matmult_all_zero_and_absent_rows_equal_scipy(tmp_path: Path, peers: int) -> None:
    """Rows of A with no nonzero cell (a record without cells) give a zero row of C in the output;
    rows of A with no record at all are zero rows of C (scipy's A @ B), dense and sparse paths."""
    a, zero, absent = _zero_rows(5, 30, 20)
    _sparse_rows(f"{tmp_path}/a.seq", a, absent)
    b = np.random.default_rng(6).random((20, 8))
    np.save(tmp_path / "b.npy", b)
    sb = sparse_random(20, 8, 0.3, 7)
    write_sparse(f"{tmp_path}/sb.seq", sb)
    expected_rows = set(range(30)) - absent
    for name, bfile, sparse_a in (("dd", "b.npy", False), ("sd", "b.npy", True), ("ss", "sb.seq", True)):
        conf = HamaConfiguration()
        conf.set("bsp.output.format.class", "sequencefile")
        if sparse_a:
            conf.set("matmult.input.sparse", "true")
        run(matmult_job(conf, f"{tmp_path}/a.seq", f"{tmp_path}/{bfile}", f"{tmp_path}/out-{name}", peers))
        c = np.zeros((30, 8))
        seen: list[int] = []
        for f in sorted(glob.glob(f"{tmp_path}/out-{name}/part-*")):
            for k, row in SequenceFileReader(f):
                seen.append(k)
                c[k] = row.to_dense() if hasattr(row, "to_dense") else row
        assert sorted(seen) == sorted(expected_rows), name  # every row of A with a record, once
        # the dense path multiplies with numpy (BLAS), the sparse ones with scipy: same reference kernel
        ref = a.toarray() @ b if name == "dd" else a @ (sb if bfile == "sb.seq" else b)  # type: ignore[attr-defined]
        assert np.array_equal(c, ref.toarray() if hasattr(ref, "toarray") else ref), name
        assert not c[sorted(zero | absent)].any()

    # dense A (VectorWritable rows) with all-zero rows
    d = np.asarray(a.todense())
    write_rows(f"{tmp_path}/da.seq", d)
    run(matmult_job(HamaConfiguration(), f"{tmp_path}/da.seq", f"{tmp_path}/b.npy", f"{tmp_path}/out-dense", peers))
    lines = read_text_parts(f"file://{tmp_path}/out-dense")
    c = np.full((30, 8), np.nan)
    for line in lines:
        k, vals = line.split("\t")
        c[int(k)] = [float(x) for x in vals.split()]
    assert np.array_equal(c, d @ b)  # every row written, the all-zero ones as zeros


@pytest.mark.parametrize("peers", [1, 3])
def test_spmv_normalized_power_iteration_equals_numpy(tmp_path: Path, peers: int) -> None:
    """spmv.normalize: y = A y / max|A y| each iteration, bit-identical to numpy/scipy."""
    a = sparse_random(300, 300, 0.05, seed=4)
    v = np.random.default_rng(8).random(300)
    write_sparse(f"{tmp_path}/m.seq", a)
    write_vector(f"{tmp_path}/v.seq", v)
    conf = HamaConfiguration()
    conf.set("spmv.normalize", "true")
    run(spmv_job(conf, f"{tmp_path}/m.seq", f"{tmp_path}/v.seq", f"{tmp_path}/out", 4, peers))
    y = v
    for _ in range(4):
        y = a @ y
        y /= np.abs(y).max()
    assert np.array_equal(_vector_from_text(f"file://{tmp_path}/out", 300), y)


def test_gen_vectorwritablematrix_hama_optional_arguments(tmp_path: Path) -> None:
    """Hama's ``gen vectorwritablematrix ROWS COLS OUT saveTransposed usePipesVectorWritable min max precision``."""
    from hama_yarn.errors import UsageError
    from hama_yarn.io.sequencefile import SequenceFileReader
    from hama_yarn.matrix.gen import main as gen

    plain, piped = tmp_path / "a.seq", tmp_path / "at.seq"
    assert gen(["vectorwritablematrix", "5", "3", str(plain), "false", "false", "0", "10", "0", "--seed", "4", "-q"]) == 0
    assert gen(["vectorwritablematrix", "5", "3", str(piped), "true", "true", "0", "10", "0", "--seed", "4", "-q"]) == 0
    with SequenceFileReader(str(plain)) as r:
        assert r.value_class == "org.apache.hama.commons.io.VectorWritable"
        a = np.array([np.asarray(v, dtype=float) for _, v in r])
    with SequenceFileReader(str(piped)) as r:
        assert r.value_class == "org.apache.hama.commons.io.PipesVectorWritable"
        at = np.array([[float(x) for x in v.split(",")] for _, v in r])
    assert a.shape == (5, 3) and at.shape == (3, 5)
    np.testing.assert_array_equal(at, a.T)  # same seed, saved transposed
    assert np.all(a == np.trunc(a)) and a.min() >= 0 and a.max() < 10  # precision 0, range [0, 10)
    with pytest.raises(UsageError, match="bad transposed"):
        gen(["vectorwritablematrix", "2", "2", str(tmp_path / "x.seq"), "maybe"])
