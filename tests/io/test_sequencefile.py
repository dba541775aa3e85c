"""SequenceFile reader/writer: exact bytes, round trips, splits, corrupt input."""

from __future__ import annotations

import io
import random
import re
import struct
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import pytest

from hama_yarn.io import writables as w
from hama_yarn.io.codecs import available_codecs
from hama_yarn.io.sequencefile import (
    SYNC_INTERVAL,
    BadMagicError,
    BadSyncMarkerError,
    CompressionType,
    CorruptBlockError,
    CorruptHeaderError,
    CorruptRecordError,
    RecordLengthError,
    SequenceFileError,
    SequenceFileReader,
    SequenceFileWriter,
    TruncatedFileError,
    UnknownClassError,
    UnknownCodecError,
    UnsupportedVersionError,
)

SYNC = bytes(range(16))
CODECS = ["default", "gzip", "bzip2", "snappy", "lz4", "zstd"]
COMBOS = [("none", "default")] + [(c, k) for c in ("record", "block") for k in CODECS]


def _write(
    records: list[tuple[Any, Any]],
    key_class: str = w.LONG_WRITABLE,
    value_class: str = w.TEXT,
    **kw: Any,
) -> bytes:
    buf = io.BytesIO()
    kw.setdefault("sync_marker", SYNC)
    with SequenceFileWriter(buf, key_class, value_class, **kw) as wr:
        for k, v in records:
            wr.append(k, v)
    return buf.getvalue()


def _read(data: bytes, **kw: Any) -> list[tuple[Any, Any]]:
    with SequenceFileReader(io.BytesIO(data), **kw) as r:
        return list(r)


def _offset(exc: pytest.ExceptionInfo[SequenceFileError]) -> int:
    m = re.search(r"at byte offset (\d+)", str(exc.value))
    assert m, str(exc.value)
    assert exc.value.offset == int(m.group(1))
    return int(m.group(1))


# ---------------------------------------------------------------------------
# Exact bytes


def test_tiny_file_bytes_match_the_format_spec() -> None:
    data = _write([(1, "a")], metadata={})
    key_cls = b"org.apache.hadoop.io.LongWritable"
    val_cls = b"org.apache.hadoop.io.Text"
    assert len(key_cls) == 0x21 and len(val_cls) == 0x19
    expected = (
        b"SEQ\x06"  # magic + version 6
        + b"\x21" + key_cls  # Text: VInt length 33 + UTF-8
        + b"\x19" + val_cls  # Text: VInt length 25 + UTF-8
        + b"\x00"  # compressed = false
        + b"\x00"  # blockCompressed = false
        + b"\x00\x00\x00\x00"  # metadata: 0 entries
        + SYNC  # 16-byte sync marker ends the header
        + b"\x00\x00\x00\x0a"  # record length = 8 (key) + 2 (value)
        + b"\x00\x00\x00\x08"  # key length
        + b"\x00\x00\x00\x00\x00\x00\x00\x01"  # LongWritable 1
        + b"\x01a"  # Text "a"
    )
    assert data == expected


def test_header_with_codec_and_sorted_metadata() -> None:
    data = _write([], compression="record", codec="default", metadata={"b": "2", "a": "1"})
    codec = b"org.apache.hadoop.io.compress.DefaultCodec"
    tail = (
        b"\x01\x00"  # compressed, not block
        + bytes((len(codec),)) + codec
        + b"\x00\x00\x00\x02"  # 2 metadata entries, TreeMap (sorted) order
        + b"\x01a\x011\x01b\x012"
        + SYNC
    )
    assert data.endswith(tail)
    with SequenceFileReader(io.BytesIO(data)) as r:
        assert r.metadata == {"a": "1", "b": "2"}
        assert r.compression is CompressionType.RECORD
        assert r.codec_class == codec.decode()
        assert r.header_end == len(data)
        assert list(r) == []


