"""Input/output format interfaces and the registry that selects them by name.

An :class:`InputFormat` cuts the input into splits (plain JSON-able dicts, so they
travel to peers unchanged) and opens a :class:`RecordReader` on one split.  An
:class:`OutputFormat` opens a :class:`RecordWriter` on one task's output file.
Names: ``text``, ``keyvalue``, ``sequencefile``, ``null``, ``hbase``, ``parquet``, ``arrow`` (and Hama's and
Hadoop's Java class names for them), or ``package.module:Class``.  A format may check the
configuration in :meth:`InputFormat.validate` / :meth:`OutputFormat.validate`, which
:func:`input_format` / :func:`output_format` call (at submit, and again in the master
and peers).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from typing import Any

from ..config import HamaConfiguration
from ..errors import ConfigError
from ..plugins import load_object

__all__ = [
    "InputFormat",
    "OutputFormat",
    "RecordReader",
    "RecordWriter",
    "input_format",
    "output_format",
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
]

Split = dict[str, Any]

# hbase://host:port/table URLs (bsp.input.dir / bsp.output.dir of the hbase formats) go through
# the core's commit protocol on a filesystem that hama_yarn.io.fs registers with fsspec (this
# module does not import fsspec: validating a job's formats at submit stays cheap).


class RecordReader(abc.ABC):
    """Reads one split's records as ``(key, value)`` pairs."""

    #: Bytes read so far (counter ``IO_BYTES_READ``).
    bytes_read: int = 0

    @abc.abstractmethod
    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        """Yield every record of the split once, in order."""

    def close(self) -> None:
        """Release the underlying files."""


class RecordWriter(abc.ABC):
    """Writes one task's output records."""

    @abc.abstractmethod
    def write(self, key: Any, value: Any) -> None:
        """Write one record."""

    @abc.abstractmethod
    def close(self) -> None:
        """Flush and close the output."""


class InputFormat(abc.ABC):
    """Splits input and reads splits.  Hama: ``InputFormat``."""

    def validate(self, conf: HamaConfiguration) -> None:
        """Check (and complete) the configuration; raise :class:`ConfigError` naming the key."""

    @abc.abstractmethod
    def get_splits(self, conf: HamaConfiguration, num_splits: int) -> list[Split]:
        """Cut the job's input (``bsp.input.dir``) into splits."""

    @abc.abstractmethod
    def open_reader(self, conf: HamaConfiguration, split: Split) -> RecordReader:
        """A reader over one split."""


class OutputFormat(abc.ABC):
    """Writes task output.  Hama: ``OutputFormat``."""

    def validate(self, conf: HamaConfiguration) -> None:
        """Check (and complete) the configuration; raise :class:`ConfigError` naming the key."""

    @abc.abstractmethod
    def open_writer(self, conf: HamaConfiguration, path: str) -> RecordWriter:
        """A writer on the task's output file *path* (a URL)."""

    def failure_note(self, conf: HamaConfiguration) -> str:
        """What a failed job may have left behind (empty: nothing, output is committed on success)."""
        return ""


INPUT_FORMATS = {
    "text": "hama_yarn.io.text:TextInputFormat",
    "keyvalue": "hama_yarn.io.text:KeyValueTextInputFormat",
    "null": "hama_yarn.io.text:NullInputFormat",
    "sequencefile": "hama_yarn.io.seqformat:SequenceFileInputFormat",
    "hbase": "hama_yarn.io.hbase.formats:HBaseInputFormat",
    "parquet": "hama_yarn.io.arrowfmt:ParquetInputFormat",
    "arrow": "hama_yarn.io.arrowfmt:ArrowInputFormat",
    "org.apache.hadoop.hbase.mapreduce.TableInputFormat": "hbase",
    "org.apache.hama.bsp.TextInputFormat": "text",
    "org.apache.hama.bsp.KeyValueTextInputFormat": "keyvalue",
    "org.apache.hama.bsp.NullInputFormat": "null",
    "org.apache.hama.bsp.SequenceFileInputFormat": "sequencefile",
}
OUTPUT_FORMATS = {
    "text": "hama_yarn.io.text:TextOutputFormat",
    "null": "hama_yarn.io.text:NullOutputFormat",
    "sequencefile": "hama_yarn.io.seqformat:SequenceFileOutputFormat",
    "hbase": "hama_yarn.io.hbase.formats:HBaseOutputFormat",
    "parquet": "hama_yarn.io.arrowfmt:ParquetOutputFormat",
    "arrow": "hama_yarn.io.arrowfmt:ArrowOutputFormat",
    "org.apache.hadoop.hbase.mapreduce.TableOutputFormat": "hbase",
    "org.apache.hama.bsp.TextOutputFormat": "text",
    "org.apache.hama.bsp.NullOutputFormat": "null",
    "org.apache.hama.bsp.SequenceFileOutputFormat": "sequencefile",
}


def _lookup(table: dict[str, str], key: str, name: str, base: type) -> Any:
    alias = name.strip() or "text"
    while alias in table and ":" not in alias:
        alias = table[alias]
    if ":" not in alias:
        names = sorted(k for k in table if "." not in k)
        raise ConfigError(key, f"unknown format {name!r}; choose one of {names} or package.module:Class")
    cls = load_object(alias, key)
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ConfigError(key, f"{alias} is not an {base.__name__}")
    return cls()


def input_format(conf: HamaConfiguration) -> InputFormat:
    """The input format selected by ``bsp.input.format.class``."""
    key = "bsp.input.format.class"
    fmt: InputFormat = _lookup(INPUT_FORMATS, key, conf.get(key) or "text", InputFormat)
    fmt.validate(conf)
    return fmt


def output_format(conf: HamaConfiguration) -> OutputFormat:
    """The output format selected by ``bsp.output.format.class``."""
    key = "bsp.output.format.class"
    fmt: OutputFormat = _lookup(OUTPUT_FORMATS, key, conf.get(key) or "text", OutputFormat)
    fmt.validate(conf)
    return fmt
