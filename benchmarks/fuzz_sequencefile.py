"""Fuzz :class:`hama_yarn.io.sequencefile.SequenceFileReader` with corrupt files.

Run ``python benchmarks/fuzz_sequencefile.py [--cases N] [--seed S]``
(default 12,000 cases).  A seeded mutator starts from valid files of every
compression type (NONE / RECORD / BLOCK), several codecs and Writable
types, corrupts them (bit flips, byte overwrites, truncation in every region,
insertions, deletions, corrupted length fields with huge values, corrupted
sync markers, random headers, splices of two files, stacked mutations) and
reads them back in one of several ways (full iteration from a path, a
``BytesIO`` or a non-seekable stream, ``raw=True``, ``read_record`` loops,
``iter_split`` over random tilings and ranges, ``sync()`` to random offsets).

Every case must either succeed or raise a
:class:`~hama_yarn.io.sequencefile.SequenceFileError` that names the file and
a byte offset inside it (0 .. file size).  Anything else is a violation:

* any other exception escaping (``IndexError``, ``struct.error``,
  ``UnicodeDecodeError``, ``MemoryError``, ``zlib.error``, ``RecursionError``...);
* a case running past the per-case time budget (hangs are interrupted with
  ``SIGALRM``);
* a case whose peak traced allocation exceeds the memory budget, or that
  asks the file object for a single read of more than the memory budget
  (a corrupt length field must be rejected before it is allocated).

The script prints a table (cases, cases per mutation class and read mode,
errors by type, max/mean time per case, peak memory, cases/s) and exits 1 on
the first violation after printing a minimised reproducer (hex of the file
and the read mode).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import signal
import struct
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hama_yarn.io.codecs import available_codecs  # noqa: E402
from hama_yarn.io.sequencefile import (  # noqa: E402
    SYNC_SIZE,
    SequenceFileError,
    SequenceFileReader,
    SequenceFileWriter,
)
from hama_yarn.io.writables import decode_vlong, encode_vlong  # noqa: E402

TIME_BUDGET = 2.0  # seconds per case
HARD_TIMEOUT = 10.0  # interrupt a case (hang) after this many seconds
MEMORY_BUDGET = 64 << 20  # bytes: peak traced allocation / largest single read request
NAME = "fuzz.seq"

_W = "org.apache.hadoop.io."
_H = "org.apache.hama.commons.io."

# (key class, value class, key factory, value factory)
KV_TYPES: list[tuple[str, str, Callable[[int], Any], Callable[[int], Any]]] = [
    (_W + "LongWritable", _W + "Text", lambda i: i, lambda i: f"value-{i}-" + "x" * (i % 13)),
    (_W + "Text", _W + "BytesWritable", lambda i: f"k{i}", lambda i: bytes(range(i % 40))),
    (_W + "IntWritable", _W + "DoubleWritable", lambda i: i * 7 - 50, lambda i: i / 3),
    (_W + "VIntWritable", _W + "VLongWritable", lambda i: i * 1000, lambda i: -(i**5)),
    (_W + "NullWritable", _W + "MapWritable", lambda i: None, lambda i: {f"a{i}": i, "b": f"t{i}"}),
    (_W + "BooleanWritable", _H + "VectorWritable", lambda i: i % 2 == 0, lambda i: [float(j) for j in range(i % 6)]),
    (_W + "FloatWritable", _H + "TextArrayWritable", lambda i: i + 0.25, lambda i: [f"s{j}" for j in range(i % 4)]),
    (_W + "Text", _H + "StringArrayWritable", lambda i: "ü" * (i % 3), lambda i: ["é", f"z{i}"]),
    (_W + "LongWritable", _H + "DenseVectorWritable", lambda i: i, lambda i: [float(j) for j in range(i % 5)]),
]


@dataclass
class Seed:
    """A valid SequenceFile and where its fields are."""

    name: str
    data: bytes
    header_end: int
    # (offset, width, kind) of length fields: kind "i32" or "vint"
    lengths: list[tuple[int, int, str]] = field(default_factory=list)
    syncs: list[int] = field(default_factory=list)  # offsets of 16-byte sync markers


def _write(kv: int, compression: str, codec: str, n: int, rng: random.Random) -> bytes:
    kc, vc, kf, vf = KV_TYPES[kv]
    buf = io.BytesIO()
    md = {f"m{j}": "v" * j for j in range(rng.randrange(3))}
    with SequenceFileWriter(buf, kc, vc, compression, codec, md, sync_interval=rng.choice([60, 200, 2000]),
                            block_size=rng.choice([80, 300, 5000]),
                            sync_marker=bytes(rng.randrange(256) for _ in range(16))) as w:
        for i in range(n):
            w.append(kf(i), vf(i))
    return buf.getvalue()


def _index(name: str, data: bytes) -> Seed:
    """Locate the header's text lengths, records' / blocks' length fields and sync markers."""
    r = SequenceFileReader(io.BytesIO(data), raw=True)
    seed = Seed(name, data, r.header_end)
    # header: magic(4) keyclass vint, valueclass vint
    off = 4
    for _ in range(2):
        n, e = decode_vlong(data, off)
        seed.lengths.append((off, e - off, "vint"))
        off = e + n
    off += 2
    if r.codec_class is not None:
        n, e = decode_vlong(data, off)
        seed.lengths.append((off, e - off, "vint"))
        off = e + n
    seed.lengths.append((off, 4, "i32"))  # metadata count
    seed.syncs.append(r.header_end - 16)
    block = r.compression.value == "block"
    seen: set[int] = set()
    for pos, _, _ in r.iter_with_positions():
        if pos in seen:
            continue
        seen.add(pos)
        p = pos
        if data[p : p + 4] == b"\xff\xff\xff\xff":
            seed.syncs.append(p + 4)
            p += SYNC_SIZE
        if block:
            for j in range(5):  # record count, then 4 (compressed length, bytes)
                n, e = decode_vlong(data, p)
                seed.lengths.append((p, e - p, "vint"))
                p = e if j == 0 else e + n
        else:
            seed.lengths.append((p, 4, "i32"))
            seed.lengths.append((p + 4, 4, "i32"))
    r.close()
    return seed