def test_block_layout() -> None:
    data = _write([(1, "a"), (2, "bc")], compression="block", codec="default")
    with SequenceFileReader(io.BytesIO(data)) as r:
        he = r.header_end
    import zlib

    # escape + sync, VInt count, then 4 x (VInt length, zlib buffer)
    assert data[he : he + 20] == b"\xff\xff\xff\xff" + SYNC
    assert data[he + 20] == 2
    off = he + 21
    bufs = []
    for _ in range(4):
        n = data[off]
        bufs.append(zlib.decompress(data[off + 1 : off + 1 + n]))
        off += 1 + n
    assert off == len(data)
    assert bufs == [
        b"\x08\x08",
        struct.pack(">qq", 1, 2),
        b"\x02\x03",
        b"\x01a\x02bc",
    ]


# ---------------------------------------------------------------------------
# Round trips


def test_all_codecs_available() -> None:
    assert set(CODECS) <= set(available_codecs())


@pytest.mark.parametrize(("compression", "codec"), COMBOS)
def test_round_trip_every_compression(compression: str, codec: str) -> None:
    recs = [(i, "v" * (i % 97) + str(i)) for i in range(2500)]
    data = _write(recs, compression=compression, codec=codec, block_size=4000, sync_interval=1000)
    assert _read(data) == recs
    with SequenceFileReader(io.BytesIO(data)) as r:
        assert r.compression.value == compression
        if compression != "none":
            assert r.codec is not None and r.codec.short_name == codec


@pytest.mark.parametrize(("compression", "codec"), COMBOS)
def test_round_trip_empty_values_and_large_values(compression: str, codec: str) -> None:
    recs = [(b"", b""), (b"k", bytes(300_000)), (b"\x00", b"x")]
    data = _write(recs, w.BYTES_WRITABLE, w.BYTES_WRITABLE, compression=compression, codec=codec)
    assert _read(data) == recs
    nulls = [(None, None)] * 5
    data = _write(nulls, w.NULL_WRITABLE, w.NULL_WRITABLE, compression=compression, codec=codec)
    assert _read(data) == nulls


WRITABLE_SAMPLES: list[tuple[str, Any]] = [
    (w.TEXT, "ü text"),
    (w.BYTES_WRITABLE, b"\x00\xff"),
    (w.INT_WRITABLE, -5),
    (w.LONG_WRITABLE, 2**40),
    (w.VINT_WRITABLE, -300),
    (w.VLONG_WRITABLE, 2**62),
    (w.FLOAT_WRITABLE, 0.25),
    (w.DOUBLE_WRITABLE, -1e300),
    (w.BOOLEAN_WRITABLE, True),
    (w.NULL_WRITABLE, None),
    (w.TEXT_ARRAY_WRITABLE, ["a", "b"]),
    (w.MAP_WRITABLE, {"k": 1, "v": ["x"]}),
    (w.SPARSE_VECTOR_WRITABLE, w.SparseVector(4, np.array([1], np.int32), np.array([2.0]))),
]


@pytest.mark.parametrize(("cls", "value"), WRITABLE_SAMPLES)
@pytest.mark.parametrize("compression", ["none", "record", "block"])
def test_round_trip_every_writable(cls: str, value: Any, compression: str) -> None:
    recs = [(value, value)] * 3
    assert _read(_write(recs, cls, cls, compression=compression)) == recs


@pytest.mark.parametrize("compression", ["none", "record", "block"])
def test_round_trip_vectors(compression: str) -> None:
    vecs = [np.arange(n, dtype=np.float64) for n in (0, 1, 50)]
    for cls in (w.VECTOR_WRITABLE, w.DENSE_VECTOR_WRITABLE):
        got = _read(_write([(i, v) for i, v in enumerate(vecs)], w.INT_WRITABLE, cls, compression=compression))
        for (i, v), (gi, gv) in zip(enumerate(vecs), got):
            assert gi == i
            np.testing.assert_array_equal(gv, v)


