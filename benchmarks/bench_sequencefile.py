"""SequenceFile write/read throughput.

Run ``python benchmarks/bench_sequencefile.py [--quick]``.  Prints one row per
(workload, compression): MB/s and records/s for writing and reading, plus a
Java columns from Hadoop's own SequenceFile (tests/io/java/SeqTool.java, compiled against
``HAMA_TEST_HADOOP_CLASSPATH`` or tests/cluster/lib) and the ratio hama-yarn / Java;
``-`` when no JDK or jars are available.

Workloads:

* ``small``: LongWritable -> Text, ~50-byte values.
* ``large``: Text -> BytesWritable, 64 KiB values.
"""

from __future__ import annotations

import argparse
import os
import subprocess
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


_JAVA: list[str] | None = None
_JAVA_TRIED = False


def _java_command() -> list[str] | None:
    """Compile tests/io/java/SeqTool.java once; the ``java ... SeqTool`` prefix, or None."""
    global _JAVA, _JAVA_TRIED
    if _JAVA_TRIED:
        return _JAVA
    _JAVA_TRIED = True
    classpath = os.environ.get("HAMA_TEST_HADOOP_CLASSPATH")
    lib = os.environ.get("HAMA_TEST_LIB_DIR") or str(Path(__file__).resolve().parents[1] / "tests/cluster/lib")
    if not classpath and not Path(lib).is_dir():
        return None
    classpath = classpath or f"{lib}/*"
    src = Path(__file__).resolve().parents[1] / "tests/io/java/SeqTool.java"
    out = tempfile.mkdtemp(prefix="seqtool-")
    try:
        subprocess.run(["javac", "-nowarn", "-cp", classpath, "-d", out, str(src)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"(java baseline unavailable: {exc})", file=sys.stderr)
        return None
    opts = os.environ.get("HAMA_TEST_JDK_JAVA_OPTIONS", "").split()
    _JAVA = ["java", *opts, "-cp", f"{out}:{classpath}", "SeqTool"]
    return _JAVA


def java_baseline(workload: str, compression: str, path: str, py_file: str = "", records: int = 0
                  ) -> tuple[float, float] | None:
    """Return (write seconds, read seconds) of Hadoop's Java SequenceFile.

    Java writes the same workload to *path* and reads *py_file*, the file hama-yarn
    wrote in the same run (tests/io/java/SeqTool.java ``bench``).

    Parameters
    ----------
    workload : str
        ``"small"`` or ``"large"``.
    compression : str
        ``"none"`` or ``"block"``.
    path : str
        Scratch file for the Java writer.
    py_file : str
        The file hama-yarn wrote (read by Java).
    records : int
        Number of records.

    Returns
    -------
    tuple of (float, float) or None
        None when no Hadoop jars / JDK are available.
    """
    cmd = _java_command()
    if cmd is None or not py_file:
        return None
    p = subprocess.run([*cmd, "bench", workload, compression, path, py_file, str(records)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(f"(java bench failed: {p.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
        return None
    write_s, read_s, _size = p.stdout.split()
    return float(write_s), float(read_s)


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
        "java": java_baseline(wl.name, compression, path + ".java", path, wl.records),
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
        f"{'java w MB/s':>11} {'java r MB/s':>11} {'ratio w':>8} {'ratio r':>8}"
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
                if java is None:
                    jw = jr = rw = rr = "-"
                else:
                    jw, jr = f"{mb / java[0]:.1f}", f"{mb / java[1]:.1f}"
                    rw, rr = f"{java[0] / res['write_s']:.0%}", f"{java[1] / res['read_s']:.0%}"
                print(
                    f"{wl.name:<8} {compression:<6} {wl.records:>8} {res['size'] / 1e6:>8.1f} "
                    f"{mb / res['write_s']:>11.1f} {wl.records / res['write_s']:>12.0f} "
                    f"{mb / res['read_s']:>10.1f} {wl.records / res['read_s']:>11.0f} "
                    f"{jw:>11} {jr:>11} {rw:>8} {rr:>8}"
                )
    print("ratio = hama-yarn throughput / Java Hadoop throughput (same workload, same run; "
          "Java reads the file hama-yarn wrote)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