def build_seeds(rng: random.Random) -> list[Seed]:
    codecs = [c for c in ("default", "gzip", "bzip2", "lz4", "snappy", "zstd", "deflate") if c in available_codecs()]
    seeds: list[Seed] = []
    for kv in range(len(KV_TYPES)):
        seeds.append(_index(f"kv{kv}/none", _write(kv, "none", "default", rng.choice([0, 1, 5, 30]), rng)))
        for comp in ("record", "block"):
            codec = codecs[(kv + (comp == "block") * 3) % len(codecs)]
            seeds.append(_index(f"kv{kv}/{comp}/{codec}", _write(kv, comp, codec, rng.choice([1, 5, 30]), rng)))
    for codec in codecs:  # every codec in both compressed modes
        for comp in ("record", "block"):
            seeds.append(_index(f"kv0/{comp}/{codec}/big", _write(0, comp, codec, 40, rng)))
    return seeds


# ---------------------------------------------------------------------------
# Mutations

INTERESTING_I32 = [0, 1, -1, -2, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, -0x80000000, 0x40000000, 0x10000000,
                   0x7FFFFFF0]
INTERESTING_VLONG = [0, 1, -1, 127, 128, -113, 255, 1 << 20, 0x7FFFFFFF, 1 << 31, 1 << 40, (1 << 63) - 1, -(1 << 63),
                     -(1 << 31)]


def _pos(rng: random.Random, s: Seed, d: bytearray, end: int = 0) -> int:
    """A position in ``d`` (``end=1``: may be ``len(d)``), mostly after the header."""
    lo = s.header_end if rng.random() < 0.75 and s.header_end < len(d) else 0
    return rng.randrange(lo, len(d) + end)


def m_bitflip(rng: random.Random, s: Seed, d: bytearray) -> bytearray:
    for _ in range(rng.randint(1, 8)):
        if d:
            d[_pos(rng, s, d)] ^= 1 << rng.randrange(8)
    return d