def test_raw_mode_and_append_raw() -> None:
    data = _write([(1, "a"), (2, "b")])
    with SequenceFileReader(io.BytesIO(data), raw=True) as r:
        raw = list(r)
    assert raw == [(struct.pack(">q", 1), b"\x01a"), (struct.pack(">q", 2), b"\x01b")]
    buf = io.BytesIO()
    with SequenceFileWriter(buf, w.LONG_WRITABLE, w.TEXT, sync_marker=SYNC, raw=True) as wr:
        for k, v in raw:
            wr.append_raw(k, v)
    assert buf.getvalue() == data


def test_user_registered_writable(tmp_path: Path) -> None:
    class Point(w.WritableCodec):
        java_class = "com.example.Point2"

        def read(self, stream: Any) -> Any:
            return struct.unpack(">hh", stream.read(4))

        def write(self, stream: Any, value: Any) -> None:
            stream.write(struct.pack(">hh", *value))

    w.register_writable("com.example.Point2", Point())
    recs = [((i, -i), (i * 2, 0)) for i in range(100)]
    for comp in ("none", "block"):
        path = tmp_path / f"p-{comp}.seq"
        with SequenceFileWriter(path, "com.example.Point2", "com.example.Point2", compression=comp) as wr:
            for k, v in recs:
                wr.append(k, v)
        with SequenceFileReader(path) as r:
            assert list(r) == recs


def test_paths_and_fsspec(tmp_path: Path) -> None:
    recs = [(i, str(i)) for i in range(1000)]
    path = tmp_path / "a.seq"
    with SequenceFileWriter(str(path), w.LONG_WRITABLE, w.TEXT, compression="block") as wr:
        for k, v in recs:
            wr.append(k, v)
    with SequenceFileReader(path) as r:
        assert list(r) == recs
    # fsspec file objects (memory filesystem) and fsspec URLs
    with fsspec.open("memory://hama-io-test/b.seq", "wb") as f:
        with SequenceFileWriter(f, w.LONG_WRITABLE, w.TEXT, sync_interval=500) as wr:
            for k, v in recs:
                wr.append(k, v)
    with fsspec.open("memory://hama-io-test/b.seq", "rb") as f:
        with SequenceFileReader(f, buffer_size=1000) as r:
            assert list(r) == recs
            size = r.file_size
            assert size is not None
            got = []
            for start in range(0, size, 3001):
                got += list(r.iter_split(start, 3001))
            assert got == recs
    with SequenceFileReader("memory://hama-io-test/b.seq") as r:
        assert list(r) == recs


# ---------------------------------------------------------------------------
# Sync markers, seek, positions


def test_sync_interval_like_hadoop() -> None:
    recs = [(i, "x" * 100) for i in range(3000)]  # ~114 bytes per record
    data = _write(recs)
    marker = b"\xff\xff\xff\xff" + SYNC
    with SequenceFileReader(io.BytesIO(data)) as r:
        he = r.header_end
    positions = [m.start() for m in re.finditer(re.escape(marker), data)]
    # First marker before the first record that starts >= SYNC_INTERVAL
    # (lastSyncPos starts at 0), then every ~SYNC_INTERVAL bytes.
    assert positions, "expected sync markers"
    assert SYNC_INTERVAL <= positions[0] < SYNC_INTERVAL + 130
    for a, b in zip(positions, positions[1:]):
        assert SYNC_INTERVAL <= b - (a + 20) < SYNC_INTERVAL + 130
    assert he < positions[0]
    assert _read(data) == recs


