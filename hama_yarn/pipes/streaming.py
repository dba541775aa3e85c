"""Hama Streaming, framework side: protocol version 0 over the child's stdin/stdout.

:class:`StreamingBSP` is a :class:`~hama_yarn.bsp.BSP` that forks the child program
in ``setup`` and proxies the peer's operations to it (Hama's ``PipesBSP`` with
``hama.streaming.enabled=true`` and ``StreamingProtocol``).

Every command is a line ``%<opcode>%=`` (LOG carries its text inline), followed by
payload lines; the child acknowledges START, RUN_SETUP, RUN_BSP and RUN_CLEANUP with
``%ACK_<opcode>%=``; ``%%-1%%`` means "no record / no message".  Differences from
Hama, all deliberate:

* CLEAR gets no reply (Hama wrote a stray binary vint on the child's stdin);
* LOG is accepted as opcode 25 (the version-0 document) and 31 (Hama's code);
* INCREMENT_COUNTER (24) is an extension: ``%24%=`` then group, name, amount lines;
* a line outside the protocol, an unknown opcode, a child that dies or stays silent
  longer than ``hama.pipes.child.timeout.ms`` fails the task with the child's exit
  status and stderr tail; a message or record holding a newline (which version 0
  cannot carry) fails the task with a clear error.
"""

from __future__ import annotations

import logging
import os
import select
import time
from typing import Any

from ..bsp import BSP, BSPPeer
from .child import DEFAULT_TIMEOUT_MS, TIMEOUT, ChildError, ChildProcess, child_command

log = logging.getLogger(__name__)

__all__ = ["StreamingBSP", "StreamingChannel", "END", "OP"]

#: The "no record / no message" sentinel.
END = "%%-1%%"
PROTOCOL_VERSION = 0


class OP:
    """Opcodes (Hama's ``MessageType``)."""

    START, SET_BSPJOB_CONF, SET_INPUT_TYPES, RUN_SETUP, RUN_BSP, RUN_CLEANUP = 0, 1, 2, 3, 4, 5
    READ_KEYVALUE, WRITE_KEYVALUE, GET_MSG, GET_MSG_COUNT, SEND_MSG, SYNC = 6, 7, 8, 9, 10, 11
    GET_ALL_PEERNAME, GET_PEERNAME, GET_PEER_INDEX, GET_PEER_COUNT, GET_SUPERSTEP_COUNT = 12, 13, 14, 15, 16
    REOPEN_INPUT, CLEAR, CLOSE, ABORT, DONE, TASK_DONE = 17, 18, 19, 20, 21, 22
    REGISTER_COUNTER, INCREMENT_COUNTER, LOG_V0, LOG = 23, 24, 25, 31


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


class StreamingChannel:
    """Line I/O with a child: buffered writes, reads with a timeout.

    Parameters
    ----------
    child : ChildProcess
        The started child.
    timeout : float
        Seconds to wait for one line before failing.
    """

    def __init__(self, child: ChildProcess, timeout: float) -> None:
        self.child = child
        self.timeout = timeout
        assert child.proc.stdout is not None and child.proc.stdin is not None
        self._fd = child.proc.stdout.fileno()
        self._in = child.proc.stdin
        self._buf = bytearray()
        self._pos = 0
        self._out: list[str] = []

    def write(self, *lines: str) -> None:
        """Queue lines for the child (sent by :meth:`flush` or the next read)."""
        for line in lines:
            if "\n" in line or "\r" in line:
                raise self.child.fail(f"value {line[:60]!r} contains a newline, which streaming protocol "
                                      f"version 0 cannot carry")
        self._out.extend(lines)

    def flush(self) -> None:
        """Send the queued lines."""
        if not self._out:
            return
        data = ("\n".join(self._out) + "\n").encode("utf-8")
        self._out.clear()
        try:
            self._in.write(data)
        except (BrokenPipeError, OSError) as exc:
            raise self.child.fail(f"cannot write to the child ({exc.__class__.__name__})") from None

    def readline(self, waiting_for: str) -> str:
        """The next line from the child, without its newline.

        Raises
        ------
        ChildError
            When the child closes stdout or sends nothing within the timeout.
        """
        buf = self._buf
        while True:
            nl = buf.find(b"\n", self._pos)
            if nl >= 0:
                line = buf[self._pos:nl].decode("utf-8", "replace")
                self._pos = nl + 1
                if self._pos > 65536:
                    del buf[: self._pos]
                    self._pos = 0
                return line[:-1] if line.endswith("\r") else line
            self.flush()
            deadline = time.monotonic() + self.timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self.child.fail(f"no answer from the child within {self.timeout:g} s while waiting "
                                          f"for {waiting_for} ({TIMEOUT})")
                ready, _, _ = select.select([self._fd], [], [], left)
                if ready:
                    break
            chunk = os.read(self._fd, 1 << 16)
            if not chunk:
                self.child.proc.wait(timeout=5) if self.child.proc.poll() is None else None
                raise self.child.fail(f"the child closed its stdout while the framework waited for {waiting_for}")
            buf += chunk


