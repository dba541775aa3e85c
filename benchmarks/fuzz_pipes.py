"""Fuzz the framework side of the binary Pipes protocol with mutated child uplink streams.

Run ``python benchmarks/fuzz_pipes.py [--cases N] [--seed S]`` (default 12,000 cases).

Each case is one whole task as :class:`hama_yarn.pipes.binary.BinaryBSP` serves it (setup, bsp,
cleanup, CLOSE): the "child" is the other end of a socket pair that has already sent a complete
uplink stream and then closed its side, while a thread drains the framework's replies.  The
peer is an in-memory fake (three peers' names, typed input records, its own message queue), so
every opcode is served for real: READ_KEYVALUE, WRITE_KEYVALUE, SEND_MSG, GET_MSG(_COUNT), SYNC,
peer names and counts, counters, LOG, REOPEN_INPUT, CLEAR and the SEQFILE_* calls (on files in a
temporary directory; any other path is refused), and the :class:`PipesPartitioner` exchange.

The valid seed streams come from five job shapes (string-only C children; Hama's summation with
Text input, DoubleWritable messages and NullWritable/DoubleWritable output; pi with IntWritable
messages; matrix multiplication with IntWritable keys, PipesVectorWritable values and SequenceFile
calls; a partitioner).  A seeded mutator corrupts them: bit flips, byte overwrites with VInt
boundary bytes, truncation, insertion, deletion, duplicated or dropped commands, huge or
negative length and count fields, random opcodes (including unknown ones), splices of two
streams, and stacks of these.

Every case must either complete or raise :class:`~hama_yarn.pipes.child.ChildError` whose message
names the peer (the child's label), an uplink byte offset inside the stream, and carries the
child's stderr tail.  Anything else is a violation: any other exception, a case that runs past
its time budget (SIGALRM), or an offset outside the stream.  The script prints a table (cases,
cases per job shape and mutation, outcomes, time per case, cases/s) and exits 1 on the first
violation with a minimised reproducer.
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import random
import re
import signal
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hama_yarn.config import HamaConfiguration  # noqa: E402
from hama_yarn.io import sequencefile as _seqmod  # noqa: E402
from hama_yarn.io.writables import encode_vlong  # noqa: E402
from hama_yarn.pipes import binary, typed  # noqa: E402
from hama_yarn.pipes.binary import (  # noqa: E402
    CLEAR, DONE, GET_ALL_PEERNAME, GET_MSG, GET_MSG_COUNT, GET_PEER_COUNT, GET_PEER_INDEX, GET_PEERNAME,
    GET_SUPERSTEP_COUNT, INCREMENT_COUNTER, LOG, PARTITION_RESPONSE, READ_KEYVALUE, REOPEN_INPUT, SEND_MSG,
    SEQFILE_APPEND, SEQFILE_CLOSE, SEQFILE_OPEN, SEQFILE_READNEXT, SYNC, TASK_DONE, WRITE_KEYVALUE,
    BinaryBSP, BinaryChannel, PipesPartitioner,
)
from hama_yarn.pipes.child import ChildError, ChildProcess  # noqa: E402

LABEL = "pipes child of peer 1 (fuzz:1)"
PEERS = ["fuzz:0", "fuzz:1", "fuzz:2"]
CASE_BUDGET_S = 5.0
CHANNEL_TIMEOUT_S = 3.0
STDERR_LINE = "fuzz child: last words"
TEXT, INT, DOUBLE, NULL = ("org.apache.hadoop.io.Text", "org.apache.hadoop.io.IntWritable",
                           "org.apache.hadoop.io.DoubleWritable", "org.apache.hadoop.io.NullWritable")
VECTOR = typed.PIPES_VECTOR


# ---------------------------------------------------------------- the fake child and peer
class _FakeProc:
    """What ChildProcess needs of a Popen: the "child" has exited with status 0."""

    pid = 0
    stdin = None
    stdout = None
    returncode = 0

    def poll(self) -> int:
        return 0

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def kill(self) -> None:
        pass


class FuzzChild(ChildProcess):
    """A :class:`ChildProcess` without a process: the real failure messages (label, status, stderr tail)."""

    def __init__(self) -> None:  # noqa: D107 - no Popen on purpose
        self.cmd = ["fuzz-child"]
        self.label = LABEL
        self._tail = collections.deque([STDERR_LINE], maxlen=40)
        self.proc = _FakeProc()  # type: ignore[assignment]
        self._stderr_thread = threading.Thread(target=lambda: None)
        self._stderr_thread.start()


class FakePeer:
    """An in-memory BSPPeer: three peer names, typed input, a message queue, output and counters."""

    def __init__(self, conf: HamaConfiguration, records: list[tuple[Any, Any]]) -> None:
        self.conf = conf
        self.records = records
        self.pos = 0
        self.step = 0
        self.inbox: list[Any] = []
        self.outbox: list[Any] = []
        self.output: list[tuple[Any, Any]] = []
        self.counters: Counter[tuple[str, str]] = Counter()

    def get_configuration(self) -> HamaConfiguration:
        return self.conf

    def get_peer_name(self) -> str:
        return PEERS[1]

    def get_peer_index(self) -> int:
        return 1

    def get_all_peer_names(self) -> list[str]:
        return list(PEERS)

    def get_num_peers(self) -> int:
        return len(PEERS)

    def get_superstep_count(self) -> int:
        return self.step

    def send(self, name: str, msg: Any) -> None:
        if name not in PEERS:
            raise KeyError(name)
        if name == PEERS[1]:
            self.outbox.append(msg)

    def sync(self) -> None:
        self.step += 1
        self.inbox, self.outbox = self.outbox, []

    def get_current_message(self) -> Any:
        return self.inbox.pop(0) if self.inbox else None

    def get_num_current_messages(self) -> int:
        return len(self.inbox)

    def clear(self) -> None:
        self.inbox.clear()

    def read_next(self) -> tuple[Any, Any] | None:
        if self.pos >= len(self.records):
            return None
        self.pos += 1
        return self.records[self.pos - 1]

    def reopen_input(self) -> None:
        self.pos = 0

    def write(self, key: Any, value: Any) -> None:
        self.output.append((key, value))

    def increment_counter(self, group: str, name: str, amount: int) -> None:
        self.counters[(group, name)] += amount


# ---------------------------------------------------------------- seed streams
class Stream:
    """Builds an uplink stream as a list of commands (each a bytes chunk) for mutators that work per command."""

    def __init__(self, kinds: tuple[str, str, str, str, str]) -> None:
        self.k1, self.v1, self.k2, self.v2, self.m = kinds
        self.cmds: list[bytes] = []

    def cmd(self, op: int, *parts: Any) -> "Stream":
        data = bytearray(encode_vlong(op))
        for kind, value in parts:
            data += _encode(kind, value)
        self.cmds.append(bytes(data))
        return self


def _encode(kind: str, value: Any) -> bytes:
    out = bytearray()

    class _Sink:
        def vint(self, v: int) -> None:
            out.extend(encode_vlong(v))

        def string(self, v: str) -> None:
            raw = v.encode()
            out.extend(encode_vlong(len(raw)))
            out.extend(raw)

        def raw(self, v: bytes) -> None:
            out.extend(v)

    typed.put(_Sink(), kind, value)  # type: ignore[arg-type]
    return bytes(out)


S, V = typed.STRING, typed.VINT


@dataclass
class Shape:
    """A job shape: its configuration, fake input, and seed streams."""

    name: str
    conf: dict[str, str]
    records: list[tuple[Any, Any]]
    seeds: list[list[bytes]]
    partitioner: bool = False


def _common(st: Stream, rng: random.Random, tmpdir: str) -> None:
    st.cmd(GET_PEER_COUNT).cmd(GET_PEER_INDEX).cmd(GET_ALL_PEERNAME).cmd(GET_PEERNAME, (V, -1))
    st.cmd(GET_PEERNAME, (V, rng.randrange(-2, 5))).cmd(GET_SUPERSTEP_COUNT).cmd(LOG, (S, "hello from fuzz"))


def build_shapes(tmpdir: str, rng: random.Random) -> list[Shape]:
    shapes: list[Shape] = []
    dbl = typed.DOUBLE

    # string-only children (the C library, Hama's defaults)
    seeds = []
    for _ in range(4):
        st = Stream((S, S, S, S, S))
        _common(st, rng, tmpdir)
        st.cmd(TASK_DONE)
        for _ in range(rng.randrange(1, 4)):
            st.cmd(READ_KEYVALUE)
        st.cmd(REOPEN_INPUT).cmd(READ_KEYVALUE)
        for i in range(rng.randrange(1, 4)):
            st.cmd(SEND_MSG, (S, PEERS[rng.randrange(3)]), (S, f"msg {i}"))
        st.cmd(SYNC).cmd(GET_MSG_COUNT).cmd(GET_MSG).cmd(GET_MSG).cmd(CLEAR).cmd(GET_MSG)
        st.cmd(INCREMENT_COUNTER, (S, "pipes"), (S, "api"), (V, rng.randrange(1, 1 << 40)))
        st.cmd(WRITE_KEYVALUE, (S, "key"), (S, "value ünï"))
        st.cmd(TASK_DONE).cmd(WRITE_KEYVALUE, (S, "cleanup"), (S, "1")).cmd(TASK_DONE).cmd(DONE)
        seeds.append(st.cmds)
    shapes.append(Shape("strings", {}, [(f"k{i}", f"v{i}") for i in range(3)], seeds))

    # summation: Text input, DoubleWritable messages, NullWritable -> DoubleWritable output
    seeds = []
    for _ in range(4):
        st = Stream((S, S, typed.NULL, dbl, dbl))
        st.cmd(TASK_DONE)
        for _ in range(3):
            st.cmd(READ_KEYVALUE)
        st.cmd(SEND_MSG, (S, PEERS[1]), (dbl, rng.random() * 100)).cmd(SYNC).cmd(GET_PEER_INDEX)
        st.cmd(GET_MSG_COUNT).cmd(GET_MSG).cmd(GET_MSG).cmd(WRITE_KEYVALUE, (typed.NULL, None), (dbl, 55.0))
        st.cmd(TASK_DONE).cmd(TASK_DONE).cmd(DONE)
        seeds.append(st.cmds)
    shapes.append(Shape("summation", {"bsp.input.key.class": TEXT, "bsp.input.value.class": TEXT,
                                      "bsp.output.key.class": NULL, "bsp.output.value.class": DOUBLE,
                                      "bsp.message.class": DOUBLE},
                        [(f"key{i}", f"{i}.0") for i in range(1, 4)], seeds))

    # pi: no input, IntWritable messages, sorted queue
    seeds = []
    for _ in range(3):
        st = Stream((S, S, typed.NULL, dbl, V))
        st.cmd(TASK_DONE).cmd(READ_KEYVALUE)
        for _ in range(2):
            st.cmd(SEND_MSG, (S, PEERS[1]), (V, rng.randrange(-(1 << 33), 1 << 33)))
        st.cmd(INCREMENT_COUNTER, (S, "pipes"), (S, "darts"), (V, 1000)).cmd(SYNC).cmd(GET_MSG_COUNT)
        st.cmd(GET_MSG).cmd(GET_MSG).cmd(GET_MSG).cmd(WRITE_KEYVALUE, (typed.NULL, None), (dbl, 3.14))
        st.cmd(TASK_DONE).cmd(TASK_DONE).cmd(DONE)
        seeds.append(st.cmds)
    shapes.append(Shape("pi", {"bsp.output.key.class": NULL, "bsp.output.value.class": DOUBLE,
                               "bsp.message.class": INT,
                               "hama.messenger.receive.queue.class": "sorted"}, [], seeds))

    # matrix multiplication: IntWritable -> PipesVectorWritable, SequenceFile calls on files in tmpdir
    bpath = os.path.join(tmpdir, "b.seq")
    with _seqmod.SequenceFileWriter(bpath, INT, VECTOR) as w:
        for i in range(3):
            w.append(i, ", ".join(repr(float(i + j)) for j in range(3)))
    seeds = []
    for n in range(4):
        st = Stream((V, S, V, S, S))
        st.cmd(TASK_DONE).cmd(READ_KEYVALUE).cmd(READ_KEYVALUE)
        st.cmd(SEQFILE_OPEN, (S, bpath), (S, "r"), (S, INT), (S, VECTOR))
        for _ in range(4):
            st.cmd(SEQFILE_READNEXT, (V, 1))
        st.cmd(SEQFILE_CLOSE, (V, 1))
        wpath = os.path.join(tmpdir, f"w{n}-{rng.randrange(1 << 30)}.seq")
        st.cmd(SEQFILE_OPEN, (S, wpath), (S, "w"), (S, INT), (S, VECTOR))
        st.cmd(SEQFILE_APPEND, (V, 2), (V, 7), (S, "1.0,2.0")).cmd(SEQFILE_CLOSE, (V, 2))
        st.cmd(SEND_MSG, (S, PEERS[1]), (S, ":3:1.5,2.5")).cmd(SYNC).cmd(GET_MSG_COUNT).cmd(GET_MSG)
        st.cmd(WRITE_KEYVALUE, (V, 3), (S, "1.5, 2.5")).cmd(TASK_DONE).cmd(TASK_DONE).cmd(DONE)
        seeds.append(st.cmds)
    shapes.append(Shape("matrix", {"bsp.input.key.class": INT, "bsp.input.value.class": VECTOR,
                                   "bsp.output.key.class": INT, "bsp.output.value.class": VECTOR,
                                   "bsp.message.class": typed.PIPES_KEY_VALUE,
                                   "hama.messenger.receive.queue.class": "sorted"},
                        [(i, "1.0, 2.0, 3.0") for i in range(3)], seeds))

    # PipesPartitioner: PARTITION_RESPONSE per record, then DONE on close
    seeds = []
    for _ in range(2):
        st = Stream((S, S, S, S, S))
        for i in range(4):
            st.cmd(PARTITION_RESPONSE, (V, rng.randrange(-3, 7)))
        st.cmd(DONE)
        seeds.append(st.cmds)
    shapes.append(Shape("partitioner", {}, [(f"k{i}", f"{i}") for i in range(4)], seeds, partitioner=True))
    return shapes


# ---------------------------------------------------------------- mutators
INTERESTING = [0x00, 0x01, 0x7F, 0x80, 0x8F, 0x88, 0x87, 0x90, 0xFF, 0xF0, 0x1F, 0x63]
HUGE = [2**31, 2**31 - 1, -1, -2, 2**62, -(2**63), 2**30 + 1, 1 << 40, 99, 33, 40]


def _flat(cmds: list[bytes]) -> bytearray:
    return bytearray(b"".join(cmds))


def m_bitflip(rng: random.Random, cmds: list[bytes], other: list[bytes]) -> bytearray:
    d = _flat(cmds)
    for _ in range(rng.randrange(1, 4)):
        i = rng.randrange(len(d))
        d[i] ^= 1 << rng.randrange(8)
    return d


def m_overwrite(rng: random.Random, cmds: list[bytes], other: list[bytes]) -> bytearray:
    d = _flat(cmds)
    i = rng.randrange(len(d))
    d[i] = rng.choice(INTERESTING) if rng.random() < 0.7 else rng.randrange(256)
    return d


def m_truncate(rng: random.Random, cmds: list[bytes], other: list[bytes]) -> bytearray:
    d = _flat(cmds)
    return d[: rng.randrange(len(d))]


def m_insert(rng: random.Random, cmds: list[bytes], other: list[bytes]) -> bytearray:
    d = _flat(cmds)
    i = rng.randrange(len(d) + 1)
    d[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
    return d


def m_delete(rng: random.Random, cmds: list[bytes], other: list[bytes]) -> bytearray:
    d = _flat(cmds)
    i = rng.randrange(len(d))
    del d[i:i + rng.randrange(1, 9)]
    return d


def m_commands(rng: random.Random, cmds: list[bytes], other: list[bytes]) -> bytearray:
    """Drop, duplicate or swap whole commands (the protocol order is broken, the framing is not)."""
    c = list(cmds)
    i, j = rng.randrange(len(c)), rng.randrange(len(c))
    action = rng.randrange(3)
    if action == 0:
        del c[i]
    elif action == 1:
        c.insert(i, c[j])
    else:
        c[i], c[j] = c[j], c[i]
    return _flat(c)


def m_length(rng: random.Random, cmds: list[bytes], other: list[bytes]) -> bytearray:
    """Replace a VInt inside a command (a length, count, index or amount) with a huge or negative one."""
    c = list(cmds)
    i = rng.randrange(len(c))
    body = bytearray(c[i])
    if len(body) > 1:
        at = rng.randrange(1, len(body))
        body[at:at + 1] = encode_vlong(rng.choice(HUGE))
    c[i] = bytes(body)
    return _flat(c)


def m_opcode(rng: random.Random, cmds: list[bytes], other: list[bytes]) -> bytearray:
    """Insert a bare opcode (any of 0..40, unknown ones, negative) between commands."""
    c = list(cmds)
    op = rng.choice([rng.randrange(0, 41), 99, 127, 128, -1, -200, 1 << 35])
    c.insert(rng.randrange(len(c) + 1), encode_vlong(op) + bytes(rng.randrange(256) for _ in range(rng.randrange(3))))
    return _flat(c)


def m_splice(rng: random.Random, cmds: list[bytes], other: list[bytes]) -> bytearray:
    a, b = _flat(cmds), _flat(other)
    return a[: rng.randrange(len(a) + 1)] + b[rng.randrange(len(b) + 1):]


MUTATORS: dict[str, Callable[[random.Random, list[bytes], list[bytes]], bytearray]] = {
    "bitflip": m_bitflip, "overwrite": m_overwrite, "truncate": m_truncate, "insert": m_insert,
    "delete": m_delete, "commands": m_commands, "length": m_length, "opcode": m_opcode, "splice": m_splice,
}


def mutate(rng: random.Random, shape: Shape) -> tuple[str, bytes]:
    seed = rng.choice(shape.seeds)
    other = rng.choice(shape.seeds)
    if rng.random() < 0.2:  # stacked
        names = rng.sample(sorted(MUTATORS), 2)
        d = MUTATORS[names[0]](rng, seed, other)
        d = MUTATORS[names[1]](rng, [bytes(d)] if d else [b"\x00"], other)
        return "+".join(names), bytes(d)
    name = rng.choice(sorted(MUTATORS))
    return name, bytes(MUTATORS[name](rng, seed, other))


# ---------------------------------------------------------------- one case
class _Hang(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Hang()


@dataclass
class Outcome:
    result: str
    seconds: float
    violation: str | None = None
    exc: BaseException | None = None


def _guarded(tmpdir: str) -> tuple[type[_seqmod.SequenceFileReader], type[_seqmod.SequenceFileWriter]]:
    """SequenceFile classes that refuse paths outside *tmpdir* (a mutated path never touches the machine)."""
    root = os.path.realpath(tmpdir) + os.sep

    def check(path: Any) -> None:
        if not isinstance(path, str) or not os.path.realpath(path).startswith(root):
            raise OSError(f"fuzz: path outside the sandbox refused: {path!r}")

    class Reader(_ORIG_READER):
        def __init__(self, path: Any, *a: Any, **k: Any) -> None:
            check(path)
            super().__init__(path, *a, **k)

    class Writer(_ORIG_WRITER):
        def __init__(self, path: Any, *a: Any, **k: Any) -> None:
            check(path)
            super().__init__(path, *a, **k)

    return Reader, Writer


_ORIG_READER = _seqmod.SequenceFileReader
_ORIG_WRITER = _seqmod.SequenceFileWriter


def _drain(sock: socket.socket) -> None:
    try:
        while sock.recv(1 << 16):
            pass
    except OSError:
        pass


def run_case(shape: Shape, data: bytes) -> None:
    """Serve *data* as the child's whole uplink for one task of *shape* (raises what the framework raises)."""
    conf = HamaConfiguration()
    for k, v in shape.conf.items():
        conf.set(k, v)
    server, child_end = socket.socketpair()
    drainer = threading.Thread(target=_drain, args=(child_end,), daemon=True)
    try:
        if data:
            child_end.sendall(data)
        child_end.shutdown(socket.SHUT_WR)
        drainer.start()
        child = FuzzChild()
        chan = BinaryChannel(server, child, CHANNEL_TIMEOUT_S)
        if shape.partitioner:
            part = PipesPartitioner()
            part.configure(conf)
            part._child, part._chan = child, chan
            for key, value in shape.records:
                part.get_partition(key, value, 3)  # any int: the partitioning runner keeps it in range
            binary._close_partitioner(child, chan)
            return
        peer = FakePeer(conf, shape.records)
        bsp = BinaryBSP()
        original = binary.start_child
        binary.start_child = lambda c, label: (child, chan)  # type: ignore[assignment]
        try:
            bsp.setup(peer)  # type: ignore[arg-type]
            bsp.bsp(peer)  # type: ignore[arg-type]
            bsp.cleanup(peer)  # type: ignore[arg-type]
        finally:
            binary.start_child = original
    finally:
        server.close()
        child_end.close()
        drainer.join(timeout=2)


