"""Bundle encoding: a whole list of messages serialized at once.

A bundle is the unit of transfer and compression: every message one peer sends to
one other peer in a superstep.  Layout::

    byte 0   format version (1)
    byte 1   compressor id (0 = none, see :data:`COMPRESSORS`)
    byte 2   payload kind: 0 pickle (protocol 5) of the list
                           1 int64 array  (all messages are ``int`` in range)
                           2 float64 array (all messages are ``float``)
                           3 UTF-8 strings joined by NUL (all ``str``, none holds NUL)
                           4/5/6 numpy arrays, Arrow RecordBatches, pickle with out-of-band
                             buffers: raw buffers (:mod:`hama_yarn.messaging.vector`)
                           7 ``bytes`` (all messages are ``bytes``, of at least
                             :data:`BYTES_KIND_MIN_MEAN` bytes on average): u32 count,
                             count x u64 length, then the messages' bytes back to back
    bytes 3.. payload (compressed when byte 1 is not 0)

A kind-0 payload is the pickle followed by a 12-byte trailer, ``u64 message count`` and
:data:`COUNT_MAGIC` (``pickle.loads`` ignores bytes after the pickle's STOP opcode, so a
bundle without the trailer decodes the same way): a receive queue that does not decode
bundles on arrival (``disk``, ``spilling``) learns a bundle's count from its header or
trailer with :func:`bundle_count`.

Primitive payloads (int, float, str, large bytes) skip pickle entirely; everything else,
numpy arrays included, goes through pickle protocol 5 in one call for the whole list.  A
large bytes bundle is sent without being joined (:func:`encode_lazy`: the messages
themselves are written to the socket) and decoded by slicing its buffer (one copy per
message, as unpickling makes).
"""

from __future__ import annotations

import bz2
import lzma
import pickle
import struct
import sys
import zlib
from array import array
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from ..errors import ConfigError, MessagingError
from .vector import KIND_ARROW, KIND_NDARRAY, KIND_PICKLE_OOB, decode_vector, import_numpy_for, pickle_oob, vector_payload

VECTOR_KINDS = (KIND_NDARRAY, KIND_ARROW, KIND_PICKLE_OOB)

__all__ = ["encode", "encode_lazy", "BundleParts", "decode", "decode_sized", "is_compressed", "COMPRESSORS",
           "compressor_id", "is_immutable_kind", "bundle_count", "COUNT_MAGIC", "KIND_BYTES"]

VERSION = 1
KIND_PICKLE, KIND_INT64, KIND_FLOAT64, KIND_STR = 0, 1, 2, 3
KIND_BYTES = 7
#: ``bytes`` messages at least this long on average use KIND_BYTES (shorter ones pickle
#: more compactly than a u64 length each, and unpickle faster than a slice each).
BYTES_KIND_MIN_MEAN = 1024

_LITTLE = sys.byteorder == "little"
#: Ends a kind-0 (pickle) payload's count trailer; its last byte is not pickle's STOP ('.'),
#: which ends a payload without the trailer.
COUNT_MAGIC = b"#HYc"
_TRAILER = struct.Struct("<Q4s")
_U32 = struct.Struct("<I")


def _lz4() -> tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]:
    from ..optional import require

    frame = require("lz4.frame", "compression", "lz4 message compression")
    return frame.compress, frame.decompress


def _zstd() -> tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]:
    from ..optional import require

    zstandard = require("zstandard", "compression", "zstd message compression")
    return zstandard.ZstdCompressor().compress, zstandard.ZstdDecompressor().decompress


