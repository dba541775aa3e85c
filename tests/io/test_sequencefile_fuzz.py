"""Fuzzing SequenceFileReader: corrupt input gives a SequenceFileError naming file and offset.

The property (also run at >= 10k cases by ``benchmarks/fuzz_sequencefile.py``):
whatever bytes a file holds, reading it -- all records, ``read_record``,
``iter_split`` over a tiling or a random range, ``sync()`` to random offsets,
from a path, a ``BytesIO`` or a non-seekable stream -- either succeeds or
raises a :class:`SequenceFileError` whose ``path`` is the file and whose
``offset`` lies in the file; it finishes quickly and never asks for (or
allocates) memory out of proportion to the file.  Plus regression tests for
the bugs fuzzing found.
"""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hama_yarn.io import writables as w  # noqa: E402
from hama_yarn.io.codecs import CodecError, available_codecs, get_codec  # noqa: E402
from hama_yarn.io.sequencefile import (  # noqa: E402
    CorruptRecordError,
    SequenceFileError,
    SequenceFileReader,
    SequenceFileWriter,
    TruncatedFileError,
)
from hama_yarn.io.writables import encode_vlong  # noqa: E402

NAME = "fuzz.seq"
MEMORY_BUDGET = 32 << 20
TIME_BUDGET = 2.0
MARKER = bytes(range(16))

_CODECS = [c for c in ("default", "gzip", "bzip2", "lz4", "snappy", "zstd") if c in available_codecs()]


