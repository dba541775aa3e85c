"""Hadoop wire primitives: Writable errors, stream protocols, the codec base class,
zero-compressed VLong/VInt and Java modified UTF-8 (split out of :mod:`writables`)."""

from __future__ import annotations

import io
import struct
from abc import ABC
from typing import Any, Protocol, runtime_checkable

from hama_yarn.errors import HamaError

_I32 = struct.Struct(">i")

__all__ = ["WritableError", "UnknownWritableError", "ReadableStream", "WritableStream", "WritableCodec",
           "encode_vlong", "decode_vlong", "vlong_size", "write_vlong", "read_vlong",
           "encode_java_utf", "decode_java_utf"]

# ---------------------------------------------------------------------------
# Errors


class WritableError(HamaError, ValueError):
    """A value cannot be serialized as, or bytes cannot be read as, a Writable."""


class UnknownWritableError(WritableError, KeyError):
    """No codec is registered for a Java Writable class name.

    Parameters
    ----------
    java_class : str
        The Java class name that was looked up.
    """

    def __init__(self, java_class: str) -> None:
        self.java_class = java_class
        super().__init__(
            f"unknown Writable class {java_class!r}: register a codec for it with "
            "hama_yarn.io.writables.register_writable()"
        )

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


# ---------------------------------------------------------------------------
# Stream protocols


@runtime_checkable
class ReadableStream(Protocol):
    """Anything with ``read(n) -> bytes`` (files, ``io.BytesIO``, fsspec files)."""

    def read(self, n: int = -1, /) -> bytes:
        """Read up to ``n`` bytes."""
        ...


@runtime_checkable
class WritableStream(Protocol):
    """Anything with ``write(data) -> int | None``."""

    def write(self, data: bytes, /) -> int | None:
        """Write ``data``."""
        ...


def _read_exact(stream: ReadableStream, n: int) -> bytes:
    """Read exactly ``n`` bytes or raise :class:`WritableError`."""
    if n == 0:
        return b""
    data = stream.read(n)
    if len(data) == n:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        more = stream.read(n - got)
        if not more:
            raise WritableError(f"unexpected end of stream: wanted {n} bytes, got {got}")
        parts.append(more)
        got += len(more)
    return b"".join(parts)


# ---------------------------------------------------------------------------
# Codec base class


class WritableCodec(ABC):
    """Serializer for one Java Writable class.

    Subclasses implement :meth:`encode` and :meth:`decode` on byte buffers
    (the fast path used by SequenceFiles); :meth:`read` and :meth:`write`
    operate on streams and are derived from them.  A user codec may instead
    override :meth:`read` and :meth:`write` only: the default
    :meth:`encode`/:meth:`decode` then go through an ``io.BytesIO``.

    Attributes
    ----------
    java_class : str
        The Java class name this codec serializes (informational; the
        registry key is what :func:`register_writable` was given).
    """

    java_class: str = ""

    def encode(self, value: Any) -> bytes:
        """Serialize ``value`` to the bytes Java's ``write()`` would produce.

        Parameters
        ----------
        value : Any
            The Python value.

        Returns
        -------
        bytes
            The serialized form.
        """
        if type(self).write is WritableCodec.write:
            raise NotImplementedError(f"{type(self).__name__} implements neither encode nor write")
        buf = io.BytesIO()
        self.write(buf, value)
        return buf.getvalue()

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        """Deserialize one value from ``buf`` starting at ``offset``.

        Parameters
        ----------
        buf : bytes
            The buffer.
        offset : int, optional
            Where the value starts.
        end : int, optional
            Where the value's bytes end at the latest (``-1``: end of
            ``buf``).  Built-in codecs use it only as a hint; callers must
            check the returned offset.

        Returns
        -------
        tuple of (Any, int)
            The value and the offset just past it.

        Raises
        ------
        WritableError, struct.error, IndexError, UnicodeDecodeError
            If the bytes are malformed or run out.
        """
        if type(self).read is WritableCodec.read:
            raise NotImplementedError(f"{type(self).__name__} implements neither decode nor read")
        stop = len(buf) if end < 0 else end
        stream = io.BytesIO(buf[offset:stop])
        value = self.read(stream)
        return value, offset + stream.tell()

    def read(self, stream: ReadableStream) -> Any:
        """Read one value from a stream.

        Parameters
        ----------
        stream : ReadableStream
            Source of bytes.

        Returns
        -------
        Any
            The value.
        """
        # Generic fallback for codecs that only implement decode(): on a
        # seekable stream read ahead and seek back past the value; otherwise
        # read byte by byte until decode() succeeds on exactly what was read.
        seek = getattr(stream, "seek", None)
        tell = getattr(stream, "tell", None)
        if seek is not None and tell is not None:
            try:
                start = int(tell())
            except (OSError, ValueError):
                start = -1
            if start >= 0:
                data = b""
                want = 4096
                while True:
                    more = stream.read(want)
                    data += more
                    try:
                        value, used = self.decode(data, 0)
                    except (struct.error, IndexError):
                        if not more:
                            raise WritableError(
                                f"unexpected end of stream while reading {self.java_class}"
                            ) from None
                        want *= 2
                        continue
                    seek(start + used)
                    return value
        data = b""
        while True:
            more = stream.read(1)
            if not more:
                raise WritableError(f"unexpected end of stream while reading {self.java_class}")
            data += more
            try:
                value, used = self.decode(data, 0)
            except (struct.error, IndexError):
                continue
            if used == len(data):
                return value

    def write(self, stream: WritableStream, value: Any) -> None:
        """Write one value to a stream.

        Parameters
        ----------
        stream : WritableStream
            Destination.
        value : Any
            The Python value.
        """
        stream.write(self.encode(value))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.java_class}>"


