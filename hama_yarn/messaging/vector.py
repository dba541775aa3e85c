"""Vectorized message payloads: numpy arrays and Arrow RecordBatches as raw buffers.

Bundle payload kinds added to :mod:`hama_yarn.messaging.codec`:

``KIND_NDARRAY`` (4)
    every message is a numpy array of a non-object dtype.  Layout::

        u32 count
        count x (u8 dtype-length, dtype.str, u8 ndim, ndim x i64 shape)
        padding to 8 bytes, then each array's bytes (C order), each padded to 8 bytes

    Decoding makes :func:`numpy.frombuffer` views on the received bundle: no copy, and the
    arrays are **read-only** (``arr.copy()`` for a writable one).
``KIND_ARROW`` (5)
    every message is a ``pyarrow.RecordBatch``: ``u32 count`` then per batch ``u64 length``
    and an Arrow IPC stream.  Decoding reads the batches zero-copy from the bundle.
``KIND_PICKLE_OOB`` (6)
    anything else that holds large buffers (tuples/dicts of arrays): pickle protocol 5
    with out-of-band buffers.  ``u64 pickle-length``, ``u32 nbuf``, ``nbuf x u64 length``,
    the pickle, then the buffers 8-byte aligned; arrays come back as views of the bundle.
"""

from __future__ import annotations

import pickle
import struct
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np  # loaded on first use: a process that never made an array never pays for numpy

__all__ = [
    "KIND_NDARRAY",
    "KIND_ARROW",
    "KIND_PICKLE_OOB",
    "vector_payload",
    "decode_vector",
    "OOB_MIN_BYTES",
    "import_numpy_for",
]

KIND_NDARRAY, KIND_ARROW, KIND_PICKLE_OOB = 4, 5, 6
#: Pickled lists whose out-of-band buffers add up to at least this many bytes use KIND_PICKLE_OOB.
OOB_MIN_BYTES = 4096

_PAD = b"\x00" * 8


def _pad(n: int) -> int:
    return -n % 8


def _is_record_batch(obj: Any) -> bool:
    t = type(obj)
    return t.__name__ == "RecordBatch" and t.__module__.startswith("pyarrow")


def vector_payload(messages: list[Any]) -> tuple[int, list[Any]] | None:
    """The payload of *messages* as ``(kind, buffers)`` when a vectorized kind applies, else None.

    *buffers* are bytes-like objects to be joined in order (arrays are not copied here).
    """
    if not messages:
        return None
    first = messages[0]
    np = sys.modules.get("numpy")  # numpy not loaded: no message can be an array
    if np is not None and isinstance(first, np.ndarray) and all(type(m) is np.ndarray and m.dtype.kind not in "OV" for m in messages):
        return KIND_NDARRAY, _ndarray_parts(messages)
    if _is_record_batch(first) and all(_is_record_batch(m) for m in messages):
        return KIND_ARROW, _arrow_parts(messages)
    return None


def _ndarray_parts(messages: list[np.ndarray]) -> list[Any]:
    import numpy as np

    head = [struct.pack("<I", len(messages))]
    arrays = []
    for m in messages:
        a = m if m.flags.c_contiguous else np.array(m, order="C")
        dt = a.dtype.str.encode("ascii")
        head.append(struct.pack("<B", len(dt)) + dt + struct.pack(f"<B{a.ndim}q", a.ndim, *a.shape))
        arrays.append(a)
    header = b"".join(head)
    # 3 bytes of bundle header precede the payload: align data to the bundle's start
    parts: list[Any] = [header, _PAD[: _pad(3 + len(header))]]
    for a in arrays:
        parts.append(a.reshape(-1).view(np.uint8).data if a.size else b"")
        parts.append(_PAD[: _pad(a.nbytes)])
    return parts


def _arrow_parts(messages: list[Any]) -> list[Any]:
    import pyarrow as pa

    parts: list[Any] = [struct.pack("<I", len(messages))]
    for batch in messages:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        buf = sink.getvalue()
        parts.append(struct.pack("<Q", buf.size))
        parts.append(memoryview(buf))
    return parts


