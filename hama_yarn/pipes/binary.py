"""Hama Pipes, framework side: the binary protocol over a local socket.

:class:`BinaryBSP` opens a listening socket on 127.0.0.1, starts the child with the
port in ``hama.pipes.command.port`` (and ``hama.pipes.logging``), and waits for it to
connect (``hama.pipes.accept.timeout.ms``, Hama's 2000 ms by default).  Every command
is a Hadoop VInt opcode followed by its payload; ints are VInts, longs VLongs, strings
a VInt length plus UTF-8 bytes.  Phase commands RUN_SETUP/RUN_BSP/RUN_CLEANUP are
acknowledged by TASK_DONE; every child request gets a reply that starts with the same
opcode (or END_OF_DATA for "nothing to read").  CLOSE ends the child, which answers DONE.

Typed keys, values and messages travel as Hama's Java side writes them, by the job's
declared classes (:mod:`hama_yarn.pipes.typed`: VInt, VLong, big-endian float/double, or a
string when the class is Text-like or unset); SequenceFile access uses the classes given to
SEQFILE_OPEN.  With ``hama.messenger.receive.queue.class=...SortedMemoryQueue`` messages are
delivered sorted.  LOG (31)
is accepted as a one-way message (Hama reported "Bad command code").
"""

from __future__ import annotations

import io
import time
import weakref
import logging
import os
import socket
from typing import Any

from ..bsp import BSP, BSPPeer, Partitioner
from ..config import HamaConfiguration
from ..io.writables import encode_vlong
from . import typed
from .hamakeys import is_sorted_queue
from .child import DEFAULT_TIMEOUT_MS, TIMEOUT, ChildError, ChildProcess, child_command

log = logging.getLogger(__name__)

__all__ = ["BinaryBSP", "BinaryChannel", "PipesPartitioner", "start_child", "ACCEPT_TIMEOUT"]

ACCEPT_TIMEOUT = "hama.pipes.accept.timeout.ms"
_SMALL = [bytes((i,)) for i in range(128)]
PROTOCOL_VERSION = 0

(START, SET_BSPJOB_CONF, SET_INPUT_TYPES, RUN_SETUP, RUN_BSP, RUN_CLEANUP, READ_KEYVALUE, WRITE_KEYVALUE,
 GET_MSG, GET_MSG_COUNT, SEND_MSG, SYNC, GET_ALL_PEERNAME, GET_PEERNAME, GET_PEER_INDEX, GET_PEER_COUNT,
 GET_SUPERSTEP_COUNT, REOPEN_INPUT, CLEAR, CLOSE, ABORT, DONE, TASK_DONE, REGISTER_COUNTER, INCREMENT_COUNTER,
 SEQFILE_OPEN, SEQFILE_READNEXT, SEQFILE_APPEND, SEQFILE_CLOSE, PARTITION_REQUEST, PARTITION_RESPONSE, LOG,
 END_OF_DATA) = range(33)
#: Opcode -> Hama's name (for error messages).
OPCODE_NAMES = dict(enumerate(
    "START SET_BSPJOB_CONF SET_INPUT_TYPES RUN_SETUP RUN_BSP RUN_CLEANUP READ_KEYVALUE WRITE_KEYVALUE GET_MSG "
    "GET_MSG_COUNT SEND_MSG SYNC GET_ALL_PEERNAME GET_PEERNAME GET_PEER_INDEX GET_PEER_COUNT GET_SUPERSTEP_COUNT "
    "REOPEN_INPUT CLEAR CLOSE ABORT DONE TASK_DONE REGISTER_COUNTER INCREMENT_COUNTER SEQFILE_OPEN "
    "SEQFILE_READNEXT SEQFILE_APPEND SEQFILE_CLOSE PARTITION_REQUEST PARTITION_RESPONSE LOG END_OF_DATA".split()))