def m_overwrite(rng: random.Random, s: Seed, d: bytearray) -> bytearray:
    for _ in range(rng.randint(1, 6)):
        if not d:
            break
        p = _pos(rng, s, d)
        n = rng.randint(1, 8)
        val = bytes(rng.choice([0, 0xFF, 0x7F, 0x80, 0x8F, 0x88, rng.randrange(256)]) for _ in range(n))
        d[p : p + n] = val[: len(d) - p]
    return d


def m_truncate(rng: random.Random, s: Seed, d: bytearray) -> bytearray:
    region = rng.choice(["header", "body", "end", "field", "sync"])
    if region == "header":
        cut = rng.randrange(s.header_end + 1)
    elif region == "end":
        cut = max(0, len(d) - rng.randint(1, 24))
    elif region == "field" and s.lengths:
        o, w, _ = rng.choice(s.lengths)
        cut = o + rng.randrange(w + 1)
    elif region == "sync" and s.syncs:
        cut = rng.choice(s.syncs) - 4 + rng.randrange(SYNC_SIZE + 1)
    else:
        cut = rng.randrange(len(d) + 1)
    return d[: max(0, cut)]


def m_insert(rng: random.Random, s: Seed, d: bytearray) -> bytearray:
    p = _pos(rng, s, d, 1)
    n = rng.choice([1, 2, 4, rng.randint(1, 64)])
    d[p:p] = bytes(rng.randrange(256) for _ in range(n))
    return d


def m_delete(rng: random.Random, s: Seed, d: bytearray) -> bytearray:
    if d:
        p = _pos(rng, s, d)
        del d[p : p + rng.choice([1, 2, 4, rng.randint(1, 64)])]
    return d


def m_length(rng: random.Random, s: Seed, d: bytearray) -> bytearray:
    if not s.lengths or not d:
        return m_overwrite(rng, s, d)
    if rng.random() < 0.3:  # an int32 inside a key/value (array counts, vector sizes, ...)
        p = _pos(rng, s, d)
        d[p : p + 4] = struct.pack(">i", rng.choice(INTERESTING_I32))
        return d
    for _ in range(rng.randint(1, 2)):
        o, w, kind = rng.choice(s.lengths)
        if kind == "i32":
            v = rng.choice(INTERESTING_I32 + [len(d), len(d) - o, len(d) - o + 1, rng.randrange(-(1 << 31), 1 << 31)])
            v = ((v + (1 << 31)) % (1 << 32)) - (1 << 31)
            d[o : o + 4] = struct.pack(">i", v)
        else:
            try:  # an earlier (stacked) mutation may have cut the field
                old = decode_vlong(bytes(d), o)[0]
            except IndexError:
                old = 0
            v = rng.choice(INTERESTING_VLONG + [old + 1, old - 1, old * 2, len(d), rng.randrange(-(1 << 63), 1 << 63)])
            v = ((v + (1 << 63)) % (1 << 64)) - (1 << 63)
            d[o : o + w] = encode_vlong(v)
    return d


def m_sync(rng: random.Random, s: Seed, d: bytearray) -> bytearray:
    choice = rng.randrange(4)
    o = rng.choice(s.syncs)
    if choice == 0:  # flip a marker byte
        if o + 16 <= len(d):
            d[o + rng.randrange(16)] ^= 1 << rng.randrange(8)
    elif choice == 1:  # break the escape
        if o >= 4:
            d[o - 4 : o] = struct.pack(">i", rng.choice([-2, 0, 0x7FFFFFFF, 20]))
    elif choice == 2:  # insert a spurious escape + marker (or escape + garbage) somewhere
        p = rng.randrange(s.header_end, len(d) + 1) if len(d) >= s.header_end else len(d)
        marker = bytes(d[s.header_end - 16 : s.header_end]) if rng.random() < 0.7 else os.urandom(16)
        d[p:p] = b"\xff\xff\xff\xff" + marker
    else:  # remove a marker
        del d[max(0, o - 4) : o + 16]
    return d


