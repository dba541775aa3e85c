"""``hama seqdumper``: print a SequenceFile's header and records, like Hama's ``SequenceFileDumper``.

Output (Hama's lines, plus the compression and metadata lines Hama leaves out)::

    Input Path: hdfs://nn:9000/data/part-00000
    Key class: org.apache.hadoop.io.Text
    Value Class: org.apache.hadoop.io.IntWritable
    Compression type: BLOCK
    Codec: org.apache.hadoop.io.compress.DefaultCodec
    Metadata: {}
    Key: a Value: 1
    ...
    Count: 2

Values are shown as Java's ``toString()`` would (``BytesWritable`` as space-separated
hex bytes, ``NullWritable`` as ``(null)``, booleans as ``true``/``false``).
"""

from __future__ import annotations

import logging
import math
import sys
from typing import IO, Any

from ..config import HamaConfiguration
from ..errors import InputError
from . import fs as _fs
from .sequencefile import SequenceFileReader

log = logging.getLogger(__name__)

__all__ = ["dump", "java_string"]


def java_string(value: Any) -> str:
    """Render a decoded Writable value as its Java ``toString()`` would."""
    if value is None:
        return "(null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray | memoryview):
        return " ".join(f"{b:02x}" for b in bytes(value))
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, list | tuple):
        return " ".join(java_string(v) for v in value) + " "
    return str(value)


def dump(
    path: str,
    count_only: bool = False,
    out: IO[str] | None = None,
    substring: int | None = None,
    conf: HamaConfiguration | None = None,
) -> int:
    """Print the header and records (or only the count) of the SequenceFile at *path*.

    Parameters
    ----------
    path : str
        Path or URL (``hdfs://``, ``file://``, or a path resolved against ``fs.defaultFS``).
    count_only : bool
        Print the header and ``Count: n`` only (Hama's ``-count true``).
    out : text file, optional
        Where to print (standard output by default).
    substring : int, optional
        Cut keys and values to this many characters (Hama's ``-substring``).
    conf : HamaConfiguration, optional
        For ``fs.defaultFS``.

    Returns
    -------
    int
        0 (the process exit code); errors raise.

    Raises
    ------
    InputError
        When the path does not exist.
    SequenceFileError
        For a bad file, naming the file and the byte offset.
    """
    stream = out if out is not None else sys.stdout
    url = _fs.qualify(path, conf)
    fs, inner = _fs.resolve(url, conf)
    try:
        f: Any = _fs.open_input(fs, inner, buffered=False, name=path)
    except FileNotFoundError as exc:
        raise InputError(f"Input path does not exist: {path}") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path} is a directory, not a SequenceFile") from exc
    try:
        reader = SequenceFileReader(f)
        reader.path = path
        write = stream.write
        write(f"Input Path: {path}\n")
        write(f"Key class: {reader.key_class}\n")
        write(f"Value Class: {reader.value_class}\n")
        write(f"Compression type: {reader.compression.value.upper()}\n")
        write(f"Codec: {reader.codec_class or '-'}\n")
        write(f"Metadata: {dict(reader.metadata)}\n")
        count = 0
        if count_only:
            for _ in reader:
                count += 1
        else:
            for key, value in reader:
                k, v = java_string(key), java_string(value)
                if substring is not None:
                    k, v = k[:substring], v[:substring]
                write(f"Key: {k} Value: {v}\n")
                count += 1
        write(f"Count: {count}\n")
        stream.flush()
    finally:
        f.close()
    return 0