def _parse_command(line: str) -> tuple[bool, int, str] | None:
    """``%ACK_3%=`` -> (True, 3, ""); ``%31%=text`` -> (False, 31, "text"); else None."""
    if not line.startswith("%"):
        return None
    head, sep, rest = line.partition("=")
    if not sep or not head.endswith("%") or len(head) < 3:
        return None
    body = head[1:-1]
    ack = body.startswith("ACK_")
    if ack:
        body = body[4:]
    try:
        return ack, int(body), rest
    except ValueError:
        return None


def _python_path(conf: Any) -> dict[str, str]:
    """``PYTHONPATH`` for Python children: the program's directory, shipped files' directories, cwd."""
    dirs = []
    for f in [conf.get("hama.pipes.executable") or ""] + (conf.get("hama.yarn.files") or "").split(","):
        f = f.strip().removeprefix("file://")
        if f:
            d = os.path.dirname(os.path.abspath(f))
            if os.path.isdir(d):
                dirs.append(d)
    dirs.append(os.getcwd())
    if os.environ.get("PYTHONPATH"):
        dirs.append(os.environ["PYTHONPATH"])
    return {"PYTHONPATH": os.pathsep.join(dict.fromkeys(dirs))}


class StreamingBSP(BSP):
    """Runs the job's child program through streaming protocol version 0 (Hama ``PipesBSP``)."""

    def __init__(self) -> None:
        self._chan: StreamingChannel | None = None
        self._child: ChildProcess | None = None
        self._broken = False
        self._done = False

    # ------------------------------------------------------------ lifecycle
    def setup(self, peer: BSPPeer) -> None:
        conf = peer.get_configuration()
        timeout = conf.get_int(TIMEOUT, DEFAULT_TIMEOUT_MS) / 1000.0
        label = f"streaming child of peer {peer.get_peer_index()} ({peer.get_peer_name()})"
        self._child = ChildProcess(child_command(conf), label, _python_path(conf))
        chan = self._chan = StreamingChannel(self._child, timeout)
        try:
            chan.write(f"%{OP.START}%=", str(PROTOCOL_VERSION))
            items = []
            for key in sorted(conf):
                value = conf.get(key) or ""
                if "\n" in value or "\r" in value:
                    log.warning("configuration key %s is not sent to the streaming child: its value "
                                "contains a newline", key)
                    continue
                items += [key, value]
            chan.write(f"%{OP.SET_BSPJOB_CONF}%=", str(len(items)), *items)
            self._serve(peer, OP.START)
            self._run_phase(peer, OP.RUN_SETUP)
        except BaseException:
            self._abort()
            raise

    def bsp(self, peer: BSPPeer) -> None:
        if self._chan is None:
            raise ChildError("streaming child was not started")
        try:
            self._run_phase(peer, OP.RUN_BSP)
        except BaseException:
            self._abort()
            raise

    def cleanup(self, peer: BSPPeer) -> None:
        if self._chan is None or self._broken:
            return
        try:
            self._run_phase(peer, OP.RUN_CLEANUP)
            self._finish(peer)
        except BaseException:
            self._abort()
            raise

    def _abort(self) -> None:
        self._broken = True
        if self._child is not None:
            self._child.kill()

    def _run_phase(self, peer: BSPPeer, op: int) -> None:
        assert self._chan is not None
        self._chan.write(f"%{op}%=")
        self._serve(peer, op)

    def _finish(self, peer: BSPPeer) -> None:
        """After RUN_CLEANUP: read TASK_DONE and DONE, then reap the child."""
        assert self._chan is not None and self._child is not None
        self._chan.flush()
        if not self._done:
            self._serve(peer, None)
        code = self._child.wait(timeout=self._chan.timeout)
        if code is None:
            raise self._child.fail("the child did not exit after DONE")
        if code != 0:
            raise self._child.fail("the child exited with an error after DONE")

    # ------------------------------------------------------------ dispatch
    def _serve(self, peer: BSPPeer, until: int | None) -> None:
        """Serve the child's requests until it acknowledges *until* (or sends DONE when None)."""
        chan = self._chan
        assert chan is not None and self._child is not None
        waiting = f"%ACK_{until}%=" if until is not None else "%21%= (DONE)"
        last_op: int | None = None
        while True:
            line = chan.readline(waiting)
            cmd = _parse_command(line)
            if cmd is None:
                hint = "children must not print to stdout"
                if last_op in (OP.WRITE_KEYVALUE, OP.SEND_MSG):
                    # e.g. Hama's KMeansBSP writes "\n" as a key: protocol version 0 cannot carry it
                    hint = (f"the previous {'WRITE_KEYVALUE' if last_op == OP.WRITE_KEYVALUE else 'SEND_MSG'} "
                            "probably had a key, value or message containing a newline, which streaming "
                            "protocol version 0 cannot carry")
                raise self._child.fail(f"line outside the protocol: {line[:200]!r} (waiting for {waiting}; {hint})")
            ack, op, rest = cmd
            last_op = op
            if ack:
                if op == until:
                    return
                raise self._child.fail(f"unexpected acknowledgement {line!r} while waiting for {waiting}")
            if op == OP.DONE:
                self._done = True
                if until is None:
                    return
                raise self._child.fail(f"the child sent DONE while the framework waited for {waiting}")
            self._handle(peer, op, rest, line)

    def _handle(self, peer: BSPPeer, op: int, rest: str, line: str) -> None:
        chan = self._chan
        assert chan is not None and self._child is not None
        rd = chan.readline
        if op == OP.SEND_MSG:
            name = rd("SEND_MSG peer name")
            msg = rd("SEND_MSG message")
            try:
                peer.send(name, msg)
            except KeyError as exc:
                raise self._child.fail(f"SEND_MSG to unknown peer {name!r}") from exc
        elif op == OP.GET_MSG:
            msg = peer.get_current_message()
            chan.write(END if msg is None else _text(msg))
        elif op == OP.GET_MSG_COUNT:
            chan.write(str(peer.get_num_current_messages()))
        elif op == OP.SYNC:
            peer.sync()
            chan.write(f"%{OP.SYNC}%=_SUCCESS")
        elif op == OP.READ_KEYVALUE:
            rec = peer.read_next()
            if rec is None:
                chan.write(END, END)
            else:
                chan.write(_text(rec[0]), _text(rec[1]))
        elif op == OP.WRITE_KEYVALUE:
            key = rd("WRITE_KEYVALUE key")
            value = rd("WRITE_KEYVALUE value")
            peer.write(key, value)
        elif op == OP.GET_ALL_PEERNAME:
            names = peer.get_all_peer_names()
            chan.write(str(len(names)), *names)
        elif op == OP.GET_PEERNAME:
            raw = rd("GET_PEERNAME index")
            try:
                index = int(raw)
            except ValueError:
                raise self._child.fail(f"GET_PEERNAME with a non-integer index {raw!r}") from None
            names = peer.get_all_peer_names()
            chan.write(peer.get_peer_name() if index == -1 else names[index] if 0 <= index < len(names) else "")
        elif op == OP.GET_PEER_INDEX:
            chan.write(str(peer.get_peer_index()))
        elif op == OP.GET_PEER_COUNT:
            chan.write(str(peer.get_num_peers()))
        elif op == OP.GET_SUPERSTEP_COUNT:
            chan.write(str(peer.get_superstep_count()))
        elif op == OP.REOPEN_INPUT:
            peer.reopen_input()
        elif op == OP.CLEAR:
            peer.clear()
        elif op in (OP.LOG, OP.LOG_V0):
            log.info("[%s] %s", self._child.label, rest)
        elif op == OP.INCREMENT_COUNTER:
            group = rd("INCREMENT_COUNTER group")
            name = rd("INCREMENT_COUNTER name")
            raw = rd("INCREMENT_COUNTER amount")
            try:
                amount = int(raw)
            except ValueError:
                raise self._child.fail(f"INCREMENT_COUNTER with a non-integer amount {raw!r}") from None
            peer.increment_counter(group, name, amount)
        elif op == OP.TASK_DONE:
            pass
        else:
            raise self._child.fail(f"unknown or unsupported opcode {op} in {line!r}")
