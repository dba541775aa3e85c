"""Writable serialization: hand-computed byte vectors and round trips."""

from __future__ import annotations

import io
import math
import struct
from typing import Any

import numpy as np
import pytest

from hama_yarn.io import writables as w
from hama_yarn.io.writables import (
    NamedVector,
    SparseVector,
    Typed,
    UnknownWritableError,
    WritableCodec,
    WritableError,
    decode_java_utf,
    decode_vlong,
    deserialize,
    encode_java_utf,
    encode_vlong,
    get_writable,
    infer_writable_class,
    read_vlong,
    register_writable,
    serialize,
    vlong_size,
)

# ---------------------------------------------------------------------------
# VLong: expected bytes derived from Hadoop's WritableUtils.writeVLong:
#
#   if (-112 <= i <= 127) { writeByte(i); return; }
#   len = -112; if (i < 0) { i ^= -1L; len = -120; }
#   for (tmp = i; tmp != 0; tmp >>= 8) len--;        // len -= number of bytes
#   writeByte(len);
#   then the (len < -120 ? -(len+120) : -(len+112)) bytes of i, high byte first.
#
# e.g. 128: positive, one byte (0x80) -> len = -113 = 0x8F, then 0x80.
#      -113: negative, i ^ -1 = 112 = 0x70, one byte -> len = -121 = 0x87, 0x70.
#      2**31: 0x80000000 is 4 bytes -> len = -116 = 0x8C, 80 00 00 00.
#      -2**63: ~i = 2**63-1 is 8 bytes -> len = -128 = 0x80, 7F FF .. FF.
#      2**63-1: 8 bytes -> len = -120 = 0x88, 7F FF .. FF.
VLONG_VECTORS = [
    (0, "00"),
    (1, "01"),
    (127, "7f"),
    (128, "8f80"),
    (255, "8fff"),
    (256, "8e0100"),
    (-1, "ff"),
    (-112, "90"),
    (-113, "8770"),
    (-256, "87ff"),
    (-257, "860100"),
    (2**31 - 1, "8c7fffffff"),
    (2**31, "8c80000000"),
    (-(2**31), "847fffffff"),
    (-(2**63), "807fffffffffffffff"),
    (2**63 - 1, "887fffffffffffffff"),
]


@pytest.mark.parametrize(("value", "hexbytes"), VLONG_VECTORS)
def test_vlong_vectors(value: int, hexbytes: str) -> None:
    expected = bytes.fromhex(hexbytes)
    assert encode_vlong(value) == expected
    assert vlong_size(value) == len(expected)
    assert decode_vlong(expected + b"\xaa", 0) == (value, len(expected))
    assert read_vlong(io.BytesIO(expected)) == value
    assert serialize(w.VLONG_WRITABLE, value) == expected
    assert deserialize(w.VLONG_WRITABLE, expected) == value


def test_vlong_exhaustive_small_and_boundaries() -> None:
    values = list(range(-70000, 70000, 7))
    for shift in range(64):
        for base in (1 << shift, -(1 << shift)):
            for d in (-1, 0, 1):
                v = base + d
                if -(2**63) <= v < 2**63:
                    values.append(v)
    for v in values:
        enc = encode_vlong(v)
        assert len(enc) == vlong_size(v)
        assert decode_vlong(enc) == (v, len(enc))


def test_vlong_out_of_range() -> None:
    with pytest.raises(WritableError):
        encode_vlong(2**63)
    with pytest.raises(WritableError):
        serialize(w.VINT_WRITABLE, 2**31)
    with pytest.raises(WritableError):
        deserialize(w.VINT_WRITABLE, encode_vlong(2**31))


# ---------------------------------------------------------------------------
# Fixed vectors for every Writable (DataOutput is big-endian)