def m_header(rng: random.Random, s: Seed, d: bytearray) -> bytearray:
    kind = rng.randrange(5)
    if kind == 0 and len(d) > 3:  # version byte
        d[3] = rng.choice([0, 1, 3, 4, 5, 6, 7, 255])
    elif kind == 1:  # flags region
        o = rng.randrange(min(len(d), s.header_end) or 1)
        if o < len(d):
            d[o] = rng.choice([0, 1, 2, 0xFF, 0x80])
    elif kind == 2:  # random header, original body
        classes = [c for c, _, _, _ in KV_TYPES] + [v for _, v, _, _ in KV_TYPES] + ["x.Nope", "", "\udcff"]
        codecs = ["org.apache.hadoop.io.compress." + c for c in ("DefaultCodec", "GzipCodec", "BZip2Codec",
                                                                 "Lz4Codec", "SnappyCodec", "ZStandardCodec", "X")]

        def text(t: str) -> bytes:
            b = t.encode("utf-8", "surrogatepass")
            return encode_vlong(len(b)) + b

        comp, block = rng.choice([(0, 0), (1, 0), (1, 1), (0, 1), (2, 0)])
        h = b"SEQ" + bytes((rng.choice([4, 5, 6, 6, 6]),)) + text(rng.choice(classes)) + text(rng.choice(classes))
        h += bytes((comp, block))
        if comp:
            h += text(rng.choice(codecs))
        h += struct.pack(">i", rng.choice([0, 1, 2, -1, 0x7FFFFFFF]))
        h += bytes(d[s.header_end - 16 : s.header_end])
        d = bytearray(h) + d[s.header_end :]
    elif kind == 3:  # garbage after magic
        n = rng.randint(0, 80)
        d = bytearray(b"SEQ" + bytes(rng.randrange(256) for _ in range(n)))
    else:  # overwrite a random header byte range
        if s.header_end:
            p = rng.randrange(s.header_end)
            n = rng.randint(1, 6)
            d[p : p + n] = bytes(rng.randrange(256) for _ in range(n))
    return d


def m_splice(rng: random.Random, s: Seed, d: bytearray, other: bytes = b"") -> bytearray:
    a = rng.randrange(len(d) + 1)
    b = rng.randrange(len(other) + 1)
    return d[:a] + bytearray(other[b:])


MUTATIONS: dict[str, Callable[..., bytearray]] = {
    "bitflip": m_bitflip,
    "overwrite": m_overwrite,
    "truncate": m_truncate,
    "insert": m_insert,
    "delete": m_delete,
    "length": m_length,
    "sync": m_sync,
    "header": m_header,
    "splice": m_splice,
}


def mutate(rng: random.Random, seeds: list[Seed]) -> tuple[str, Seed, bytes]:
    s = rng.choice(seeds)
    d = bytearray(s.data)
    if rng.random() < 0.15:
        names = [rng.choice(list(MUTATIONS)) for _ in range(rng.randint(2, 4))]
        label = "stacked"
    else:
        names = [rng.choice(list(MUTATIONS))]
        label = names[0]
    for n in names:
        if n == "splice":
            d = m_splice(rng, s, d, rng.choice(seeds).data)
        else:
            d = MUTATIONS[n](rng, s, d)
    return label, s, bytes(d)


# ---------------------------------------------------------------------------
# Reading


class NamedBytesIO(io.BytesIO):
    """A BytesIO with a name (so errors can name it) that records its largest read request."""

    def __init__(self, data: bytes, name: str = NAME) -> None:
        super().__init__(data)
        self.name = name
        self.max_read = 0

    def read(self, n: int | None = -1) -> bytes:
        if n is not None and n > self.max_read:
            self.max_read = n
        return super().read(n)


class Stream:
    """A non-seekable stream (no tell/seek): the reader does not know the file size."""

    def __init__(self, data: bytes, name: str = NAME) -> None:
        self._b = io.BytesIO(data)
        self.name = name
        self.max_read = 0

    def read(self, n: int = -1) -> bytes:
        if n > self.max_read:
            self.max_read = n
        return self._b.read(n)


@dataclass
class ReadMode:
    """How a case reads its file (reproducible from this description)."""

    source: str  # "path", "bytesio", "stream"
    raw: bool
    action: str  # "iter", "records", "splits", "range", "sync"
    params: tuple[int, ...] = ()
    buffer_size: int = 1 << 20