#: name -> (id, loader returning (compress, decompress))
COMPRESSORS: dict[str, tuple[int, Callable[[], tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]]]] = {
    "zlib": (1, lambda: (lambda b: zlib.compress(b, 1), zlib.decompress)),
    "bz2": (2, lambda: (bz2.compress, bz2.decompress)),
    "lzma": (3, lambda: (lzma.compress, lzma.decompress)),
    "lz4": (4, _lz4),
    "zstd": (5, _zstd),
}
#: Hama's Java compressor class names map to ours.
_ALIASES = {
    "org.apache.hama.bsp.message.compress.Bzip2Compressor": "bz2",
    "org.apache.hama.bsp.message.compress.SnappyCompressor": "lz4",
    "bzip2": "bz2",
    "gzip": "zlib",
    "deflate": "zlib",
}
_BY_ID: dict[int, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {}


def compressor_id(name: str) -> int:
    """Resolve a compressor name (``hama.messenger.compression.class``) to its id.

    Raises
    ------
    ConfigError
        If the name is unknown or its library is not installed.
    """
    key = _ALIASES.get(name, name).lower()
    if key not in COMPRESSORS:
        raise ConfigError(
            "hama.messenger.compression.class", f"unknown compressor {name!r}; choose one of {sorted(COMPRESSORS)}"
        )
    ident, loader = COMPRESSORS[key]
    if ident not in _BY_ID:
        try:
            _BY_ID[ident] = loader()
        except ImportError as exc:
            raise ConfigError("hama.messenger.compression.class", f"compressor {key!r} is not installed: {exc}") from exc
    return ident


def _payload(messages: list[Any]) -> tuple[int, bytes | list[Any]]:
    types = set(map(type, messages))
    if len(types) == 1:
        t = next(iter(types))
        if t is int:
            try:
                return KIND_INT64, array("q", messages).tobytes()
            except OverflowError:
                pass
        elif t is float:
            return KIND_FLOAT64, array("d", messages).tobytes()
        elif t is str:
            joined = "\x00".join(messages)
            if joined.count("\x00") == len(messages) - 1:
                return KIND_STR, joined.encode("utf-8", "surrogatepass")
        elif t is bytes:
            lengths = array("Q", map(len, messages))
            if sum(lengths) >= BYTES_KIND_MIN_MEAN * len(messages):
                if not _LITTLE:
                    lengths.byteswap()
                return KIND_BYTES, [_U32.pack(len(messages)) + lengths.tobytes(), *messages]
    vec = vector_payload(messages)  # numpy arrays / Arrow batches: raw buffers, no pickle
    if vec is not None:
        return vec
    try:
        kind, data = pickle_oob(messages)
    except Exception as exc:
        bad = next((m for m in messages if not _picklable(m)), None)
        raise MessagingError(f"cannot serialize message {bad!r} of type {type(bad).__name__}: {exc}") from exc
    if kind == KIND_PICKLE and isinstance(data, bytes):  # count trailer (module docstring)
        return kind, [data, _TRAILER.pack(len(messages), COUNT_MAGIC)]
    return kind, data


def _picklable(obj: object) -> bool:
    try:
        pickle.dumps(obj, protocol=5)
        return True
    except Exception:  # noqa: BLE001
        return False


_IMMUTABLE = frozenset({int, float, str, bytes, bool, type(None)})


def is_immutable_kind(messages: list[Any]) -> bool:
    """True when every message is an int, float, str, bytes, bool or None (safe to hand over uncopied)."""
    return set(map(type, messages)) <= _IMMUTABLE


def encode(messages: list[Any], compressor: int = 0, threshold: int = 0) -> bytes:
    """Serialize *messages* into one bundle.

    Parameters
    ----------
    messages : list
        The messages, in order.
    compressor : int
        A :func:`compressor_id` (0 for none).
    threshold : int
        Payloads shorter than this many bytes are not compressed.
    """
    kind, payload = _payload(messages)
    if isinstance(payload, list):  # buffers (vector kinds): one copy into the bundle
        if not (compressor and sum(len(p) for p in payload) >= threshold):
            return b"".join([bytes((VERSION, 0, kind)), *payload])
        payload = b"".join(payload)
    if compressor and len(payload) >= threshold:
        payload = _BY_ID[compressor][0](payload)
    else:
        compressor = 0
    return bytes((VERSION, compressor, kind)) + payload


class BundleParts:
    """An uncompressed raw-buffer bundle not joined into one ``bytes``: its header and the
    messages' own buffers (see :func:`encode_lazy`).

    ``len()`` is the bundle's length and indexing reads its bytes (``parts[1]`` is the
    compressor byte, 0); ``bytes(parts)`` joins it.  A transport that can write several
    buffers (the raw bundle channel) sends the parts without that copy.
    """

    __slots__ = ("parts", "nbytes")

    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts
        self.nbytes = sum(memoryview(p).nbytes for p in parts)

    def __len__(self) -> int:
        return self.nbytes

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < len(self.parts[0]):
            raise IndexError(f"BundleParts indexes its header only, not {index}")
        return int(self.parts[0][index])

    def __bytes__(self) -> bytes:
        return b"".join(self.parts)


#: Bundles shorter than this are joined by :func:`encode_lazy` (the copy costs less than
#: writing many small buffers).
LAZY_MIN_BYTES = 256 * 1024
#: ... and so are bundles of smaller buffers than this on average (the bundle channel joins
#: parts under 64 KiB before writing them anyway: one join of the whole costs less).
LAZY_MIN_MEAN_PART = 32 * 1024


def encode_lazy(messages: list[Any], compressor: int = 0, threshold: int = 0) -> bytes | BundleParts:
    """:func:`encode`, except that a large uncompressed raw-buffer bundle (numpy arrays, Arrow
    batches, pickle with out-of-band buffers) comes back as :class:`BundleParts` referring to
    the messages' buffers: no copy of the data before it is written to the network.  The
    buffers must not change until the bundle was sent.
    """
    kind, payload = _payload(messages)
    if isinstance(payload, list):
        # bytes parts (KIND_BYTES: hundreds of small messages) by len(), without a memoryview each
        size = sum(map(len, payload)) if kind == KIND_BYTES else sum(memoryview(p).nbytes for p in payload)
        if (size >= LAZY_MIN_BYTES and size >= LAZY_MIN_MEAN_PART * len(payload)
                and not (compressor and size >= threshold)):
            return BundleParts([bytes((VERSION, 0, kind)), *payload])
        if not (compressor and size >= threshold):
            return b"".join([bytes((VERSION, 0, kind)), *payload])
        payload = b"".join(payload)
    if compressor and len(payload) >= threshold:
        return bytes((VERSION, compressor, kind)) + _BY_ID[compressor][0](payload)
    return bytes((VERSION, 0, kind)) + payload


def is_compressed(data: bytes | memoryview) -> bool:
    """True when the bundle *data* (from :func:`encode`) carries a compressed payload."""
    return len(data) >= 3 and data[1] != 0


def bundle_count(data: bytes | memoryview) -> int | None:
    """The number of messages in the bundle *data*, read from its header (no decoding), or
    None when only decoding tells (compressed bundles, pickles with out-of-band buffers, a
    pickle without the count trailer, joined strings) or the header is malformed."""
    n = len(data)
    if n < 3 or data[0] != VERSION or data[1] != 0:
        return None
    kind = data[2]
    if kind in (KIND_INT64, KIND_FLOAT64):
        return (n - 3) // 8 if (n - 3) % 8 == 0 else None
    if kind in (KIND_NDARRAY, KIND_ARROW, KIND_BYTES) and n >= 3 + _U32.size:
        return int(_U32.unpack_from(data, 3)[0])
    if kind == KIND_PICKLE and n >= 3 + _TRAILER.size:
        count, magic = _TRAILER.unpack_from(data, n - _TRAILER.size)
        return int(count) if magic == COUNT_MAGIC else None
    return None


def decode(data: bytes | memoryview) -> list[Any]:
    """Inverse of :func:`encode`.

    Raises
    ------
    MessagingError
        If the bundle is malformed (names what is wrong).
    """
    return decode_sized(data)[0]


def decode_sized(data: bytes | memoryview) -> tuple[list[Any], int]:
    """:func:`decode`, also returning the bundle's decompressed size.

    Returns
    -------
    messages : list
        The messages, in order.
    decompressed : int
        For a compressed bundle, the size it would have had uncompressed (header plus
        decompressed payload: what :func:`encode` returns without a compressor); 0 for an
        uncompressed one (nothing was decompressed).

    Raises
    ------
    MessagingError
        If the bundle is malformed (names what is wrong).
    """
    if len(data) < 3 or data[0] != VERSION:
        raise MessagingError(f"malformed bundle: bad header {bytes(data[:3])!r} (length {len(data)})")
    comp, kind = data[1], data[2]
    payload = data[3:] if comp else memoryview(data)[3:]  # a view: no copy of a large bundle
    decompressed = 0
    try:
        if comp:
            if comp not in _BY_ID:
                name = next((n for n, (i, _) in COMPRESSORS.items() if i == comp), str(comp))
                compressor_id(name)
            payload = _BY_ID[comp][1](bytes(payload))
            decompressed = 3 + len(payload)
        if kind == KIND_INT64:
            a = array("q")
            a.frombytes(payload)
            return a.tolist(), decompressed
        if kind == KIND_FLOAT64:
            f = array("d")
            f.frombytes(payload)
            return f.tolist(), decompressed
        if kind == KIND_STR:
            return bytes(payload).decode("utf-8", "surrogatepass").split("\x00"), decompressed
        if kind == KIND_BYTES:
            return _decode_bytes(payload if comp else memoryview(data)[3:]), decompressed
        if kind in VECTOR_KINDS:
            return decode_vector(kind, memoryview(payload) if comp else memoryview(data)[3:]), decompressed
        if kind == KIND_PICKLE:
            import_numpy_for(data if isinstance(data, bytes) and not comp else payload)
            result = pickle.loads(payload)
            if not isinstance(result, list):
                raise MessagingError(f"malformed bundle: payload is a {type(result).__name__}, not a list")
            if len(payload) >= _TRAILER.size:
                count, magic = _TRAILER.unpack_from(payload, len(payload) - _TRAILER.size)
                if magic == COUNT_MAGIC and count != len(result):
                    raise MessagingError(f"malformed bundle: {len(result)} messages, its trailer says {count}")
            return result, decompressed
    except MessagingError:
        raise
    except Exception as exc:
        raise MessagingError(f"malformed bundle (kind {kind}, compressor {comp}): {type(exc).__name__}: {exc}") from exc
    raise MessagingError(f"malformed bundle: unknown payload kind {kind}")


#: Largest KIND_BYTES payload decoded by slicing one copy of it (:func:`_decode_bytes`).
_ONE_COPY_MAX = 64 << 20


def _decode_bytes(payload: bytes | memoryview) -> list[bytes]:
    """The messages of a KIND_BYTES payload (copies: the buffer may be reused)."""
    view = memoryview(payload)
    (count,) = _U32.unpack_from(view, 0)
    start = _U32.size + 8 * count
    if start > len(view):
        raise MessagingError(f"malformed bundle: {count} bytes messages need a {start}-byte length table, "
                             f"the payload has {len(view)} bytes")
    lengths = array("Q")
    lengths.frombytes(view[_U32.size:start])
    if not _LITTLE:
        lengths.byteswap()
    if start + sum(lengths) != len(view):
        raise MessagingError(f"malformed bundle: {count} bytes messages of {sum(lengths)} bytes in a payload of "
                             f"{len(view) - start} bytes")
    bounds = list(accumulate(lengths, initial=start))
    # Slicing bytes makes each message in one step (a memoryview slice, then bytes(), is two);
    # the one extra copy of the payload is cheaper than that for bundles up to _ONE_COPY_MAX.
    if len(view) > _ONE_COPY_MAX:
        return [bytes(view[a:b]) for a, b in zip(bounds, bounds[1:])]
    data = view.tobytes()
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]