_OFFSET = re.compile(r"uplink byte (\d+)|after (\d+) uplink bytes")


def check_case(shape: Shape, data: bytes) -> Outcome:
    t0 = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, CASE_BUDGET_S)
    try:
        run_case(shape, data)
        result = "completed"
    except _Hang as exc:
        return Outcome("hang", time.perf_counter() - t0, f"hang: over {CASE_BUDGET_S} s", exc)
    except ChildError as exc:
        signal.setitimer(signal.ITIMER_REAL, 0)
        text = str(exc)
        dt = time.perf_counter() - t0
        offsets = [int(a or b) for a, b in _OFFSET.findall(text)]
        if not text.startswith(LABEL):
            return Outcome("ChildError", dt, f"unclear: the error does not name the peer: {text!r}", exc)
        if not offsets:
            return Outcome("ChildError", dt, f"unclear: the error names no uplink offset: {text!r}", exc)
        if any(not 0 <= o <= len(data) for o in offsets):
            return Outcome("ChildError", dt, f"offset: {offsets} outside the {len(data)}-byte stream: {text!r}", exc)
        if STDERR_LINE not in text:
            return Outcome("ChildError", dt, f"unclear: no stderr tail: {text!r}", exc)
        what = text[len(LABEL) + 2:].split(";")[0].split(" while ")[0].split(" (")[0]
        what = re.sub(r"-?\d+", "N", re.sub(r"['\"].*", "<name>", what))
        return Outcome(f"ChildError: {what[:60]}", dt)
    except BaseException as exc:  # noqa: BLE001 - anything else is the bug we look for
        signal.setitimer(signal.ITIMER_REAL, 0)
        return Outcome(type(exc).__name__, time.perf_counter() - t0, f"crash: {type(exc).__name__}: {exc}", exc)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return Outcome(result, time.perf_counter() - t0)