def test_explicit_sync_and_writer_positions() -> None:
    buf = io.BytesIO()
    positions = []
    with SequenceFileWriter(buf, w.LONG_WRITABLE, w.TEXT, sync_marker=SYNC) as wr:
        for i in range(50):
            positions.append(wr.tell())
            wr.append(i, str(i))
            if i % 10 == 9:
                wr.sync()
                wr.sync()  # a second sync right after is a no-op, as in Hadoop
    data = buf.getvalue()
    assert data.count(SYNC) == 1 + 5
    with SequenceFileReader(io.BytesIO(data)) as r:
        for i in (0, 17, 10, 49):
            r.seek(positions[i])
            assert r.read_record() == (i, str(i))
        # the explicit sync after record 9 sits right before record 10
        r.seek(positions[10] - 20)
        first = next(iter(r.iter_with_positions()))
        assert first == (positions[10] - 20, 10, "10") and r.sync_seen
        r.seek(positions[11])
        assert r.read_record() == (11, "11") and not r.sync_seen


def test_reader_sync_semantics() -> None:
    recs = [(i, "x" * 50) for i in range(500)]
    data = _write(recs, sync_interval=1000)
    marker = b"\xff\xff\xff\xff" + SYNC
    positions = [m.start() for m in re.finditer(re.escape(marker), data)]
    with SequenceFileReader(io.BytesIO(data), buffer_size=100) as r:
        r.sync(3)  # inside the header -> header end
        assert r.tell() == r.header_end
        for p in positions:
            for q in (p - 7, p - 1, p):
                r.sync(q)
                assert r.tell() == min(x for x in positions if x >= q)
        r.sync(positions[-1] + 1)
        assert r.tell() == len(data)
        assert r.read_record() is None


@pytest.mark.parametrize(("compression", "codec"), [("none", "default"), ("record", "lz4"), ("block", "default"), ("block", "snappy")])
def test_splits_cover_every_record_exactly_once(compression: str, codec: str) -> None:
    recs = [(i, "r" * (i % 61)) for i in range(3000)]
    data = _write(recs, compression=compression, codec=codec, sync_interval=700, block_size=3000)
    size = len(data)
    rng = random.Random(1234)
    with SequenceFileReader(io.BytesIO(data), buffer_size=4096) as r:
        # fixed-size splits, including tiny ones
        for split in (1, 7, 20, 21, 97, 512, 4096, 65536, size):
            got: list[tuple[Any, Any]] = []
            for start in range(0, size, split):
                got.extend(r.iter_split(start, min(split, size - start)))
            assert got == recs, (split, len(got))
        # random cut points
        for _ in range(30):
            cuts = sorted({0, size, *(rng.randrange(size) for _ in range(rng.randint(1, 25)))})
            got = []
            for a, b in zip(cuts, cuts[1:]):
                got.extend(r.iter_split(a, b - a))
            assert got == recs
        # a split past the end yields nothing
        assert list(r.iter_split(size, 100)) == []


# ---------------------------------------------------------------------------
# Corrupt / bad input


def _good(compression: str = "none", n: int = 200, **kw: Any) -> bytes:
    return _write([(i, "value %d" % i) for i in range(n)], compression=compression, sync_interval=500, **kw)


def test_wrong_magic() -> None:
    data = b"XYZ\x06" + _good()[4:]
    with pytest.raises(BadMagicError, match="not a SequenceFile") as exc:
        SequenceFileReader(io.BytesIO(data))
    assert _offset(exc) == 0


@pytest.mark.parametrize("version", [0, 3, 7, 255])
def test_unsupported_version(version: int) -> None:
    data = b"SEQ" + bytes((version,)) + _good()[4:]
    with pytest.raises(UnsupportedVersionError, match=f"version {version}") as exc:
        SequenceFileReader(io.BytesIO(data))
    assert _offset(exc) == 3


def test_corrupt_header_flags() -> None:
    data = bytearray(_good())
    flag_at = 4 + 1 + 33 + 1 + 25
    assert data[flag_at : flag_at + 2] == b"\x00\x00"
    data[flag_at] = 7
    with pytest.raises(CorruptHeaderError, match="compression flag is 7") as exc:
        SequenceFileReader(io.BytesIO(bytes(data)))
    assert _offset(exc) == flag_at
    data[flag_at] = 0
    data[flag_at + 1] = 1  # block without compression
    with pytest.raises(CorruptHeaderError, match="block-compressed") as exc:
        SequenceFileReader(io.BytesIO(bytes(data)))
    assert _offset(exc) == flag_at + 1