VECTORS: list[tuple[str, Any, str]] = [
    (w.TEXT, "hello", "0568656c6c6f"),
    (w.TEXT, "", "00"),
    (w.TEXT, "é", "02c3a9"),  # UTF-8, length in bytes
    (w.BYTES_WRITABLE, b"ab", "000000026162"),
    (w.BYTES_WRITABLE, b"", "00000000"),
    (w.INT_WRITABLE, -2, "fffffffe"),
    (w.INT_WRITABLE, 2**31 - 1, "7fffffff"),
    (w.LONG_WRITABLE, 1, "0000000000000001"),
    (w.LONG_WRITABLE, -(2**63), "8000000000000000"),
    (w.VINT_WRITABLE, 300, "8e012c"),
    (w.FLOAT_WRITABLE, 1.0, "3f800000"),
    (w.DOUBLE_WRITABLE, 1.0, "3ff0000000000000"),
    (w.DOUBLE_WRITABLE, -2.5, "c004000000000000"),
    (w.BOOLEAN_WRITABLE, True, "01"),
    (w.BOOLEAN_WRITABLE, False, "00"),
    (w.NULL_WRITABLE, None, ""),
    # TextArrayWritable: int32 count, then Text elements.
    (w.TEXT_ARRAY_WRITABLE, ["a", "bc"], "00000002" "0161" "026263"),
    (w.FLOAT_ARRAY_WRITABLE, [1.0], "00000001" "3f800000"),
    # StringArrayWritable: int32 count, then writeUTF (uint16 length + bytes).
    (w.STRING_ARRAY_WRITABLE, ["ab"], "00000001" "0002" "6162"),
    # MapWritable {"a": 1}: 0 new classes; 1 entry; Text id -116 (0x8c),
    # Text "a"; LongWritable id -122 (0x86), 8-byte long.
    (w.MAP_WRITABLE, {"a": 1}, "00" "00000001" "8c" "0161" "86" "0000000000000001"),
    (w.MAP_WRITABLE, {}, "00" "00000000"),
    # Hama VectorWritable: int32 length, doubles, boolean named (false).
    (w.VECTOR_WRITABLE, None, "00000002" "3ff0000000000000" "4000000000000000" "00"),
    # Hama DenseVectorWritable: size, len, (int index, double value)*.
    (
        w.DENSE_VECTOR_WRITABLE,
        None,
        "00000002" "00000002" "00000000" "3ff0000000000000" "00000001" "4000000000000000",
    ),
]


@pytest.mark.parametrize(("cls", "value", "hexbytes"), VECTORS)
def test_writable_vectors(cls: str, value: Any, hexbytes: str) -> None:
    if value is None and cls in (w.VECTOR_WRITABLE, w.DENSE_VECTOR_WRITABLE):
        value = np.array([1.0, 2.0])
    expected = bytes.fromhex(hexbytes)
    assert serialize(cls, value) == expected
    back = deserialize(cls, expected)
    if isinstance(value, np.ndarray):
        assert isinstance(back, np.ndarray)
        assert back.dtype == np.float64
        np.testing.assert_array_equal(back, value)
    else:
        assert back == value
    # stream API agrees with the buffer API
    codec = get_writable(cls)
    out = io.BytesIO()
    codec.write(out, value)
    assert out.getvalue() == expected
    src = io.BytesIO(expected + b"trailing")
    again = codec.read(src)
    assert src.tell() == len(expected)
    if isinstance(value, np.ndarray):
        np.testing.assert_array_equal(again, value)
    else:
        assert again == value


def test_text_long_length_uses_vint() -> None:
    s = "x" * 200
    assert serialize(w.TEXT, s) == bytes.fromhex("8fc8") + b"x" * 200
    assert deserialize(w.TEXT, serialize(w.TEXT, s)) == s


def test_text_malformed_utf8_is_replaced_like_hadoop() -> None:
    assert deserialize(w.TEXT, b"\x02\xff\xfe") == "\ufffd\ufffd"


def test_named_vector_and_float_vector() -> None:
    nv = NamedVector("v", np.array([1.0]))
    # length 1, 1.0, named=true, writeUTF("v")
    expected = bytes.fromhex("00000001" "3ff0000000000000" "01" "0001" "76")
    assert serialize(w.VECTOR_WRITABLE, nv) == expected
    assert deserialize(w.VECTOR_WRITABLE, expected) == nv
    fv = np.array([1.5, -2.0], dtype=np.float32)
    enc = serialize(w.FLOAT_VECTOR_WRITABLE, fv)
    assert enc == bytes.fromhex("00000002" "3fc00000" "c0000000" "00")
    back = deserialize(w.FLOAT_VECTOR_WRITABLE, enc)
    assert back.dtype == np.float32
    np.testing.assert_array_equal(back, fv)