def minimise(shape: Shape, data: bytes, kind: str, budget: int = 300) -> bytes:
    def same(d: bytes) -> bool:
        out = check_case(shape, d)
        return out.violation is not None and out.violation.split(":")[0] == kind

    step = max(1, len(data) // 2)
    while step >= 1 and budget > 0:
        i = 0
        while i < len(data) and budget > 0:
            cand = data[:i] + data[i + step:]
            budget -= 1
            if same(cand):
                data = cand
            else:
                i += step
        step //= 2
    return data


def fuzz(cases: int, seed: int, verbose: bool = True) -> int:
    """Run *cases* mutated streams; print the table; 0 when there was no violation, else 1."""
    logging.getLogger("hama_yarn.pipes").setLevel(logging.CRITICAL)
    rng = random.Random(seed)
    by_shape: Counter[str] = Counter()
    by_mut: Counter[str] = Counter()
    by_out: Counter[str] = Counter()
    max_t = total_t = 0.0
    slowest = ""
    old = signal.signal(signal.SIGALRM, _alarm)
    t_start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="fuzz-pipes-") as tmpdir:
            _seqmod.SequenceFileReader, _seqmod.SequenceFileWriter = _guarded(tmpdir)  # type: ignore[misc]
            try:
                shapes = build_shapes(tmpdir, random.Random(seed))
                for i in range(cases):
                    shape = shapes[i % len(shapes)]
                    label, data = mutate(rng, shape)
                    out = check_case(shape, data)
                    by_shape[shape.name] += 1
                    by_mut[label.split("+")[0] + ("+stacked" if "+" in label else "")] += 1
                    by_out[out.result] += 1
                    total_t += out.seconds
                    if out.seconds > max_t:
                        max_t, slowest = out.seconds, f"{label} on {shape.name}"
                    if out.violation is not None:
                        kind = out.violation.split(":")[0]
                        small = minimise(shape, data, kind)
                        final = check_case(shape, small)
                        print(f"\nVIOLATION in case {i} (seed {seed}, shape {shape.name}, mutation {label}):",
                              file=sys.stderr)
                        print(f"  {out.violation}", file=sys.stderr)
                        if final.exc is not None and not isinstance(final.exc, ChildError):
                            import traceback

                            traceback.print_exception(final.exc, file=sys.stderr)
                        print(f"  minimised ({len(small)} of {len(data)} bytes), reproducer:", file=sys.stderr)
                        print(f"    shape {shape.name!r}, data = bytes.fromhex('{small.hex()}')", file=sys.stderr)
                        print(f"    {final.violation}", file=sys.stderr)
                        return 1
                    if verbose and (i + 1) % 2000 == 0:
                        print(f"  {i + 1} cases, {time.perf_counter() - t_start:.1f} s", file=sys.stderr)
            finally:
                _seqmod.SequenceFileReader, _seqmod.SequenceFileWriter = _ORIG_READER, _ORIG_WRITER  # type: ignore[misc]
    finally:
        signal.signal(signal.SIGALRM, old)
    elapsed = time.perf_counter() - t_start
    print(f"Pipes uplink fuzz: {cases} cases, seed {seed}, no violations "
          "(each case completed or failed with a ChildError naming the peer, an uplink offset and the stderr tail)")
    print(f"{'cases run':<34}{cases:>10}")
    print(f"{'cases/s':<34}{cases / elapsed:>10.0f}")
    print(f"{'wall time (s)':<34}{elapsed:>10.1f}")
    print(f"{'max time per case (ms)':<34}{max_t * 1000:>10.1f}   ({slowest})")
    print(f"{'mean time per case (ms)':<34}{total_t / max(cases, 1) * 1000:>10.2f}")
    print("\njob shape                           cases")
    for k, v in sorted(by_shape.items()):
        print(f"  {k:<32}{v:>8}")
    print("\nmutation                            cases")
    for k, v in sorted(by_mut.items()):
        print(f"  {k:<32}{v:>8}")
    print("\noutcome                                                           cases")
    for k, v in by_out.most_common():
        print(f"  {k:<64}{v:>8}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--cases", type=int, default=12_000)
    ap.add_argument("--seed", type=int, default=20261205)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    return fuzz(args.cases, args.seed, verbose=not args.quiet)


if __name__ == "__main__":
    sys.exit(main())
