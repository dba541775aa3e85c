"""The uncompressed writer's one-call record path (seqwriter._record_encoder) writes exactly what
the codecs write, and refuses what they refuse."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest

from hama_yarn.io.sequencefile import SequenceFileReader, SequenceFileWriter
from hama_yarn.io.writables import INT_WRITABLE, LONG_WRITABLE, TEXT, WritableError, get_writable

MARKER = b"0123456789abcdef"
VALUES = ["", "a", "x" * 126, "y" * 127, "z" * 128, "ü" * 63, "ü" * 64, "naïve ✓ 𝄞", "w" * 5000]
KEYS = [0, -1, 2**63 - 1, -(2**63), True, 12345678901]


def _write(records: Sequence[tuple[object, object]], key_class: str = LONG_WRITABLE, value_class: str = TEXT,
           raw: bool = False, sync_interval: int = 100) -> bytes:
    buf = io.BytesIO()
    with SequenceFileWriter(buf, key_class, value_class, sync_marker=MARKER, raw=raw, sync_interval=sync_interval) as w:
        for k, v in records:
            w.append(k, v)
    return buf.getvalue()


def test_long_text_records_match_the_codecs() -> None:
    records = [(k, v) for k in KEYS for v in VALUES]
    kc, vc = get_writable(LONG_WRITABLE), get_writable(TEXT)
    expected = _write([(kc.encode(k), vc.encode(v)) for k, v in records], raw=True)
    assert _write(records) == expected
    with SequenceFileReader(io.BytesIO(expected)) as r:
        assert [(k, v) for k, v in r] == [(int(k), v) for k, v in records]


@pytest.mark.parametrize("key, value", [(1.5, "v"), (2**63, "v"), ("1", "v"), (1, b"bytes"), (1, 7), (1, None)])
def test_bad_records_raise_the_codecs_error(key: object, value: object) -> None:
    buf = io.BytesIO()
    with SequenceFileWriter(buf, LONG_WRITABLE, TEXT) as w:
        w.append(1, "ok")
        with pytest.raises(WritableError):
            w.append(key, value)
        assert w.records == 1
        w.append(2, "ok")
    with SequenceFileReader(io.BytesIO(buf.getvalue())) as r:
        assert list(r) == [(1, "ok"), (2, "ok")]


def test_other_classes_and_raw_use_the_codecs() -> None:
    records = [(i, f"v{i}") for i in range(50)]
    kc, vc = get_writable(INT_WRITABLE), get_writable(TEXT)
    expected = _write([(kc.encode(k), vc.encode(v)) for k, v in records], INT_WRITABLE, TEXT, raw=True)
    assert _write(records, INT_WRITABLE, TEXT) == expected
    with pytest.raises(WritableError):
        _write([("not bytes", b"")], raw=True)


def test_block_records_match_append_raw() -> None:
    records = [(k, v) for k in KEYS for v in VALUES] * 3
    kc, vc = get_writable(LONG_WRITABLE), get_writable(TEXT)

    def write(raw: bool) -> bytes:
        buf = io.BytesIO()
        with SequenceFileWriter(buf, LONG_WRITABLE, TEXT, compression="block", sync_marker=MARKER,
                                block_size=500) as w:
            for k, v in records:
                if raw:
                    w.append_raw(kc.encode(k), vc.encode(v))
                else:
                    w.append(k, v)
            with pytest.raises(WritableError):
                w.append(1.5, "x")
        return buf.getvalue()

    data = write(False)
    assert data == write(True)
    with SequenceFileReader(io.BytesIO(data)) as r:
        assert [(k, v) for k, v in r] == [(int(k), v) for k, v in records]


def test_text_array_decode_matches_text_decode() -> None:
    """ArrayWritable of Text decodes one-byte-length elements inline: same values as TextCodec."""
    from hama_yarn.io.writables import TEXT_ARRAY_WRITABLE

    codec, text = get_writable(TEXT_ARRAY_WRITABLE), get_writable(TEXT)
    items = ["", "1", "x" * 127, "y" * 128, "ü" * 70, "12345678901234567"] * 3
    body = b"".join(text.encode(s) for s in items)
    buf = b"junk" + len(items).to_bytes(4, "big") + body + b"tail"
    assert codec.decode(buf, 4) == (items, 8 + len(body))
    bad = len(items).to_bytes(4, "big") + b"\x02\xff\xfe"  # invalid UTF-8 is replaced, as by TextCodec
    assert codec.decode(bad + body, 0)[0][0] == text.decode(b"\x02\xff\xfe")[0]
    with pytest.raises(IndexError):
        codec.decode(b"\x00\x00\x00\x01\x05abc", 0)


def test_block_compression_thread_keeps_order_and_positions() -> None:
    """Blocks compressed on the writer's thread are written in order; tell() after sync() is
    a seek point at exactly the next record, though blocks were still compressing."""
    records = [(i, f"value-{i}-" + "x" * (i % 90)) for i in range(3000)]
    buf = io.BytesIO()
    marks = []
    with SequenceFileWriter(buf, LONG_WRITABLE, TEXT, compression="block", block_size=300) as w:
        for i, (k, v) in enumerate(records):
            if i % 37 == 0:
                w.sync()
                marks.append((w.tell(), i))
            w.append(k, v)
    with SequenceFileReader(io.BytesIO(buf.getvalue())) as r:
        assert list(r) == records
        for pos, i in marks:
            r.seek(pos)
            assert next(iter(r)) == records[i], (pos, i)


def test_a_codec_error_on_the_compression_thread_reaches_the_writer() -> None:
    from hama_yarn.io.codecs import get_codec

    codec = get_codec("default")
    calls = []
    real = codec.compress

    def failing(data: bytes) -> bytes:
        calls.append(len(data))
        if len(calls) > 8:  # the third block
            raise OSError("disk full in the compressor")
        return real(data)

    codec.compress = failing  # type: ignore[method-assign]
    w = SequenceFileWriter(io.BytesIO(), LONG_WRITABLE, TEXT, compression="block", codec=codec, block_size=200)
    with pytest.raises(OSError, match="disk full"):
        for i in range(5000):
            w.append(i, "v" * 50)
        w.close()
    try:
        w.close()  # the blocks still in flight fail too; close() ends the writer all the same
    except OSError:
        pass
    assert w.closed and w._compressor is None


@pytest.mark.parametrize("buffer_size", [1, 64, 1 << 20])
def test_uncompressed_positions_are_exact_across_flushes_and_sync_markers(buffer_size: int) -> None:
    """The inline LongWritable -> Text path (head and text written as two parts, one check for the
    next marker and the buffer's write-out) writes the bytes and reports the tell() positions of
    append_raw's path, with a sync() and a flush() in between; each position reads its record."""
    records = [(i, VALUES[i % len(VALUES)]) for i in range(600)]
    kc, vc = get_writable(LONG_WRITABLE), get_writable(TEXT)
    outputs = []
    for inline in (True, False):
        buf = io.BytesIO()
        positions = []
        with SequenceFileWriter(buf, LONG_WRITABLE, TEXT, sync_marker=MARKER, sync_interval=500,
                                buffer_size=buffer_size) as w:
            for i, (k, v) in enumerate(records):
                if i == 200:
                    w.sync()
                if i == 300:
                    w.flush()
                positions.append(w.tell())
                if inline:
                    w.append(k, v)
                else:
                    w.append_raw(kc.encode(k), vc.encode(v))
            positions.append(w.tell())
        outputs.append((buf.getvalue(), positions))
    (data, positions), reference = outputs
    assert (data, positions) == reference
    assert positions[-1] == len(data) and data.count(MARKER) > 100
    with SequenceFileReader(io.BytesIO(data)) as r:
        assert list(r) == records
        for i in (0, 1, 199, 200, 201, 299, 300, 450, 599):
            r.seek(positions[i])
            assert next(iter(r)) == records[i], i