# ---------------------------------------------------------------------------
# VInt / VLong (WritableUtils.writeVLong / readVLong)

_VLONG_MIN = -(2**63)
_VLONG_MAX = 2**63 - 1
_SMALL_VLONG = {i: bytes((i & 0xFF,)) for i in range(-112, 128)}


def encode_vlong(value: int) -> bytes:
    """Encode an int64 with Hadoop's ``WritableUtils.writeVLong``.

    Values in ``[-112, 127]`` take one byte (the value itself).  Otherwise a
    length byte is followed by the big-endian magnitude bytes with leading
    zero bytes dropped: for ``v >= 0`` the length byte is ``-112 - n`` and
    the bytes are ``v``; for ``v < 0`` it is ``-120 - n`` and the bytes are
    ``~v`` (one's complement), ``n`` being the number of bytes (1..8).

    Parameters
    ----------
    value : int
        A value in ``[-2**63, 2**63 - 1]``.

    Returns
    -------
    bytes
        1 to 9 bytes.
    """
    small = _SMALL_VLONG.get(value)
    if small is not None:
        return small
    if not _VLONG_MIN <= value <= _VLONG_MAX:
        raise WritableError(f"{value} does not fit in a Java long")
    if value < 0:
        mag = ~value
        base = -120
    else:
        mag = value
        base = -112
    n = (mag.bit_length() + 7) >> 3
    return bytes(((base - n) & 0xFF,)) + mag.to_bytes(n, "big")


def vlong_size(value: int) -> int:
    """Return the number of bytes :func:`encode_vlong` produces for ``value``.

    Parameters
    ----------
    value : int
        An int64.

    Returns
    -------
    int
        1 to 9.
    """
    if -112 <= value <= 127:
        return 1
    mag = ~value if value < 0 else value
    return ((mag.bit_length() + 7) >> 3) + 1


