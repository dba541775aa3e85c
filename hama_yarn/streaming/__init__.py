"""Write Hama Streaming children in Python (the child side of streaming protocol version 0).

A child is a program that the framework starts once per peer; it talks to the peer
over stdin/stdout.  This module is self-contained (standard library only), so it can
also be copied next to a child program.  It mirrors Hama's ``python/BSPPeer.py`` and
``BSPRunner.py``: Hama's camelCase names (``readNext``, ``getCurrentMessage`` returning
``False`` when empty, ...) and hama-yarn's snake_case ones (``read_next``,
``get_current_message`` returning ``None``) are both offered.  All values are strings;
like Hama's, the camelCase counts and indexes (``getNumPeers``, ``getPeerIndex``,
``getSuperstepCount``, ``getNumCurrentMessages``) return strings, the snake_case ones ints.

Hama's own children (``from BSP import BSP``, ``python BSPRunner.py HelloWorldBSP``) run
unmodified with the shims in ``hama_yarn/streaming/compat`` (``BSP``, ``BSPPeer``,
``BSPRunner``): ``hama pipes -streaming true -program <compat>/BSPRunner.py
-programArgs HelloWorldBSP -cachefiles HelloWorldBSP.py``.

Examples
--------
A child file ``hello.py``::

    from hama_yarn.streaming import BSP, run

    class Hello(BSP):
        def bsp(self, peer):
            for name in peer.get_all_peer_names():
                peer.send(name, "Hello from " + peer.get_peer_name())
            peer.sync()
            for msg in peer.messages():
                peer.write(msg, "")

    if __name__ == "__main__":
        run(Hello())

run with ``hama pipes -streaming true -program hello.py -bspTasks 3 -output out``.
Inside a child, ``print`` goes to stderr: stdout belongs to the protocol.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["BSP", "BSPPeer", "ProtocolError", "run", "main", "PROTOCOL_VERSION"]

PROTOCOL_VERSION = 0
END = "%%-1%%"

START, SET_BSPJOB_CONF, RUN_SETUP, RUN_BSP, RUN_CLEANUP = 0, 1, 3, 4, 5
READ_KEYVALUE, WRITE_KEYVALUE, GET_MSG, GET_MSG_COUNT, SEND_MSG, SYNC = 6, 7, 8, 9, 10, 11
GET_ALL_PEERNAME, GET_PEERNAME, GET_PEER_INDEX, GET_PEER_COUNT, GET_SUPERSTEP_COUNT = 12, 13, 14, 15, 16
REOPEN_INPUT, CLEAR, DONE, TASK_DONE, INCREMENT_COUNTER, LOG = 17, 18, 21, 22, 24, 31


class ProtocolError(RuntimeError):
    """The framework sent something this child did not expect."""


class BSP:
    """Base class of a streaming child's program (Hama's Python ``BSP``)."""

    def setup(self, peer: BSPPeer) -> None:
        """Called once before :meth:`bsp`."""

    def bsp(self, peer: BSPPeer) -> None:
        """The program; supersteps end at ``peer.sync()``."""
        raise NotImplementedError

    def cleanup(self, peer: BSPPeer) -> None:
        """Called once after :meth:`bsp`."""


def _check(value: object) -> str:
    text = "" if value is None else str(value)
    if "\n" in text or "\r" in text:
        raise ValueError(f"streaming protocol version 0 cannot carry a newline: {text[:60]!r}")
    return text


class BSPPeer:
    """The child's view of its peer; every call is one protocol round trip or one queued line.

    Parameters
    ----------
    bsp : BSP
        The program to run.
    stdin, stdout : binary streams, optional
        The protocol streams (default: the process's stdin and stdout).
    """

    def __init__(self, bsp: BSP | None = None, stdin: IO[bytes] | None = None,
                 stdout: IO[bytes] | None = None) -> None:
        self.bsp_class = bsp
        self._in = stdin if stdin is not None else sys.stdin.buffer
        self._out = stdout if stdout is not None else sys.stdout.buffer
        self._pending: list[str] = []
        self.config: dict[str, str] = {}
        self._initialize()

    # ------------------------------------------------------------ wire
    def _line(self, *lines: str) -> None:
        self._pending.extend(lines)

    def _flush(self) -> None:
        if self._pending:
            self._out.write(("\n".join(self._pending) + "\n").encode("utf-8"))
            self._pending.clear()
        self._out.flush()

    def _read(self) -> str:
        self._flush()
        raw = self._in.readline()
        if not raw:
            raise ProtocolError("the framework closed the connection")
        return raw.decode("utf-8").rstrip("\n").rstrip("\r")

    def _cmd(self, op: int) -> None:
        self._line(f"%{op}%=")

    def _expect(self, op: int) -> None:
        line = self._read()
        if line != f"%{op}%=":
            raise ProtocolError(f"expected %{op}%=, got {line!r}")

    def _ack(self, op: int) -> None:
        self._line(f"%ACK_{op}%=")
        self._flush()

    def _initialize(self) -> None:
        self._expect(START)
        version = int(self._read())
        if version != PROTOCOL_VERSION:
            raise ProtocolError(f"protocol version {version} is not supported (expected {PROTOCOL_VERSION})")
        self._expect(SET_BSPJOB_CONF)
        n = int(self._read())
        for _ in range(n // 2):
            key = self._read()
            self.config[key] = self._read()
        self._ack(START)

    # ------------------------------------------------------------ runner
    def _phase(self, op: int, method: str) -> None:
        self._expect(op)
        if self.bsp_class is not None:
            getattr(self.bsp_class, method)(self)
        self._ack(op)

    def runSetup(self) -> None:  # noqa: N802 - Hama's name
        """Wait for RUN_SETUP, run ``setup``, acknowledge."""
        self._phase(RUN_SETUP, "setup")

    def runBSP(self) -> None:  # noqa: N802
        """Wait for RUN_BSP, run ``bsp``, acknowledge."""
        self._phase(RUN_BSP, "bsp")

    def runCleanup(self) -> None:  # noqa: N802
        """Wait for RUN_CLEANUP, run ``cleanup``, acknowledge."""
        self._phase(RUN_CLEANUP, "cleanup")

    def done(self) -> None:
        """Send TASK_DONE and DONE: the child is finished."""
        self._cmd(TASK_DONE)
        self._cmd(DONE)
        self._flush()

    # ------------------------------------------------------------ messaging
    def send(self, peer: str, msg: object) -> None:
        """Queue *msg* for *peer* (delivered by the next :meth:`sync`)."""
        self._line(f"%{SEND_MSG}%=", _check(peer), _check(msg))

    def get_current_message(self) -> str | None:
        """The next received message, or None."""
        self._cmd(GET_MSG)
        line = self._read()
        return None if line == END else line

    def getCurrentMessage(self) -> str | bool:  # noqa: N802
        """Hama: the next message, or False."""
        msg = self.get_current_message()
        return False if msg is None else msg

    def get_num_current_messages(self) -> int:
        """How many received messages are left."""
        self._cmd(GET_MSG_COUNT)
        return int(self._read())

    def getNumCurrentMessages(self) -> str:  # noqa: N802
        """Hama: the count, as a string (Hama's Python peer returns the raw line)."""
        return str(self.get_num_current_messages())

    def messages(self) -> Iterator[str]:
        """Every message left (GET_MSG requests are pipelined in batches)."""
        left = self.get_num_current_messages()
        while left > 0:
            batch = min(left, 4096)
            left -= batch
            self._line(*([f"%{GET_MSG}%="] * batch))
            for _ in range(batch):
                line = self._read()
                if line == END:
                    return
                yield line

    def getAllMessages(self) -> list[str]:  # noqa: N802
        """Hama: all messages left, as a list."""
        return list(self.messages())

    def sync(self) -> None:
        """End the superstep (blocks until every peer arrived)."""
        self._cmd(SYNC)
        line = self._read()
        if line != f"%{SYNC}%=_SUCCESS":
            raise ProtocolError(f"unexpected reply to SYNC: {line!r}")

    def clear(self) -> None:
        """Drop the messages queued in this superstep."""
        self._cmd(CLEAR)

    # ------------------------------------------------------------ identity
    def get_superstep_count(self) -> int:
        """The current superstep."""
        self._cmd(GET_SUPERSTEP_COUNT)
        return int(self._read())

    def getSuperstepCount(self) -> str:  # noqa: N802
        """Hama: the superstep, as a string."""
        return str(self.get_superstep_count())

    def get_peer_name(self, index: int | None = None) -> str:
        """This peer's name, or peer *index*'s ("" when out of range)."""
        self._line(f"%{GET_PEERNAME}%=", str(-1 if index is None else int(index)))
        return self._read()

    def getPeerName(self) -> str:  # noqa: N802
        """Hama: this peer's name."""
        return self.get_peer_name()

    def getPeerNameForIndex(self, index: int) -> str:  # noqa: N802
        """Hama: peer *index*'s name."""
        return self.get_peer_name(index)

    def get_peer_index(self) -> int:
        """This peer's index."""
        self._cmd(GET_PEER_INDEX)
        return int(self._read())

    def getPeerIndex(self) -> str:  # noqa: N802
        """Hama: this peer's index, as a string."""
        return str(self.get_peer_index())

    def get_all_peer_names(self) -> list[str]:
        """Every peer's name, by index."""
        self._cmd(GET_ALL_PEERNAME)
        n = int(self._read())
        return [self._read() for _ in range(n)]

    getAllPeerNames = get_all_peer_names

    def get_num_peers(self) -> int:
        """Number of peers."""
        self._cmd(GET_PEER_COUNT)
        return int(self._read())

    def getNumPeers(self) -> str:  # noqa: N802
        """Hama: number of peers, as a string."""
        return str(self.get_num_peers())

    # ------------------------------------------------------------ I/O
    def read_next(self) -> tuple[str, str] | None:
        """The next input record, or None at the end."""
        self._cmd(READ_KEYVALUE)
        key = self._read()
        value = self._read()
        if key == END and value == END:
            return None
        return key, value

    def readNext(self) -> list[str] | bool:  # noqa: N802
        """Hama: ``[key, value]`` or False."""
        rec = self.read_next()
        return False if rec is None else [rec[0], rec[1]]

    def write(self, key: object, value: object) -> None:
        """Write an output record."""
        self._line(f"%{WRITE_KEYVALUE}%=", _check(key), _check(value))

    def reopen_input(self) -> None:
        """Read the input split again from the start."""
        self._cmd(REOPEN_INPUT)

    reopenInput = reopen_input

    def log(self, msg: object) -> None:
        """Log *msg* in the task's log (one line)."""
        self._line(f"%{LOG}%=" + _check(msg))

    def increment_counter(self, group: str, name: str, amount: int = 1) -> None:
        """Add *amount* to a counter (a hama-yarn extension of version 0)."""
        self._line(f"%{INCREMENT_COUNTER}%=", _check(group), _check(name), str(int(amount)))

    incrementCounter = increment_counter

    def get_configuration(self) -> dict[str, str]:
        """The job configuration (strings)."""
        return self.config


def run(bsp: BSP) -> None:
    """Run *bsp* as a streaming child: init, setup, bsp, cleanup, done.

    ``print`` inside the program goes to stderr while it runs.
    """
    proto_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    saved = sys.stdout
    sys.stdout = sys.stderr
    try:
        peer = BSPPeer(bsp, sys.stdin.buffer, proto_out)
        peer.runSetup()
        peer.runBSP()
        peer.runCleanup()
        peer.done()
    finally:
        sys.stdout = saved
        proto_out.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m hama_yarn.streaming Module[:Class]``: Hama's ``BSPRunner.py``.

    ``Module`` alone imports the module of that name and runs the class of the same
    name (Hama's convention, ``BSPRunner.py HelloWorldBSP``).
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m hama_yarn.streaming Module[:Class]", file=sys.stderr)
        return 2
    module_name, _, cls_name = args[0].partition(":")
    if module_name.endswith(".py"):
        sys.path.insert(0, os.path.dirname(os.path.abspath(module_name)))
        module_name = os.path.basename(module_name)[:-3]
    else:
        sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    cls: Any = getattr(module, cls_name or module_name.rpartition(".")[2])
    run(cls())
    return 0