def test_corrupt_metadata_count() -> None:
    data = bytearray(_good())
    at = 4 + 1 + 33 + 1 + 25 + 2
    data[at : at + 4] = b"\xff\xff\xff\xfe"
    with pytest.raises(CorruptHeaderError, match="metadata size -2") as exc:
        SequenceFileReader(io.BytesIO(bytes(data)))
    assert _offset(exc) == at


@pytest.mark.parametrize("cut", [0, 2, 3, 4, 10, 40, 70, 80])
def test_truncated_header(cut: int) -> None:
    data = _good()[:cut]
    with pytest.raises(TruncatedFileError) as exc:
        SequenceFileReader(io.BytesIO(data))
    assert _offset(exc) <= cut


def test_unknown_writable_class() -> None:
    buf = io.BytesIO()
    with SequenceFileWriter(buf, w.LONG_WRITABLE, w.TEXT, sync_marker=SYNC) as wr:
        wr.append(1, "a")
    data = buf.getvalue().replace(b"org.apache.hadoop.io.Text", b"com.example.UnknownClass1")
    with pytest.raises(UnknownClassError, match="com.example.UnknownClass1") as exc:
        SequenceFileReader(io.BytesIO(data))
    assert exc.value.java_class == "com.example.UnknownClass1"
    assert _offset(exc) == 4 + 1 + 33
    # raw mode still reads it
    with SequenceFileReader(io.BytesIO(data), raw=True) as r:
        assert r.value_class == "com.example.UnknownClass1"
        assert list(r) == [(struct.pack(">q", 1), b"\x01a")]
    with pytest.raises(UnknownClassError, match="com.example.Nope"):
        SequenceFileWriter(io.BytesIO(), "com.example.Nope", w.TEXT)


def test_unknown_codec() -> None:
    data = _good("record").replace(
        b"org.apache.hadoop.io.compress.DefaultCodec", b"org.example.compress.MadeUpCodec0"
    )
    with pytest.raises(UnknownCodecError, match="MadeUpCodec0") as exc:
        SequenceFileReader(io.BytesIO(data))
    assert _offset(exc) == 4 + 1 + 33 + 1 + 25 + 2


@pytest.mark.parametrize("compression", ["none", "record", "block"])
def test_truncated_body(compression: str) -> None:
    data = _good(compression, n=400, block_size=2000)
    with SequenceFileReader(io.BytesIO(data)) as r:
        he = r.header_end
    checked = 0
    for cut in range(he + 1, len(data), 37):
        try:
            _read(data[:cut])
        except TruncatedFileError as e:
            assert e.offset is not None and he <= e.offset <= cut
            assert f"at byte offset {e.offset}" in str(e)
            checked += 1
        # (a cut exactly at a record/block boundary is a valid, shorter file)
    assert checked > 0


def test_bad_sync_marker_names_offset() -> None:
    data = bytearray(_good(n=400))
    marker = b"\xff\xff\xff\xff" + SYNC
    with SequenceFileReader(io.BytesIO(bytes(data))) as r:
        he = r.header_end
    at = bytes(data).find(marker, he)
    assert at > he
    data[at + 10] ^= 0x55
    with pytest.raises(BadSyncMarkerError) as exc:
        _read(bytes(data))
    assert _offset(exc) == at
    assert f"at byte offset {at}" in str(exc.value)


def test_bad_block_sync_marker() -> None:
    data = bytearray(_good("block"))
    with SequenceFileReader(io.BytesIO(bytes(data))) as r:
        he = r.header_end
    data[he + 19] ^= 1
    with pytest.raises(BadSyncMarkerError) as exc:
        _read(bytes(data))
    assert _offset(exc) == he


