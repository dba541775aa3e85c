"""Parquet/Arrow formats (every row once under forced splits, in a real job too) and vectorized messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hama_yarn import BSP, BSPJob
from hama_yarn.config import HamaConfiguration
from hama_yarn.io.formats import input_format
from hama_yarn.messaging import codec

from .helpers import run

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

N = 5000


def _table() -> Any:
    rng = np.random.default_rng(3)
    return pa.table({"id": np.arange(N), "x": rng.random(N), "s": [f"r{i}" for i in range(N)]})


def _write(tmp_path: Path) -> dict[str, str]:
    t = _table()
    pq.write_table(t.slice(0, 3000), tmp_path / "a.parquet", row_group_size=211)
    pq.write_table(t.slice(3000), tmp_path / "b.parquet", row_group_size=97)
    with pa.ipc.new_file(tmp_path / "c.arrow", t.schema) as w:
        for b in t.to_batches(max_chunksize=123):
            w.write_batch(b)
    return {"parquet": f"{tmp_path}/a.parquet,{tmp_path}/b.parquet", "arrow": f"{tmp_path}/c.arrow"}


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
@pytest.mark.parametrize("peers", [1, 3, 4, 7])
@pytest.mark.parametrize("forced", [False, True])
def test_every_row_once_under_splits(tmp_path: Path, fmt: str, peers: int, forced: bool) -> None:
    paths = _write(tmp_path)
    conf = HamaConfiguration()
    conf.set("bsp.input.dir", paths[fmt])
    conf.set("bsp.input.format.class", fmt)
    conf.set("hama.arrow.batch.size", "50")
    conf.set("hama.arrow.columns", "id,x")
    if forced:  # tiny block-aligned splits: many per file, row groups cut across them
        conf.set("bsp.input.split.by.block", "true")
        conf.set("bsp.max.split.size", "777")
    f = input_format(conf)
    seen: list[int] = []
    for split in f.get_splits(conf, peers):
        r = f.open_reader(conf, split)
        rows = iter(r)
        for _ in range(5):  # mix row-at-a-time and batches: one position
            rec = next(rows, None)
            if rec is not None:
                assert set(rec[1]) == {"id", "x"}
                seen.append(rec[1]["id"])
        while (b := r.next_batch()) is not None:
            assert b.num_rows <= 50 and b.schema.names == ["id", "x"]
            seen.extend(b.column("id").to_pylist())
        r.close()
    assert sorted(seen) == list(range(N))


class _SumIds(BSP):
    def bsp(self, peer: Any) -> None:
        n = 0
        while (b := peer.read_batch()) is not None:
            peer.write(None, b)
            n += b.num_rows
        peer.increment_counter("t", "ROWS", n)


def test_parquet_job_read_batch_to_parquet_output(tmp_path: Path) -> None:
    paths = _write(tmp_path)
    job = BSPJob(HamaConfiguration(), _SumIds)
    job.set_num_bsp_task(3)
    job.set_input_path(paths["parquet"])
    job.set_input_format("parquet")
    job.set_output_format("parquet")
    job.set("bsp.input.split.by.block", "true")
    job.set("bsp.max.split.size", "1000")
    job.set_output_path(str(tmp_path / "out"))
    run(job)
    out = pq.read_table(tmp_path / "out")
    assert sorted(out.column("id").to_pylist()) == list(range(N))
    assert job.get_counters().get("t", "ROWS") == N
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.name.startswith("part-"))[0].endswith(".parquet")


class _BadRows(BSP):
    def bsp(self, peer: Any) -> None:
        if peer.get_peer_index() == 0:
            for i in range(10):
                peer.write(i, {"sq": i * i})
            peer.write(99, {"sq": "not a number"})  # the file's schema says int64


class _Rows(BSP):
    def bsp(self, peer: Any) -> None:
        if peer.get_peer_index() == 0:
            for i in range(10):
                peer.write(i, {"sq": i * i})


def test_parquet_output_rows_and_empty_task(tmp_path: Path) -> None:
    job = BSPJob(HamaConfiguration(), _BadRows)
    job.set_num_bsp_task(2)
    job.set_output_format("parquet")
    job.set("hama.arrow.batch.size", "5")
    job.set_output_path(str(tmp_path / "out"))
    assert not job.wait_for_completion(verbose=False)
    assert "differs from the file's" in job.get_diagnostics()
    assert not (tmp_path / "out").exists()  # nothing partial

    job = BSPJob(HamaConfiguration(), _Rows)
    job.set_num_bsp_task(2)
    job.set_output_format("parquet")
    job.set_output_path(str(tmp_path / "out2"))
    run(job)
    t = pq.read_table(tmp_path / "out2")
    assert t.column("key").to_pylist() == list(range(10)) and t.column("sq").to_pylist() == [i * i for i in range(10)]
    # the peer that wrote nothing leaves no (invalid, empty) file
    assert [p.name for p in (tmp_path / "out2").iterdir() if p.name.startswith("part-")] == ["part-00000.parquet"]


def test_not_parquet_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    conf = HamaConfiguration()
    conf.set("bsp.input.dir", str(tmp_path / "bad.parquet"))
    conf.set("bsp.input.format.class", "parquet")
    f = input_format(conf)
    with pytest.raises(Exception, match="bad.parquet: not a readable Parquet file"):
        list(f.open_reader(conf, f.get_splits(conf, 1)[0]))


def test_missing_pyarrow_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from hama_yarn.optional import MissingDependencyError

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    conf = HamaConfiguration()
    conf.set("bsp.input.format.class", "parquet")
    with pytest.raises(MissingDependencyError, match=r"Parquet input needs pyarrow: pip install 'hama-yarn\[arrow\]'"):
        input_format(conf)


# ---------------------------------------------------------------- vectorized messages
def test_numpy_messages_travel_as_raw_buffers() -> None:
    arrays = [np.arange(10.0), np.zeros((3, 4), np.int32), np.array(5.0), np.zeros((0, 3)),
              np.arange(12.0).reshape(3, 4).T, np.array(["2020-01-01"], dtype="M8[D]")]
    for comp in (0, codec.compressor_id("zlib")):
        data = codec.encode(arrays, comp, 0)
        assert data[2] == 4  # KIND_NDARRAY
        assert b"numpy" not in data  # no pickle
        out = codec.decode(data)
        for a, b in zip(arrays, out):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    big = np.random.default_rng(0).random(1 << 16)
    data = codec.encode([big])
    out = codec.decode(data)[0]
    assert not out.flags.writeable and not out.flags.owndata  # a view of the bundle: zero-copy
    assert len(data) < big.nbytes + 64


def test_record_batches_and_nested_arrays() -> None:
    b = pa.record_batch({"x": [1, 2, 3], "s": ["a", None, "c"]})
    data = codec.encode([b, b.slice(1)])
    assert data[2] == 5
    out = codec.decode(data)
    assert out[0].equals(b) and out[1].equals(b.slice(1))
    msgs = [(7, np.arange(1000.0)), {"m": np.ones((50, 16))}]
    data = codec.encode(msgs)
    assert data[2] == 6  # pickle with out-of-band buffers
    out = codec.decode(data)
    assert out[0][0] == 7 and np.array_equal(out[0][1], msgs[0][1]) and np.array_equal(out[1]["m"], msgs[1]["m"])
    assert codec.encode([(1, np.arange(3))])[2] == 0  # small buffers: plain pickle


class _Exchange(BSP):
    def bsp(self, peer: Any) -> None:
        me = peer.get_peer_index()
        for name in peer.get_all_peer_names():
            peer.send(name, np.full(1000, me, dtype=np.int64))
            peer.send(name, pa.record_batch({"from": [me] * 3}))
        peer.sync()
        got = sorted(int(m[0]) if isinstance(m, np.ndarray) else 100 + m.column("from")[0].as_py()
                     for m in peer.messages())
        peer.write(me, " ".join(map(str, got)))


@pytest.mark.parametrize("peers", [1, 3])
def test_vector_messages_in_a_job(tmp_path: Path, peers: int) -> None:
    job = BSPJob(HamaConfiguration(), _Exchange)
    job.set_num_bsp_task(peers)
    job.set_output_path(str(tmp_path / "out"))
    run(job)
    from .helpers import read_text_parts

    expected = " ".join(map(str, sorted(list(range(peers)) + [100 + i for i in range(peers)])))
    lines = read_text_parts(f"file://{tmp_path}/out")
    assert sorted(lines) == [f"{i}\t{expected}" for i in range(peers)]