def opcode_name(op: int) -> str:
    """``7 (WRITE_KEYVALUE)``, or ``99 (unknown)``."""
    return f"{op} ({OPCODE_NAMES.get(op, 'unknown')})"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def _from_text(text: str, java_class: str) -> Any:
    """A string from the child as a value of Writable *java_class*."""
    simple = java_class.rsplit(".", 1)[-1]
    if simple in ("IntWritable", "LongWritable", "VIntWritable", "VLongWritable", "ShortWritable", "ByteWritable"):
        return int(text)
    if simple in ("FloatWritable", "DoubleWritable"):
        return float(text)
    if simple == "BooleanWritable":
        return text.lower() == "true"
    if simple == "NullWritable":
        return None
    if simple == "BytesWritable":
        return text.encode("utf-8")
    return text


class BinaryChannel:
    """VInt/VLong/string framing over a connected socket.

    Parameters
    ----------
    sock : socket.socket
        The connection to the child.
    child : ChildProcess
        The child, for error messages.
    timeout : float
        Seconds to wait for data.
    """

    def __init__(self, sock: socket.socket, child: ChildProcess, timeout: float) -> None:
        self.sock = sock
        self.child = child
        self.timeout = timeout
        sock.settimeout(timeout)
        self._buf = bytearray()
        self._pos = 0
        self._consumed = 0  # bytes of the uplink dropped from _buf
        self.op_start = 0  # uplink offset of the command being served
        self._out = io.BytesIO()
        self.waiting = ""

    @property
    def offset(self) -> int:
        """Bytes of the child's uplink read so far (the offset of the next byte)."""
        return self._consumed + self._pos

    def error(self, what: str) -> ChildError:
        """A :class:`ChildError` for a protocol fault at the current uplink offset (the child is killed)."""
        return self.child.fail(f"{what} (uplink byte {self.offset})")

    # ------------------------------------------------------------ writing
    def vint(self, value: int) -> None:
        """Queue a Hadoop VInt/VLong."""
        self._out.write(_SMALL[value] if 0 <= value < 128 else encode_vlong(value))

    def string(self, value: str) -> None:
        """Queue a string (VInt length + UTF-8)."""
        data = value.encode("utf-8")
        self._out.write(encode_vlong(len(data)))
        self._out.write(data)

    def raw(self, data: bytes) -> None:
        """Queue raw bytes."""
        self._out.write(data)

    def flush(self) -> None:
        """Send everything queued."""
        data = self._out.getvalue()
        if not data:
            return
        self._out.seek(0)
        self._out.truncate()
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise self.child.fail(f"cannot write to the child ({exc.__class__.__name__})") from None

    # ------------------------------------------------------------ reading
    def _fill(self) -> None:
        """Flush the replies, then block for more bytes from the child."""
        self.flush()
        try:
            chunk = self.sock.recv(1 << 17)
        except (TimeoutError, socket.timeout):
            raise self.child.fail(f"no answer from the child within {self.timeout:g} s while waiting for "
                                  f"{self.waiting} ({TIMEOUT})") from None
        except OSError as exc:
            raise self.child.fail(f"connection to the child failed ({exc}) while waiting for {self.waiting}") from None
        if not chunk:
            if self.child.proc.poll() is None:
                try:
                    self.child.proc.wait(timeout=5)
                except Exception:  # noqa: BLE001 - describe_failure kills it
                    pass
            raise self.child.fail(f"the child closed the connection after {self._consumed + len(self._buf)} "
                                  f"uplink bytes while the framework waited for {self.waiting}")
        if self._pos:
            del self._buf[: self._pos]
            self._consumed += self._pos
            self._pos = 0
        self._buf += chunk

    def _byte(self) -> int:
        if self._pos >= len(self._buf):
            self._fill()
        b = self._buf[self._pos]
        self._pos += 1
        return b

    def _bytes(self, n: int) -> bytes:
        while len(self._buf) - self._pos < n:
            self._fill()
        data = bytes(self._buf[self._pos:self._pos + n])
        self._pos += n
        return data

    def read_vint(self) -> int:
        """Read a Hadoop VInt/VLong."""
        pos = self._pos
        if pos < len(self._buf):
            b = self._buf[pos]
            if b < 128:  # one-byte non-negative value: the common case
                self._pos = pos + 1
                return b
        b = self._byte()
        first = b - 256 if b > 127 else b
        if first >= -112:
            return first
        negative = first < -120
        size = (-119 - first) if negative else (-111 - first)
        value = int.from_bytes(self._bytes(size - 1), "big")
        return value ^ -1 if negative else value

    def read_raw(self, n: int) -> bytes:
        """Read exactly *n* bytes."""
        return self._bytes(n)

    def read_string(self) -> str:
        """Read a VInt-length-prefixed UTF-8 string."""
        n = self.read_vint()
        pos = self._pos
        end = pos + n
        if 0 <= n and end <= len(self._buf):
            self._pos = end
            return self._buf[pos:end].decode("utf-8", "replace")
        if n < 0 or n > 1 << 30:
            raise self.error(f"bad string length {n} while reading {self.waiting}")
        return self._bytes(n).decode("utf-8", "replace")

    def close(self) -> None:
        """Close the socket."""
        try:
            self.sock.close()
        except OSError:
            pass