class NamedBytesIO(io.BytesIO):
    """BytesIO with a name that records its largest read request."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.name = NAME
        self.max_read = 0

    def read(self, n: int | None = -1) -> bytes:
        if n is not None:
            self.max_read = max(self.max_read, n)
        return super().read(n)


class Stream:
    """Non-seekable stream (the reader cannot learn the file size)."""

    def __init__(self, data: bytes) -> None:
        self._b = io.BytesIO(data)
        self.name = NAME
        self.max_read = 0

    def read(self, n: int = -1) -> bytes:
        self.max_read = max(self.max_read, n)
        return self._b.read(n)


def _write(key_class: str, value_class: str, records: list[tuple[Any, Any]], compression: str = "none",
           codec: str = "default", **kw: Any) -> bytes:
    buf = io.BytesIO()
    with SequenceFileWriter(buf, key_class, value_class, compression, codec, {"a": "b"}, sync_marker=MARKER,
                            **kw) as wr:
        for k, v in records:
            wr.append(k, v)
    return buf.getvalue()


def _seeds() -> list[bytes]:
    out = []
    text = [(i, f"v{i}" * (i % 5)) for i in range(12)]
    out.append(_write(w.LONG_WRITABLE, w.TEXT, text, sync_interval=60))
    out.append(_write(w.TEXT, w.BYTES_WRITABLE, [(f"k{i}", bytes(i)) for i in range(8)], sync_interval=40))
    out.append(_write(w.INT_WRITABLE, w.MAP_WRITABLE, [(i, {"x": i, "y": "z"}) for i in range(4)]))
    out.append(_write(w.LONG_WRITABLE, w.DENSE_VECTOR_WRITABLE, [(i, [1.0] * i) for i in range(4)]))
    out.append(_write(w.NULL_WRITABLE, w.TEXT_ARRAY_WRITABLE, [(None, ["a", "bc"][: i % 3]) for i in range(5)]))
    for j, codec in enumerate(_CODECS):
        out.append(_write(w.LONG_WRITABLE, w.TEXT, text, "record", codec, sync_interval=80))
        out.append(_write(w.LONG_WRITABLE, w.TEXT, text, "block", codec, block_size=40 + 20 * j))
    return out


SEEDS = _seeds()


def _read_all(src: Any, action: str, params: list[int], raw: bool, size: int) -> None:
    with SequenceFileReader(src, raw=raw, buffer_size=64) as r:
        if action == "iter":
            for _ in r:
                pass
        elif action == "records":
            while r.read_record() is not None:
                pass
        elif action == "splits":
            step = max(1, params[0] % max(size, 1) + 1)
            for start in range(0, size, step):
                for _ in r.iter_split(start, step):
                    pass
        elif action == "range":
            for _ in r.iter_split(params[0], params[1]):
                pass
        else:
            for p in params:
                r.sync(p)
                for _ in r.iter_with_positions():
                    pass


def check_reader(data: bytes, tmp: Path, source: str = "bytesio", action: str = "iter",
                 params: list[int] | None = None, raw: bool = False) -> BaseException | None:
    """Read ``data``; assert the fuzz property; return the SequenceFileError raised, if any."""
    params = params or [0, 0]
    src: Any
    if source == "path":
        path = tmp / NAME
        path.write_bytes(data)
        src = str(path)
        name = str(path)
    else:
        src = NamedBytesIO(data) if source == "bytesio" else Stream(data)
        name = NAME
    tracemalloc.start()
    t0 = time.perf_counter()
    err: BaseException | None = None
    try:
        _read_all(src, action, params, raw, len(data))
    except SequenceFileError as exc:
        err = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - t0 < TIME_BUDGET
    assert peak < MEMORY_BUDGET, f"peak {peak} bytes"
    assert getattr(src, "max_read", 0) <= MEMORY_BUDGET
    if err is not None:
        assert isinstance(err, SequenceFileError)
        assert err.path == name, err
        assert err.offset is not None and 0 <= err.offset <= len(data), err
        assert name in str(err) and "offset" in str(err)
    return err


INTERESTING = [0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFFFFFF, -0x80000000, 0x10000000]


@st.composite
def corrupt_files(draw: st.DrawFn) -> bytes:
    d = bytearray(SEEDS[draw(st.integers(0, len(SEEDS) - 1))])
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "overwrite", "int32", "vint", "truncate", "insert", "delete",
                                     "sync"]))
        p = draw(st.integers(0, max(len(d) - 1, 0)))
        if kind == "flip" and d:
            d[p] ^= 1 << draw(st.integers(0, 7))
        elif kind == "overwrite":
            d[p : p + 4] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "int32":
            d[p : p + 4] = struct.pack(">i", draw(st.sampled_from(INTERESTING)))
        elif kind == "vint":
            d[p : p + 1] = encode_vlong(draw(st.sampled_from([-1, 1 << 31, (1 << 63) - 1, -(1 << 63), 200])))
        elif kind == "truncate":
            del d[p:]
        elif kind == "insert":
            d[p:p] = draw(st.binary(min_size=1, max_size=24))
        elif kind == "delete":
            del d[p : p + draw(st.integers(1, 24))]
        else:
            idx = bytes(d).find(MARKER, 20)
            if idx >= 0:
                d[idx + draw(st.integers(0, 15))] ^= 0x55
    return bytes(d)


@settings(max_examples=400, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(
    data=corrupt_files(),
    source=st.sampled_from(["bytesio", "stream", "path"]),
    action=st.sampled_from(["iter", "records", "splits", "range", "sync"]),
    params=st.lists(st.integers(0, 4000), min_size=2, max_size=3),
    raw=st.booleans(),
)
def test_fuzz_reader_only_raises_sequence_file_errors(data: bytes, source: str, action: str,
                                                      params: list[int], raw: bool, tmp_path: Path) -> None:
    if source == "stream" and action not in ("iter", "records"):
        source = "bytesio"  # splits/sync need seek
    check_reader(data, tmp_path, source, action, params, raw)


@pytest.mark.parametrize("seed", range(len(SEEDS)))
def test_seed_files_read_cleanly(seed: int, tmp_path: Path) -> None:
    assert check_reader(SEEDS[seed], tmp_path) is None


@settings(max_examples=100, derandomize=True, deadline=None, database=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes_after_magic(tail: bytes) -> None:
    check_reader(b"SEQ\x06" + tail, Path("."), "stream")


# ---------------------------------------------------------------------------
# Regressions for bugs the fuzzer found


def _huge_record(first: bytes) -> bytes:
    """A valid header, then a record whose length field is 0x7fffff00."""
    return first + struct.pack(">ii", 0x7FFFFF00, 8) + b"\x00" * 16


@pytest.mark.parametrize("source", ["stream", "bytesio", "path"])
def test_regression_huge_record_length_does_not_size_a_read(source: str, tmp_path: Path) -> None:
    # Bug: _fill(8 + reclen) issued f.read(~2 GiB); FileIO/BufferedReader
    # preallocate the whole request.  Now reads are capped at the remaining
    # file size (known size) or 16 MiB (streams), and the error is a
    # TruncatedFileError at the record.
    header = _write(w.LONG_WRITABLE, w.TEXT, [])
    err = check_reader(_huge_record(header), tmp_path, source)
    assert isinstance(err, TruncatedFileError)
    assert err.offset == len(header)


def test_regression_huge_header_text_length(tmp_path: Path) -> None:
    data = b"SEQ\x06" + encode_vlong((1 << 62) + 5) + b"org.apache.hadoop.io.Text"
    for source in ("stream", "bytesio", "path"):
        assert isinstance(check_reader(data, tmp_path, source), TruncatedFileError)


@pytest.mark.skipif("lz4" not in _CODECS, reason="lz4 not installed")
def test_regression_lz4_corrupt_block_length_does_not_allocate() -> None:
    # Bug: the block header's raw length sized lz4's output buffer (2 GiB).
    codec = get_codec("lz4")
    good = codec.compress(b"hello world" * 10)
    bad = struct.pack(">i", 0x7FFFFFF0) + good[4:]
    tracemalloc.start()
    try:
        with pytest.raises(CodecError):
            codec.decompress(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BUDGET
    assert codec.decompress(good) == b"hello world" * 10


@pytest.mark.skipif("snappy" not in _CODECS, reason="snappy not installed")
def test_regression_snappy_declared_length_checked() -> None:
    codec = get_codec("snappy")
    good = codec.compress(b"hello world" * 10)
    raw = good[8:]
    bad = good[:4] + struct.pack(">i", len(raw) + 4) + b"\xff\xff\xff\xff\x0f" + raw[1:]
    with pytest.raises(CodecError, match="declares"):
        codec.decompress(bad)
    assert codec.decompress(good) == b"hello world" * 10


def _nested_maps(depth: int) -> bytes:
    # MapWritable: no new classes, 1 entry, key NullWritable (-119), value MapWritable (-121).
    one = b"\x00" + struct.pack(">i", 1) + bytes((256 - 119, 256 - 121))
    return one * depth + b"\x00" + struct.pack(">i", 0)


def test_regression_deeply_nested_map_writable(tmp_path: Path) -> None:
    # Bug: RecursionError escaped the reader.
    value = _nested_maps(5000)
    buf = io.BytesIO()
    with SequenceFileWriter(buf, w.LONG_WRITABLE, w.MAP_WRITABLE, raw=True, sync_marker=MARKER) as wr:
        wr.append_raw(struct.pack(">q", 1), value)
    err = check_reader(buf.getvalue(), tmp_path, "bytesio")
    assert isinstance(err, CorruptRecordError)
    buf = io.BytesIO()
    with SequenceFileWriter(buf, w.LONG_WRITABLE, w.MAP_WRITABLE, "block", raw=True, sync_marker=MARKER) as wr:
        wr.append_raw(struct.pack(">q", 1), value)
    assert isinstance(check_reader(buf.getvalue(), tmp_path, "bytesio"), CorruptRecordError)


def test_regression_dense_vector_huge_dimension(tmp_path: Path) -> None:
    # Bug: a corrupt DenseVectorWritable size allocated size * 8 bytes (16 GiB).
    value = struct.pack(">ii", 0x7FFFFFFF, 0)
    with pytest.raises(w.WritableError, match="implausible"):
        w.deserialize(w.DENSE_VECTOR_WRITABLE, value)
    buf = io.BytesIO()
    with SequenceFileWriter(buf, w.LONG_WRITABLE, w.DENSE_VECTOR_WRITABLE, raw=True, sync_marker=MARKER) as wr:
        wr.append_raw(struct.pack(">q", 1), value)
    assert isinstance(check_reader(buf.getvalue(), tmp_path), CorruptRecordError)