def test_sparse_vector() -> None:
    sv = SparseVector(5, np.array([3, 0], dtype=np.int32), np.array([2.5, 1.0]))
    expected = bytes.fromhex(
        "00000005" "00000002" "00000003" "4004000000000000" "00000000" "3ff0000000000000"
    )
    assert serialize(w.SPARSE_VECTOR_WRITABLE, sv) == expected
    back = deserialize(w.SPARSE_VECTOR_WRITABLE, expected)
    assert back == sv
    np.testing.assert_array_equal(back.to_dense(), [1.0, 0, 0, 2.5, 0])


def test_dense_vector_reads_sparse_style_entries() -> None:
    # Java's readFields accepts size != len (index/value pairs fill a zero array).
    data = bytes.fromhex("00000004" "00000001" "00000002" "4000000000000000")
    np.testing.assert_array_equal(deserialize(w.DENSE_VECTOR_WRITABLE, data), [0, 0, 2.0, 0])


def test_java_modified_utf8() -> None:
    assert encode_java_utf("") == b"\x00\x00"
    assert encode_java_utf("\x00") == bytes.fromhex("0002c080")
    # U+1F600 -> surrogates D83D DE00, each 3-byte encoded (CESU-8).
    assert encode_java_utf("\U0001f600") == bytes.fromhex("0006eda0bdedb880")
    for s in ["", "abc", "\x00a\x00", "é€", "\U0001f600x", "a" * 1000]:
        enc = encode_java_utf(s)
        assert decode_java_utf(enc) == (s, len(enc))
    with pytest.raises(WritableError):
        encode_java_utf("a" * 70000)


def test_map_writable_new_classes() -> None:
    # {"k": ["x"]}: TextArrayWritable is not predefined -> class table entry 1.
    name = w.TEXT_ARRAY_WRITABLE.encode()
    expected = (
        bytes.fromhex("01" "01")
        + struct.pack(">H", len(name))
        + name
        + bytes.fromhex("00000001" "8c" "016b" "01" "00000001" "0178")
    )
    assert serialize(w.MAP_WRITABLE, {"k": ["x"]}) == expected
    assert deserialize(w.MAP_WRITABLE, expected) == {"k": ["x"]}


def test_map_writable_round_trip_all_types() -> None:
    value = {
        "text": "v",
        "bytes": b"\x00\x01",
        1: 2.5,
        "flag": True,
        "none": None,
        "nested": {"a": ["x"]},
        Typed(w.INT_WRITABLE, 7): Typed(w.VINT_WRITABLE, 300),
        "float": Typed(w.FLOAT_WRITABLE, 0.5),
    }
    back = deserialize(w.MAP_WRITABLE, serialize(w.MAP_WRITABLE, value))
    expected = {
        "text": "v",
        "bytes": b"\x00\x01",
        1: 2.5,
        "flag": True,
        "none": None,
        "nested": {"a": ["x"]},
        7: 300,
        "float": 0.5,
    }
    assert back == expected


def test_map_writable_unknown_class_id() -> None:
    with pytest.raises(WritableError, match="class id"):
        deserialize(w.MAP_WRITABLE, bytes.fromhex("00" "00000001" "05" "00"))


ROUND_TRIP: list[tuple[str, Any]] = [
    (w.TEXT, "日本語 text ✓"),
    (w.BYTES_WRITABLE, bytes(range(256)) * 10),
    (w.INT_WRITABLE, -(2**31)),
    (w.LONG_WRITABLE, 2**63 - 1),
    (w.VINT_WRITABLE, -(2**31)),
    (w.VLONG_WRITABLE, -(2**63)),
    (w.FLOAT_WRITABLE, 3.5),
    (w.DOUBLE_WRITABLE, math.pi),
    (w.BOOLEAN_WRITABLE, True),
    (w.NULL_WRITABLE, None),
    (w.TEXT_ARRAY_WRITABLE, []),
    (w.TEXT_ARRAY_WRITABLE, ["a", "", "ü" * 300]),
    (w.STRING_ARRAY_WRITABLE, ["x\x00y", "\U0001f600"]),
    (w.MAP_WRITABLE, {"a": {"b": {"c": 1}}}),
    (w.SPARSE_VECTOR_WRITABLE, SparseVector(0)),
]