def _accept(server: socket.socket, child: ChildProcess, timeout: float) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn, _ = server.accept()
            return conn
        except (TimeoutError, socket.timeout):
            pass
        if child.proc.poll() is not None:
            raise child.fail("the child exited before connecting to hama.pipes.command.port")
        if time.monotonic() > deadline:
            raise child.fail(f"the child did not connect within {timeout:g} s ({ACCEPT_TIMEOUT})")


def start_child(conf: HamaConfiguration, label: str) -> tuple[ChildProcess, BinaryChannel]:
    """Listen, start the child, accept its connection, send START and SET_BSPJOB_CONF.

    Raises
    ------
    ChildError
        When the child cannot be started or does not connect in time (it is killed).
    """
    timeout = conf.get_int(TIMEOUT, DEFAULT_TIMEOUT_MS) / 1000.0
    accept_timeout = conf.get_int(ACCEPT_TIMEOUT, 2000) / 1000.0
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(0.1)
        env = {"hama.pipes.command.port": str(server.getsockname()[1]),
               "hama.pipes.logging": "1" if conf.get_bool("hama.pipes.logging", False) else "0",
               "TMPDIR": os.environ.get("TMPDIR", "/tmp")}
        child = ChildProcess(child_command(conf), label, env)
        conn = _accept(server, child, accept_timeout)
    finally:
        server.close()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    chan = BinaryChannel(conn, child, timeout)
    chan.vint(START)
    chan.vint(PROTOCOL_VERSION)
    items: list[str] = []
    for key in sorted(conf):
        items += [key, conf.get(key) or ""]
    chan.vint(SET_BSPJOB_CONF)
    chan.vint(len(items))
    for item in items:
        chan.string(item)
    return child, chan


class PipesPartitioner(Partitioner):
    """Hama's ``org.apache.hama.pipes.PipesPartitioner``: the child program partitions the input.

    A child is started without a peer; each record is one PARTITION_REQUEST (key, value,
    number of tasks) answered by PARTITION_RESPONSE (the task index).  The child is closed
    (CLOSE, then its DONE) when the partitioner is garbage-collected or the process exits.
    """

    def __init__(self) -> None:
        self._conf: HamaConfiguration | None = None
        self._child: ChildProcess | None = None
        self._chan: BinaryChannel | None = None
        self._finalizer: Any = None

    def configure(self, conf: HamaConfiguration) -> None:
        """Receive the job configuration (called by the partitioning runner)."""
        self._conf = conf

    def get_partition(self, key: Any, value: Any, num_tasks: int) -> int:
        chan = self._chan
        if chan is None:
            if self._conf is None:
                raise ChildError("PipesPartitioner needs the job configuration (configure(conf))")
            self._child, chan = start_child(self._conf, f"pipes partitioner in pid {os.getpid()}")
            self._chan = chan
            self._finalizer = weakref.finalize(self, _close_partitioner, self._child, chan)
        chan.vint(PARTITION_REQUEST)
        conf = self._conf
        assert conf is not None
        typed.put(chan, typed.wire_kind(conf.get("bsp.input.key.class")), key)
        typed.put(chan, typed.wire_kind(conf.get("bsp.input.value.class")), value)
        chan.vint(num_tasks)
        chan.waiting = "PARTITION_RESPONSE(30)"
        op = chan.read_vint()
        if op != PARTITION_RESPONSE:
            raise chan.error(f"expected PARTITION_RESPONSE(30), got opcode {opcode_name(op)}")
        return chan.read_vint()

    def close(self) -> None:
        """Close the child (CLOSE, DONE, exit)."""
        if self._finalizer is not None:
            self._finalizer()


