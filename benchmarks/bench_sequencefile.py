"""SequenceFile write/read throughput.

Run ``python benchmarks/bench_sequencefile.py [--quick]``.  Prints one row per
(workload, compression): MB/s and records/s for writing and reading, plus a
Java column that :func:`java_baseline` fills once Hadoop jars are available
(``HAMA_TEST_HADOOP_CLASSPATH``); it prints ``-`` until then.

Workloads:

* ``small``: LongWritable -> Text, ~50-byte values.
* ``large``: Text -> BytesWritable, 64 KiB values.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hama_yarn.io.sequencefile import SequenceFileReader, SequenceFileWriter  # noqa: E402
from hama_yarn.io.writables import BYTES_WRITABLE, LONG_WRITABLE, TEXT  # noqa: E402


@dataclass
class Workload:
    """One benchmark workload."""

    name: str
    key_class: str
    value_class: str
    records: int
    make: Callable[[int], Iterator[tuple[Any, Any]]]


def _small(n: int) -> Iterator[tuple[Any, Any]]:
    for i in range(n):
        yield i, f"value-{i:012d}-abcdefghijklmnopqrstuvwxyz0123"


_BLOB = os.urandom(64 * 1024)


def _large(n: int) -> Iterator[tuple[Any, Any]]:
    for i in range(n):
        yield f"key-{i:08d}", _BLOB


def java_baseline(workload: str, compression: str, path: str) -> tuple[float, float] | None:
    """Return (write MB/s, read MB/s) measured by Hadoop's Java SequenceFile.

    Parameters
    ----------
    workload : str
        ``"small"`` or ``"large"``.
    compression : str
        ``"none"`` or ``"block"``.
    path : str
        Scratch file for the Java run.

    Returns
    -------
    tuple of (float, float) or None
        None when ``HAMA_TEST_HADOOP_CLASSPATH`` is unset (no jars yet).
    """
    classpath = os.environ.get("HAMA_TEST_HADOOP_CLASSPATH")
    if not classpath:
        return None
    # Plug-in point: compile/run a small Java writer/reader against
    # `classpath` (see tests/io/java/ once it exists) and parse its timings.
    return None


def _bench(wl: Workload, compression: str, tmp: str) -> dict[str, Any]:
    path = os.path.join(tmp, f"{wl.name}-{compression}.seq")
    t0 = time.perf_counter()
    with SequenceFileWriter(path, wl.key_class, wl.value_class, compression=compression) as w:
        append = w.append
        for k, v in wl.make(wl.records):
            append(k, v)
    t_write = time.perf_counter() - t0
    size = os.path.getsize(path)
    # "payload" = uncompressed bytes of the file as written without compression
    t0 = time.perf_counter()
    n = 0
    with SequenceFileReader(path) as r:
        for _ in r:
            n += 1
    t_read = time.perf_counter() - t0
    assert n == wl.records
    return {
        "size": size,
        "write_s": t_write,
        "read_s": t_read,
        "java": java_baseline(wl.name, compression, path + ".java"),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer records")
    args = ap.parse_args(argv)
    scale = 10 if args.quick else 1
    workloads = [
        Workload("small", LONG_WRITABLE, TEXT, 500_000 // scale, _small),
        Workload("large", TEXT, BYTES_WRITABLE, 4_000 // scale, _large),
    ]
    hdr = (
        f"{'workload':<8} {'compr':<6} {'records':>8} {'file MB':>8} "
        f"{'write MB/s':>11} {'write rec/s':>12} {'read MB/s':>10} {'read rec/s':>11} "
        f"{'java w/r MB/s':>14}"
    )
    print(hdr)
    print("-" * len(hdr))
    with tempfile.TemporaryDirectory() as tmp:
        for wl in workloads:
            raw_size = None
            for compression in ("none", "block"):
                res = _bench(wl, compression, tmp)
                if raw_size is None:
                    raw_size = res["size"]
                # MB/s over the uncompressed (NONE) file size, so rows compare.
                mb = raw_size / 1e6
                java = res["java"]
                java_s = "-" if java is None else f"{java[0]:.0f}/{java[1]:.0f}"
                print(
                    f"{wl.name:<8} {compression:<6} {wl.records:>8} {res['size'] / 1e6:>8.1f} "
                    f"{mb / res['write_s']:>11.1f} {wl.records / res['write_s']:>12.0f} "
                    f"{mb / res['read_s']:>10.1f} {wl.records / res['read_s']:>11.0f} {java_s:>14}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