@pytest.mark.parametrize(("cls", "value"), ROUND_TRIP)
def test_round_trip(cls: str, value: Any) -> None:
    assert deserialize(cls, serialize(cls, value)) == value


def test_vector_round_trips() -> None:
    for cls in (w.VECTOR_WRITABLE, w.DENSE_VECTOR_WRITABLE):
        for arr in (np.zeros(0), np.arange(1000, dtype=np.float64) / 7):
            back = deserialize(cls, serialize(cls, arr))
            np.testing.assert_array_equal(back, arr)


def test_infer_writable_class() -> None:
    assert infer_writable_class("s") == w.TEXT
    assert infer_writable_class(b"b") == w.BYTES_WRITABLE
    assert infer_writable_class(1) == w.LONG_WRITABLE
    assert infer_writable_class(1.0) == w.DOUBLE_WRITABLE
    assert infer_writable_class(True) == w.BOOLEAN_WRITABLE
    assert infer_writable_class(None) == w.NULL_WRITABLE
    assert infer_writable_class(np.zeros(3)) == w.DENSE_VECTOR_WRITABLE
    assert infer_writable_class(["a", "b"]) == w.TEXT_ARRAY_WRITABLE
    assert infer_writable_class({"a": 1}) == w.MAP_WRITABLE
    assert infer_writable_class(np.int32(3)) == w.LONG_WRITABLE
    assert infer_writable_class(SparseVector(2)) == w.SPARSE_VECTOR_WRITABLE
    assert infer_writable_class(Typed(w.INT_WRITABLE, 1)) == w.INT_WRITABLE
    with pytest.raises(WritableError):
        infer_writable_class(object())
    with pytest.raises(WritableError):
        infer_writable_class([1, 2])
    with pytest.raises(WritableError):
        infer_writable_class(np.zeros((2, 2)))


def test_type_errors() -> None:
    with pytest.raises(WritableError):
        serialize(w.TEXT, 1)
    with pytest.raises(WritableError):
        serialize(w.INT_WRITABLE, 2**31)
    with pytest.raises(WritableError):
        serialize(w.INT_WRITABLE, True)
    with pytest.raises(WritableError):
        serialize(w.NULL_WRITABLE, 0)
    with pytest.raises(WritableError):
        serialize(w.BYTES_WRITABLE, "s")
    with pytest.raises(WritableError):
        deserialize(w.LONG_WRITABLE, b"\x00" * 9)  # trailing byte
    with pytest.raises(WritableError):
        deserialize(w.TEXT, b"\x05ab")  # truncated


def test_unknown_class() -> None:
    with pytest.raises(UnknownWritableError, match="com.example.Missing"):
        get_writable("com.example.Missing")


class _PointCodec(WritableCodec):
    """A user codec written against the stream API only."""

    java_class = "com.example.PointWritable"

    def read(self, stream: Any) -> Any:
        return struct.unpack(">ii", stream.read(8))

    def write(self, stream: Any, value: Any) -> None:
        stream.write(struct.pack(">ii", *value))


def test_register_user_writable() -> None:
    register_writable("com.example.PointWritable", _PointCodec())
    assert serialize("com.example.PointWritable", (1, -1)) == bytes.fromhex("00000001ffffffff")
    assert deserialize("com.example.PointWritable", bytes.fromhex("00000001ffffffff")) == (1, -1)
    value, end = get_writable("com.example.PointWritable").decode(b"\x00" * 12, 4)
    assert (value, end) == ((0, 0), 12)
    with pytest.raises(WritableError):
        register_writable("com.example.PointWritable", _PointCodec(), replace=False)