def _close_partitioner(child: ChildProcess, chan: BinaryChannel) -> None:
    try:
        chan.vint(CLOSE)
        chan.waiting = "DONE(21)"
        while chan.read_vint() != DONE:
            pass
        child.wait(timeout=10)
    except Exception:  # noqa: BLE001 - best effort at shutdown
        child.kill()
    finally:
        chan.close()


class BinaryBSP(BSP):
    """Runs the job's child program through the binary Pipes protocol (Hama ``PipesBSP``)."""

    def __init__(self) -> None:
        self._chan: BinaryChannel | None = None
        self._child: ChildProcess | None = None
        self._broken = False
        self._files: dict[int, Any] = {}
        self._file_classes: dict[int, tuple[str, str]] = {}
        self._writers: set[str] = set()
        self._kinds = (typed.STRING,) * 5
        self._sorted_queue = False
        self._sorted: list[Any] | None = None
        self._job_conf: HamaConfiguration | None = None

    # ------------------------------------------------------------ lifecycle
    def setup(self, peer: BSPPeer) -> None:
        label = f"pipes child of peer {peer.get_peer_index()} ({peer.get_peer_name()})"
        conf = peer.get_configuration()
        self._job_conf = conf
        k1, v1, k2, v2, m = (typed.wire_kind(conf.get(key)) for key in (
            "bsp.input.key.class", "bsp.input.value.class", "bsp.output.key.class", "bsp.output.value.class",
            "bsp.message.class"))
        self._kinds = (k1, v1, k2, v2, m)
        self._sorted_queue = is_sorted_queue(conf.get("hama.messenger.receive.queue.class"))
        self._child, self._chan = start_child(peer.get_configuration(), label)
        try:
            self._run_phase(peer, RUN_SETUP)
        except BaseException:
            self._abort()
            raise

    def bsp(self, peer: BSPPeer) -> None:
        if self._chan is None:
            raise ChildError("pipes child was not started")
        try:
            self._run_phase(peer, RUN_BSP)
        except BaseException:
            self._abort()
            raise

    def cleanup(self, peer: BSPPeer) -> None:
        if self._chan is None or self._broken:
            self._close_files()
            return
        try:
            self._run_phase(peer, RUN_CLEANUP)
            self._chan.vint(CLOSE)
            self._serve(peer, DONE)
            assert self._child is not None
            code = self._child.wait(timeout=self._chan.timeout)
            if code != 0:
                raise self._child.fail("the child did not exit cleanly after DONE")
        except BaseException:
            self._abort()
            raise
        finally:
            self._close_files()
            self._chan.close()

    def _abort(self) -> None:
        self._broken = True
        if self._chan is not None:
            try:
                self._chan.vint(ABORT)
                self._chan.flush()
            except Exception:  # noqa: BLE001 - the child may be gone
                pass
            self._chan.close()
        if self._child is not None:
            self._child.kill()
        self._close_files()

    def _close_files(self) -> None:
        for f in self._files.values():
            try:
                f.close()
            except Exception:  # noqa: BLE001
                log.debug("closing a SequenceFile failed", exc_info=True)
        self._files.clear()

    def _run_phase(self, peer: BSPPeer, op: int) -> None:
        assert self._chan is not None
        self._chan.vint(op)
        self._serve(peer, TASK_DONE, f" of {opcode_name(op)}")

    # ------------------------------------------------------------ dispatch
    def _serve(self, peer: BSPPeer, until: int, phase: str = "") -> None:
        chan = self._chan
        assert chan is not None and self._child is not None
        name = {TASK_DONE: "TASK_DONE(22)", DONE: "DONE(21)"}[until] + phase
        while True:
            chan.waiting = name
            start = chan.op_start = chan.offset
            op = chan.read_vint()
            if op == until:
                return
            if op in (TASK_DONE, DONE):
                raise self._child.fail(f"unexpected opcode {opcode_name(op)} at uplink byte {start} while waiting for "
                                       f"{name}")
            chan.waiting = f"the payload of opcode {opcode_name(op)} (from uplink byte {start})"
            self._handle(peer, op)

    def _handle(self, peer: BSPPeer, op: int) -> None:
        chan = self._chan
        assert chan is not None and self._child is not None
        if op == SEND_MSG:
            name = chan.read_string()
            msg = typed.get(chan, self._kinds[4])
            try:
                peer.send(name, msg)
            except KeyError as exc:
                raise chan.error(f"SEND_MSG to unknown peer {name!r}") from exc
            chan.vint(SEND_MSG)
        elif op == GET_MSG:
            m = self._next_message(peer)
            if m is None:
                chan.vint(END_OF_DATA)
            else:
                chan.vint(GET_MSG)
                typed.put(chan, self._kinds[4], m)
        elif op == GET_MSG_COUNT:
            chan.vint(GET_MSG_COUNT)
            chan.vint(peer.get_num_current_messages() if self._sorted is None else len(self._sorted))
        elif op == SYNC:
            self._sorted = None
            peer.sync()
            chan.vint(SYNC)
        elif op == READ_KEYVALUE:
            rec = peer.read_next()
            if rec is None:
                chan.vint(END_OF_DATA)
            else:
                chan.vint(READ_KEYVALUE)
                typed.put(chan, self._kinds[0], rec[0])
                typed.put(chan, self._kinds[1], rec[1])
        elif op == WRITE_KEYVALUE:
            key = typed.get(chan, self._kinds[2])
            value = typed.get(chan, self._kinds[3])
            peer.write(key, value)
            chan.vint(WRITE_KEYVALUE)
        elif op == GET_ALL_PEERNAME:
            names = peer.get_all_peer_names()
            chan.vint(GET_ALL_PEERNAME)
            chan.vint(len(names))
            for n in names:
                chan.string(n)
        elif op == GET_PEERNAME:
            index = chan.read_vint()
            names = peer.get_all_peer_names()
            chan.vint(GET_PEERNAME)
            chan.string(peer.get_peer_name() if index == -1 else names[index] if 0 <= index < len(names) else "")
        elif op == GET_PEER_INDEX:
            chan.vint(GET_PEER_INDEX)
            chan.vint(peer.get_peer_index())
        elif op == GET_PEER_COUNT:
            chan.vint(GET_PEER_COUNT)
            chan.vint(peer.get_num_peers())
        elif op == GET_SUPERSTEP_COUNT:
            chan.vint(GET_SUPERSTEP_COUNT)
            chan.vint(peer.get_superstep_count())
        elif op == REOPEN_INPUT:
            peer.reopen_input()
            chan.vint(REOPEN_INPUT)
        elif op == CLEAR:
            self._sorted = None
            peer.clear()
            chan.vint(CLEAR)
        elif op == REGISTER_COUNTER:
            pass
        elif op == INCREMENT_COUNTER:
            group = chan.read_string()
            name = chan.read_string()
            amount = chan.read_vint()
            peer.increment_counter(group, name, amount)
            chan.vint(INCREMENT_COUNTER)
        elif op == LOG:
            log.info("[%s] %s", self._child.label, chan.read_string())
        elif op in (SEQFILE_OPEN, SEQFILE_READNEXT, SEQFILE_APPEND, SEQFILE_CLOSE):
            self._seqfile(op)
        else:
            raise self._child.fail(f"unknown or unsupported opcode {opcode_name(op)} at uplink byte {chan.op_start}")

    def _next_message(self, peer: BSPPeer) -> Any:
        if not self._sorted_queue:
            return peer.get_current_message()
        if self._sorted is None:  # SortedMemoryQueue: take the superstep's messages, serve them sorted
            msgs = []
            while (m := peer.get_current_message()) is not None:
                msgs.append(m)
            msgs.sort(key=typed.sort_key, reverse=True)
            self._sorted = msgs
        return self._sorted.pop() if self._sorted else None

    # ------------------------------------------------------------ SequenceFiles
    def _seqfile(self, op: int) -> None:
        from ..io.sequencefile import SequenceFileReader, SequenceFileWriter

        chan = self._chan
        assert chan is not None
        if op == SEQFILE_OPEN:
            path, option = chan.read_string(), chan.read_string()
            key_class, value_class = chan.read_string(), chan.read_string()
            file_id = -1
            try:
                from ..io.fs import qualify

                path = qualify(path, self._job_conf)  # a bare path is on the job's filesystem, as in Hama
                if option == "r":
                    reader = SequenceFileReader(path)
                    if reader.key_class != key_class or reader.value_class != value_class:
                        log.warning("SEQFILE_OPEN %s: classes %s/%s, file has %s/%s", path, key_class, value_class,
                                    reader.key_class, reader.value_class)
                        reader.close()
                    else:
                        file_id = len(self._file_classes) + 1
                        self._files[file_id] = reader
                elif option == "w" and path not in self._writers:
                    writer = SequenceFileWriter(path, key_class, value_class)
                    self._writers.add(path)
                    file_id = len(self._file_classes) + 1
                    self._files[file_id] = writer
            except Exception as exc:  # noqa: BLE001 - reported to the child as -1
                log.warning("SEQFILE_OPEN %s %s failed: %s", path, option, exc)
            if file_id > 0:
                self._file_classes[file_id] = (key_class, value_class)
            chan.vint(SEQFILE_OPEN)
            chan.vint(file_id)
        elif op == SEQFILE_READNEXT:
            file_id = chan.read_vint()
            f = self._files.get(file_id)
            rec = f.read_record() if isinstance(f, SequenceFileReader) else None
            if rec is None:
                chan.vint(END_OF_DATA)
            else:
                kc, vc = self._file_classes[file_id]
                chan.vint(SEQFILE_READNEXT)
                _put_file_value(chan, kc, rec[0])
                _put_file_value(chan, vc, rec[1])
        elif op == SEQFILE_APPEND:
            file_id = chan.read_vint()
            kc, vc = self._file_classes.get(file_id, ("", ""))
            key, value = typed.get(chan, typed.wire_kind(kc)), typed.get(chan, typed.wire_kind(vc))
            f = self._files.get(file_id)
            ok = 0
            if isinstance(f, SequenceFileWriter):
                try:
                    f.append(_file_value(key, kc), _file_value(value, vc))
                    ok = 1
                except Exception as exc:  # noqa: BLE001 - reported to the child as 0
                    log.warning("SEQFILE_APPEND failed: %s", exc)
            chan.vint(SEQFILE_APPEND)
            chan.vint(ok)
        else:
            f = self._files.pop(chan.read_vint(), None)
            if f is not None:
                f.close()
            chan.vint(SEQFILE_CLOSE)
            chan.vint(1 if f is not None else 0)


def _put_file_value(chan: BinaryChannel, java_class: str, value: Any) -> None:
    kind = typed.wire_kind(java_class)
    typed.put(chan, kind, _writable_text(value) if kind == typed.STRING else value)


def _file_value(value: Any, java_class: str) -> Any:
    return _from_text(value, java_class) if isinstance(value, str) else value


def _writable_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    try:
        import numpy as np

        if isinstance(value, np.ndarray):
            return ",".join(repr(float(v)) for v in value.ravel())
    except ImportError:  # pragma: no cover
        pass
    return _text(value)