def test_corrupt_compressed_block() -> None:
    data = bytearray(_good("block"))
    with SequenceFileReader(io.BytesIO(bytes(data))) as r:
        he = r.header_end
    # he: escape+sync (20), VInt count (200 -> 2 bytes), VInt length, zlib data
    count_len = 2
    buf_at = he + 20 + count_len
    data[buf_at + 1] = 0x00  # break the zlib header of the key-lengths buffer
    with pytest.raises(CorruptBlockError, match="key lengths") as exc:
        _read(bytes(data))
    assert _offset(exc) == buf_at


def test_corrupt_compressed_record_value() -> None:
    data = bytearray(_good("record"))
    with SequenceFileReader(io.BytesIO(bytes(data))) as r:
        he = r.header_end
    # first record: reclen, keylen (8), key; the value is a zlib stream
    value_at = he + 8 + 8
    data[value_at] = 0x00
    with pytest.raises(CorruptBlockError, match="decompress") as exc:
        _read(bytes(data))
    assert _offset(exc) == value_at


def test_key_length_mismatch() -> None:
    data = bytearray(_good())
    with SequenceFileReader(io.BytesIO(bytes(data))) as r:
        he = r.header_end
    data[he + 4 : he + 8] = struct.pack(">i", 7)  # LongWritable is 8 bytes
    with pytest.raises(RecordLengthError, match="key length is 7") as exc:
        _read(bytes(data))
    assert _offset(exc) == he


def test_record_length_smaller_than_key() -> None:
    data = bytearray(_good())
    with SequenceFileReader(io.BytesIO(bytes(data))) as r:
        he = r.header_end
    data[he : he + 4] = struct.pack(">i", 3)
    with pytest.raises(RecordLengthError, match="record length 3, key length 8") as exc:
        _read(bytes(data))
    assert _offset(exc) == he


def test_value_length_mismatch() -> None:
    # Record claims one more value byte than the Text value uses.
    good = _good(n=1)
    with SequenceFileReader(io.BytesIO(good)) as r:
        he = r.header_end
    reclen, keylen = struct.unpack_from(">ii", good, he)
    data = good[:he] + struct.pack(">ii", reclen + 1, keylen) + good[he + 8 :] + b"\x00"
    with pytest.raises(RecordLengthError, match="value length") as exc:
        _read(data)
    assert _offset(exc) == he


def test_block_length_mismatch() -> None:
    # Hand-build a block whose key-length buffer disagrees with the keys.
    import zlib

    header = _write([], compression="block")
    bufs = [b"\x07", struct.pack(">q", 1), b"\x02", b"\x01a"]
    block = b"\xff\xff\xff\xff" + SYNC + b"\x01"
    for b in bufs:
        c = zlib.compress(b)
        block += bytes((len(c),)) + c
    with pytest.raises(RecordLengthError) as exc:
        _read(header + block)
    assert _offset(exc) == len(header)


def test_undecodable_value() -> None:
    good = _write([(1, "a")], w.LONG_WRITABLE, w.TEXT)
    with SequenceFileReader(io.BytesIO(good)) as r:
        he = r.header_end
    # Replace the Text value by a VInt announcing 100 bytes inside a 2-byte value.
    data = good[: he + 16] + b"\x64a"
    with pytest.raises((CorruptRecordError, RecordLengthError)) as exc:
        _read(data)
    assert _offset(exc) == he


def test_errors_name_the_path(tmp_path: Path) -> None:
    p = tmp_path / "bad.seq"
    p.write_bytes(b"NOPE" * 10)
    with pytest.raises(BadMagicError, match=re.escape(str(p))):
        SequenceFileReader(p)


def test_writer_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        SequenceFileWriter(io.BytesIO(), w.TEXT, w.TEXT, compression="fast")
    with pytest.raises(UnknownCodecError):
        SequenceFileWriter(io.BytesIO(), w.TEXT, w.TEXT, compression="block", codec="lzma9")
    wr = SequenceFileWriter(io.BytesIO(), w.TEXT, w.TEXT)
    wr.close()
    with pytest.raises(SequenceFileError):
        wr.append("a", "b")