def decode_vlong(buf: bytes, offset: int = 0) -> tuple[int, int]:
    """Decode a ``WritableUtils.readVLong`` value from a buffer.

    Parameters
    ----------
    buf : bytes
        The buffer.
    offset : int, optional
        Where the encoded value starts.

    Returns
    -------
    tuple of (int, int)
        The value and the offset just past it.

    Raises
    ------
    IndexError
        If ``buf`` ends inside the value.
    """
    first = buf[offset]
    if first < 128:
        return first, offset + 1
    if first >= 144:  # -112 .. -1
        return first - 256, offset + 1
    signed = first - 256  # -128 .. -113
    if signed < -120:
        n = -120 - signed
        negative = True
    else:
        n = -112 - signed
        negative = False
    end = offset + 1 + n
    if end > len(buf):
        raise IndexError("vlong runs past the end of the buffer")
    mag = int.from_bytes(buf[offset + 1 : end], "big")
    if mag > _VLONG_MAX:  # Java would wrap into the sign bit
        mag -= 1 << 64
    return (~mag if negative else mag), end


def write_vlong(stream: WritableStream, value: int) -> None:
    """Write a zero-compressed VLong to a stream.

    Parameters
    ----------
    stream : WritableStream
        Destination.
    value : int
        An int64.
    """
    stream.write(encode_vlong(value))


def read_vlong(stream: ReadableStream) -> int:
    """Read a zero-compressed VLong from a stream.

    Parameters
    ----------
    stream : ReadableStream
        Source.

    Returns
    -------
    int
        The value.
    """
    first = _read_exact(stream, 1)
    b = first[0]
    if b < 128 or b >= 144:
        return decode_vlong(first)[0]
    signed = b - 256
    n = (-120 - signed) if signed < -120 else (-112 - signed)
    return decode_vlong(first + _read_exact(stream, n))[0]


# ---------------------------------------------------------------------------
# Java "modified UTF-8" (DataOutput.writeUTF / DataInput.readUTF)

_USHORT = struct.Struct(">H")


def encode_java_utf(s: str) -> bytes:
    """Encode like ``DataOutput.writeUTF``: uint16 length + modified UTF-8.

    Modified UTF-8 writes U+0000 as ``C0 80`` and characters outside the BMP
    as two 3-byte surrogate encodings (CESU-8).

    Parameters
    ----------
    s : str
        The string (at most 65535 encoded bytes).

    Returns
    -------
    bytes
        Length-prefixed bytes.
    """
    raw = s.encode("utf-8", "surrogatepass")
    if not (raw.isascii() and b"\x00" not in raw) and (
        "\x00" in s or any(ord(c) > 0xFFFF for c in s)
    ):
        parts: list[bytes] = []
        for c in s:
            o = ord(c)
            if o == 0:
                parts.append(b"\xc0\x80")
            elif o > 0xFFFF:
                o -= 0x10000
                hi = chr(0xD800 + (o >> 10))
                lo = chr(0xDC00 + (o & 0x3FF))
                parts.append((hi + lo).encode("utf-8", "surrogatepass"))
            else:
                parts.append(c.encode("utf-8", "surrogatepass"))
        raw = b"".join(parts)
    if len(raw) > 0xFFFF:
        raise WritableError(f"encoded string too long for writeUTF: {len(raw)} bytes")
    return _USHORT.pack(len(raw)) + raw


def decode_java_utf(buf: bytes, offset: int = 0) -> tuple[str, int]:
    """Decode a ``DataInput.readUTF`` string from a buffer.

    Parameters
    ----------
    buf : bytes
        The buffer.
    offset : int, optional
        Where the uint16 length starts.

    Returns
    -------
    tuple of (str, int)
        The string and the offset just past it.
    """
    (n,) = _USHORT.unpack_from(buf, offset)
    start = offset + 2
    end = start + n
    if end > len(buf):
        raise IndexError("writeUTF string runs past the end of the buffer")
    raw = bytes(buf[start:end])
    if raw.isascii():
        return raw.decode("ascii"), end
    raw = raw.replace(b"\xc0\x80", b"\x00")
    try:
        s = raw.decode("utf-8", "surrogatepass")
        # Recombine CESU-8 surrogate pairs into real code points.
        s = s.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")
    except UnicodeError as exc:
        raise WritableError(f"malformed modified UTF-8 string: {exc}") from exc
    return s, end


def _read_java_utf(stream: ReadableStream) -> str:
    head = _read_exact(stream, 2)
    (n,) = _USHORT.unpack(head)
    return decode_java_utf(head + _read_exact(stream, n))[0]