def pickle_oob(messages: list[Any]) -> tuple[int, bytes | list[Any]]:
    """Pickle protocol 5: ``(KIND_PICKLE_OOB, buffers)`` when the out-of-band buffers total at
    least :data:`OOB_MIN_BYTES`, else ``(0, pickle)`` (plain in-band pickle, kind 0)."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(messages, protocol=5, buffer_callback=buffers.append)
    if not buffers:
        return 0, data  # no buffers: identical to an in-band pickle
    raws = [b.raw() for b in buffers]
    if sum(r.nbytes for r in raws) < OOB_MIN_BYTES:
        return 0, pickle.dumps(messages, protocol=5)
    header = struct.pack(f"<QI{len(raws)}Q", len(data), len(raws), *(r.nbytes for r in raws))
    parts: list[Any] = [header, data, _PAD[: _pad(3 + len(header) + len(data))]]
    for r in raws:
        parts.append(r)
        parts.append(_PAD[: _pad(r.nbytes)])
    return KIND_PICKLE_OOB, parts


def decode_vector(kind: int, payload: memoryview, base: int = 3) -> list[Any]:  # base: layout constant
    """Decode a vectorized payload (*base*: offset of *payload* in its bundle, for alignment)."""
    if kind == KIND_NDARRAY:
        return _decode_ndarrays(payload, base)
    if kind == KIND_ARROW:
        return _decode_arrow(payload)
    if kind == KIND_PICKLE_OOB:
        return _decode_oob(payload, base)
    raise ValueError(f"not a vector kind: {kind}")


def _decode_ndarrays(payload: memoryview, base: int) -> list[Any]:
    import numpy as np

    (count,) = struct.unpack_from("<I", payload, 0)
    pos = 4
    specs = []
    for _ in range(count):
        n = payload[pos]
        dtype = np.dtype(bytes(payload[pos + 1 : pos + 1 + n]).decode("ascii"))
        pos += 1 + n
        ndim = payload[pos]
        shape = struct.unpack_from(f"<{ndim}q", payload, pos + 1)
        pos += 1 + 8 * ndim
        specs.append((dtype, shape))
    pos += _pad(base + pos)
    out = []
    for dtype, shape in specs:
        count_items = int(np.prod(shape)) if shape else 1
        nbytes = count_items * dtype.itemsize
        if pos + nbytes > len(payload):
            raise ValueError(f"array of {nbytes} bytes at payload offset {pos} runs past the bundle ({len(payload)})")
        out.append(np.frombuffer(payload, dtype=dtype, count=count_items, offset=pos).reshape(shape))
        pos += nbytes + _pad(nbytes)
    return out


def _decode_arrow(payload: memoryview) -> list[Any]:
    import pyarrow as pa

    (count,) = struct.unpack_from("<I", payload, 0)
    pos = 4
    buf = pa.py_buffer(payload)
    out = []
    for _ in range(count):
        (length,) = struct.unpack_from("<Q", payload, pos)
        pos += 8
        reader = pa.ipc.open_stream(buf.slice(pos, length))
        out.append(reader.read_next_batch())
        pos += length
    return out


def import_numpy_for(pickled: bytes | memoryview) -> None:
    """Import numpy (whole) before unpickling *pickled* if it may refer to numpy (numpy is
    being or was imported in this process, or the pickle names it).

    Bundles are decoded on the message server's threads, possibly while the peer's main
    thread is still importing numpy (with the user's module).  Unpickling imports numpy's
    submodules directly, which can then meet the half-initialized package (Python's import
    deadlock avoidance): "cannot import name ... from partially initialized module".  A
    plain ``import numpy`` first waits for the other thread's import to finish.
    """
    if "numpy" in sys.modules or (b"numpy" in pickled if isinstance(pickled, bytes)
                                  else len(pickled) < (1 << 20) and b"numpy" in pickled.tobytes()):
        try:
            import numpy  # noqa: F401
        except ImportError:
            pass  # unpickling will name what is missing


def _decode_oob(payload: memoryview, base: int) -> list[Any]:
    plen, nbuf = struct.unpack_from("<QI", payload, 0)
    lengths = struct.unpack_from(f"<{nbuf}Q", payload, 12)
    pos = 12 + 8 * nbuf
    data = payload[pos : pos + plen]
    pos += plen
    pos += _pad(base + pos)
    bufs = []
    for n in lengths:
        if pos + n > len(payload):
            raise ValueError(f"buffer of {n} bytes at payload offset {pos} runs past the bundle ({len(payload)})")
        bufs.append(payload[pos : pos + n])
        pos += n + _pad(n)
    import_numpy_for(data)
    result = pickle.loads(data, buffers=bufs)
    if not isinstance(result, list):
        raise ValueError(f"payload is a {type(result).__name__}, not a list")
    return result