def choose_mode(rng: random.Random, size: int) -> ReadMode:
    action = rng.choice(["iter", "iter", "records", "splits", "range", "sync"])
    source = rng.choice(["path", "bytesio", "bytesio", "stream"]) if action in ("iter", "records") else rng.choice(
        ["path", "bytesio"])
    params: tuple[int, ...] = ()
    if action == "splits":
        params = (rng.randint(1, max(1, size // rng.randint(1, 6))),)
    elif action == "range":
        params = (rng.randrange(size + 40), rng.randrange(size + 40))
    elif action == "sync":
        params = tuple(rng.randrange(size + 40) for _ in range(rng.randint(1, 3)))
    return ReadMode(source, rng.random() < 0.2, action, params, rng.choice([1 << 20, 1 << 20, 64, 100]))


def run_read(data: bytes, mode: ReadMode, tmpdir: str) -> int:
    """Read ``data`` as ``mode`` says; return the number of records read.

    Returns the largest single read request through ``max_read`` checks by the caller.
    """
    src: Any
    path = os.path.join(tmpdir, NAME)
    if mode.source == "path":
        with open(path, "wb") as f:
            f.write(data)
        src = path
    elif mode.source == "bytesio":
        src = NamedBytesIO(data, path)
    else:
        src = Stream(data, path)
    global _LAST_SRC
    _LAST_SRC = src
    n = 0
    with SequenceFileReader(src, raw=mode.raw, buffer_size=mode.buffer_size) as r:
        if mode.action == "iter":
            for _ in r:
                n += 1
        elif mode.action == "records":
            while r.read_record() is not None:
                n += 1
        elif mode.action == "splits":
            step = mode.params[0]
            for start in range(0, len(data), step):
                for _ in r.iter_split(start, step):
                    n += 1
        elif mode.action == "range":
            for _ in r.iter_split(mode.params[0], mode.params[1]):
                n += 1
        else:
            for p in mode.params:
                r.sync(p)
                for _ in r.iter_with_positions():
                    n += 1
    return n


_LAST_SRC: Any = None


class CaseTimeout(BaseException):
    """Raised by SIGALRM inside a case that hangs."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise CaseTimeout


@dataclass
class Outcome:
    """Result of one case."""

    error: str  # "ok" or the exception type name
    violation: str | None
    seconds: float
    peak: int
    exc: BaseException | None = None


def check_case(data: bytes, mode: ReadMode, tmpdir: str) -> Outcome:
    """Run one case and judge it."""
    path = os.path.join(tmpdir, NAME)
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    signal.setitimer(signal.ITIMER_REAL, HARD_TIMEOUT)
    t0 = time.perf_counter()
    exc: BaseException | None = None
    try:
        run_read(data, mode, tmpdir)
    except CaseTimeout as e:
        exc = e
    except BaseException as e:  # noqa: BLE001 - the point is to classify everything
        exc = e
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    dt = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] - base
    violation: str | None = None
    name = "ok" if exc is None else type(exc).__name__
    if isinstance(exc, CaseTimeout):
        violation = f"hang: interrupted after {HARD_TIMEOUT} s"
    elif exc is not None and not isinstance(exc, SequenceFileError):
        violation = f"uncaught {type(exc).__name__}: {exc}"
    elif isinstance(exc, SequenceFileError):
        if exc.path != path:
            violation = f"{name} names {exc.path!r}, not the file {path!r}: {exc}"
        elif exc.offset is None or not 0 <= exc.offset <= len(data):
            violation = f"{name} has offset {exc.offset} outside 0..{len(data)}: {exc}"
    if violation is None and dt > TIME_BUDGET:
        violation = f"slow: {dt:.2f} s > {TIME_BUDGET} s budget"
    if violation is None and peak > MEMORY_BUDGET:
        violation = f"memory: peak {peak / 2**20:.1f} MiB > {MEMORY_BUDGET >> 20} MiB budget"
    max_read = getattr(_LAST_SRC, "max_read", 0)
    if violation is None and max_read > MEMORY_BUDGET:
        violation = f"memory: asked the stream for a {max_read}-byte read"
    return Outcome(name, violation, dt, peak, exc)


def minimise(data: bytes, mode: ReadMode, tmpdir: str, kind: str, budget: int = 300) -> bytes:
    """Shrink ``data`` while a violation of the same kind persists (greedy chunk removal)."""

    def same(d: bytes) -> bool:
        o = check_case(d, mode, tmpdir)
        return o.violation is not None and o.violation.split(":")[0] == kind

    chunk = max(1, len(data) // 2)
    tries = 0
    while chunk >= 1 and tries < budget:
        i = 0
        progressed = False
        while i < len(data) and tries < budget:
            cand = data[:i] + data[i + chunk :]
            tries += 1
            if same(cand):
                data = cand
                progressed = True
            else:
                i += chunk
        if not progressed:
            chunk //= 2
    return data


def fuzz(cases: int, seed: int, verbose: bool = True) -> int:
    rng = random.Random(seed)
    seeds = build_seeds(random.Random(seed))
    by_mut: Counter[str] = Counter()
    by_mode: Counter[str] = Counter()
    by_err: Counter[str] = Counter()
    max_t = 0.0
    total_t = 0.0
    max_peak = 0
    slowest = ""
    signal.signal(signal.SIGALRM, _alarm)
    tracemalloc.start()
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fuzz-seq-") as tmpdir:
        for i in range(cases):
            label, s, data = mutate(rng, seeds)
            mode = choose_mode(rng, len(data))
            out = check_case(data, mode, tmpdir)
            by_mut[label] += 1
            by_mode[f"{mode.source}/{mode.action}"] += 1
            by_err[out.error] += 1
            total_t += out.seconds
            if out.seconds > max_t:
                max_t = out.seconds
                slowest = f"{label} on {s.name}, {mode.action}"
            max_peak = max(max_peak, out.peak)
            if out.violation is not None:
                kind = out.violation.split(":")[0]
                small = minimise(data, mode, tmpdir, kind)
                final = check_case(small, mode, tmpdir)
                print(f"\nVIOLATION in case {i} (seed {seed}, mutation {label}, from {s.name}):", file=sys.stderr)
                print(f"  {out.violation}", file=sys.stderr)
                print(f"  read mode: {mode}", file=sys.stderr)
                if final.exc is not None and not isinstance(final.exc, SequenceFileError):
                    import traceback

                    traceback.print_exception(final.exc, file=sys.stderr)
                print(f"  minimised ({len(small)} of {len(data)} bytes), reproducer:", file=sys.stderr)
                print(f"    data = bytes.fromhex('{small.hex()}')", file=sys.stderr)
                print(f"    {final.violation}", file=sys.stderr)
                tracemalloc.stop()
                return 1
            if verbose and (i + 1) % 2000 == 0:
                el = time.perf_counter() - t_start
                print(f"  {i + 1} cases, {el:.1f} s", file=sys.stderr)
    tracemalloc.stop()
    elapsed = time.perf_counter() - t_start
    print(f"SequenceFileReader fuzz: {cases} cases, seed {seed}, {len(seeds)} seed files, no violations")
    print(f"{'cases run':<34}{cases:>10}")
    print(f"{'cases/s':<34}{cases / elapsed:>10.0f}")
    print(f"{'wall time (s)':<34}{elapsed:>10.1f}")
    print(f"{'max time per case (ms)':<34}{max_t * 1000:>10.1f}   ({slowest})")
    print(f"{'mean time per case (ms)':<34}{total_t / cases * 1000:>10.2f}")
    print(f"{'max peak traced memory (MiB)':<34}{max_peak / 2**20:>10.2f}")
    print("\nmutation class                      cases")
    for k, v in sorted(by_mut.items()):
        print(f"  {k:<32}{v:>8}")
    print("\nread mode                           cases")
    for k, v in sorted(by_mode.items()):
        print(f"  {k:<32}{v:>8}")
    print("\noutcome                             cases")
    for k, v in by_err.most_common():
        print(f"  {k:<32}{v:>8}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--cases", type=int, default=12_000)
    ap.add_argument("--seed", type=int, default=20240)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    return fuzz(args.cases, args.seed, verbose=not args.quiet)


if __name__ == "__main__":
    sys.exit(main())


