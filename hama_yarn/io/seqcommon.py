"""SequenceFile format constants, errors and header helpers shared by the reader and writer."""

from __future__ import annotations

import enum
import hashlib
import logging
import os
import struct
import time
import uuid
from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from hama_yarn.errors import HamaError
from hama_yarn.io.writables import (
    WritableCodec,
    WritableError,
    encode_vlong,
)

logger = logging.getLogger(__name__)

MAGIC = b"SEQ"
#: The format version this module writes (``VERSION_WITH_METADATA``).
VERSION = 6
_BLOCK_COMPRESS_VERSION = 4
_CUSTOM_COMPRESS_VERSION = 5
SYNC_ESCAPE = -1
SYNC_HASH_SIZE = 16
SYNC_SIZE = 4 + SYNC_HASH_SIZE
#: Hadoop's ``SequenceFile.SYNC_INTERVAL`` (100 KB, Hadoop 2.x/3.x).
SYNC_INTERVAL = 5 * 1024 * SYNC_SIZE
#: Hadoop 1.x's ``SYNC_INTERVAL`` (``100 * SYNC_SIZE``).
LEGACY_SYNC_INTERVAL = 100 * SYNC_SIZE
#: ``io.seqfile.compress.blocksize`` default.
DEFAULT_BLOCK_SIZE = 1_000_000
_DEFAULT_DEFAULT_CODEC = "org.apache.hadoop.io.compress.DefaultCodec"

_I32 = struct.Struct(">i")
_II = struct.Struct(">ii")
_SYNC_ESCAPE_BYTES = _I32.pack(SYNC_ESCAPE)
_READ_CHUNK = 1 << 20
#: Largest single read issued to the file (corrupt lengths never size a read).
_MAX_READ = 16 << 20

# ---------------------------------------------------------------------------
# Errors


class SequenceFileError(HamaError):
    """Base class of SequenceFile errors; names the file and byte offset.

    Parameters
    ----------
    message : str
        What went wrong.
    path : str, optional
        The file (or stream name).
    offset : int, optional
        Byte offset in the file where the problem was found.
    """

    def __init__(self, message: str, *, path: str | None = None, offset: int | None = None) -> None:
        self.message = message
        self.path = path
        self.offset = offset
        where = path if path is not None else "<stream>"
        text = f"{where}: {message}"
        if offset is not None:
            text += f" (at byte offset {offset})"
        super().__init__(text)


class TruncatedFileError(SequenceFileError, EOFError):
    """The file ended in the middle of a header, record or block."""


class CorruptHeaderError(SequenceFileError):
    """The header is malformed."""


class BadMagicError(CorruptHeaderError):
    """The file does not start with ``SEQ``: not a SequenceFile."""


class UnsupportedVersionError(CorruptHeaderError):
    """The header version byte is not one this module reads (4, 5 or 6)."""


class UnknownClassError(SequenceFileError):
    """The header names a Writable class with no registered codec.

    Attributes
    ----------
    java_class : str
        The unknown class name.
    """

    def __init__(self, java_class: str, *, path: str | None = None, offset: int | None = None) -> None:
        self.java_class = java_class
        super().__init__(
            f"unknown Writable class {java_class!r} (register it with "
            "hama_yarn.io.writables.register_writable, or open with raw=True)",
            path=path,
            offset=offset,
        )


class UnknownCodecError(SequenceFileError):
    """The header names a compression codec this module cannot use."""


class BadSyncMarkerError(SequenceFileError):
    """A sync escape is not followed by this file's sync marker."""


class CorruptBlockError(SequenceFileError):
    """A compressed block or value failed to decompress or parse."""


class RecordLengthError(SequenceFileError):
    """Record, key or value lengths are inconsistent with the data."""


class CorruptRecordError(SequenceFileError):
    """A key or value could not be deserialized."""


# ---------------------------------------------------------------------------
# Helpers


class CompressionType(str, enum.Enum):
    """``SequenceFile.CompressionType``."""

    NONE = "none"
    RECORD = "record"
    BLOCK = "block"


def _file_name(f: Any, fallback: str = "<stream>") -> str:
    for attr in ("path", "name", "full_name"):
        v = getattr(f, attr, None)
        if isinstance(v, str) and v:
            return v
    return fallback


def _open(file: Any, mode: str) -> tuple[Any, bool, str]:
    """Return (fileobj, owned, display name)."""
    if isinstance(file, (str, os.PathLike)):
        name = os.fspath(file)
        if isinstance(name, bytes):
            name = name.decode()
        if "://" in name:
            import fsspec  # type: ignore[import-untyped,unused-ignore]

            return fsspec.open(name, mode).open(), True, name
        return open(name, mode), True, name  # noqa: SIM115 - closed by owner
    return file, False, _file_name(file)


class _RawCodec(WritableCodec):
    """Returns the serialized bytes of a key or value unchanged."""

    java_class = "<raw>"

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise WritableError(f"raw mode needs bytes, got {type(value).__name__}")
        return bytes(value)

    def decode(self, buf: bytes, offset: int = 0, end: int = -1) -> tuple[Any, int]:
        stop = len(buf) if end < 0 else end
        return buf[offset:stop], stop


_RAW = _RawCodec()


def _compression_type(value: str | CompressionType) -> CompressionType:
    try:
        return CompressionType(value.lower() if isinstance(value, str) else value)
    except ValueError:
        raise ValueError(f"compression must be 'none', 'record' or 'block', got {value!r}") from None


def _encode_text(s: str) -> bytes:
    raw = s.encode("utf-8")
    return encode_vlong(len(raw)) + raw


def _encode_header(
    key_class: str,
    value_class: str,
    compression: CompressionType,
    codec_class: str | None,
    metadata: Mapping[str, str],
    sync_marker: bytes,
) -> bytes:
    parts = [MAGIC, bytes((VERSION,)), _encode_text(key_class), _encode_text(value_class)]
    parts.append(b"\x01" if compression is not CompressionType.NONE else b"\x00")
    parts.append(b"\x01" if compression is CompressionType.BLOCK else b"\x00")
    if compression is not CompressionType.NONE:
        assert codec_class is not None
        parts.append(_encode_text(codec_class))
    # Metadata is a TreeMap<Text, Text>: sorted by the keys' UTF-8 bytes.
    items = sorted(((k.encode("utf-8"), v) for k, v in metadata.items()), key=itemgetter(0))
    parts.append(_I32.pack(len(items)))
    for k, v in items:
        parts.append(encode_vlong(len(k)) + k)
        parts.append(_encode_text(v))
    parts.append(sync_marker)
    return b"".join(parts)


def _new_sync_marker() -> bytes:
    # Like Hadoop: MD5 of a unique id and the time.
    seed = f"{uuid.uuid4()}@{int(time.time() * 1000)}".encode()
    return hashlib.md5(seed, usedforsecurity=False).digest()


# ---------------------------------------------------------------------------
