"""A binary-protocol Pipes child written byte by byte, misbehaving as its first argument says.

Modes: ``ok`` (one record, then a clean shutdown), ``dies`` (SIGKILLs itself in bsp after writing a
record), ``no_done`` (exits 0 on CLOSE without DONE), ``truncated`` (WRITE_KEYVALUE whose string is cut
short, then exits), ``unknown`` (opcode 99, then waits), ``bad_length`` (SEND_MSG with a 2^31 byte
peer name, then waits), ``never_connects`` (never opens the socket).  Every mode says what it does on
stderr first, so the tests can find it in the job's error.
"""

import os
import signal
import socket
import sys
import time

from hama_yarn.io.writables import encode_vlong

MODE = sys.argv[1] if len(sys.argv) > 1 else "ok"
(START, SET_BSPJOB_CONF, RUN_SETUP, RUN_BSP, RUN_CLEANUP, WRITE_KEYVALUE, SEND_MSG, CLOSE, DONE,
 TASK_DONE) = (0, 1, 3, 4, 5, 7, 10, 19, 21, 22)


def say(text: str) -> None:
    print(f"raw child ({MODE}): {text}", file=sys.stderr, flush=True)


class Link:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.rfile = self.sock.makefile("rb")

    def send(self, *parts: bytes | int) -> None:
        data = b""
        for p in parts:
            data += p if isinstance(p, bytes) else encode_vlong(p)
        self.sock.sendall(data)

    def string(self, text: str) -> bytes:
        raw = text.encode()
        return encode_vlong(len(raw)) + raw

    def vint(self) -> int:
        first = self.rfile.read(1)
        if not first:
            say("framework closed the socket")
            sys.exit(0)
        b = first[0] - 256 if first[0] > 127 else first[0]
        if b >= -112:
            return b
        negative = b < -120
        size = (-119 - b) if negative else (-111 - b)
        value = int.from_bytes(self.rfile.read(size - 1), "big")
        return value ^ -1 if negative else value

    def read_string(self) -> str:
        return self.rfile.read(self.vint()).decode()


def bsp(link: Link) -> None:
    link.send(WRITE_KEYVALUE, link.string("partial"), link.string("record"))
    assert link.vint() == WRITE_KEYVALUE
    if MODE == "dies":
        say("killing myself in bsp")
        os.kill(os.getpid(), signal.SIGKILL)
    if MODE == "truncated":
        say("writing a cut WRITE_KEYVALUE and exiting")
        link.send(WRITE_KEYVALUE, encode_vlong(10) + b"abc")
        sys.exit(0)
    if MODE == "unknown":
        say("sending opcode 99")
        link.send(99, 1, 2, 3)
        time.sleep(600)
    if MODE == "bad_length":
        say("sending a 2^31 byte peer name")
        link.send(SEND_MSG, encode_vlong(2**31) + b"peer")
        time.sleep(600)


def main() -> None:
    if MODE == "never_connects":
        say("not connecting")
        time.sleep(60)
        return
    link = Link(int(os.environ["hama.pipes.command.port"]))
    while True:
        op = link.vint()
        if op == START:
            link.vint()
        elif op == SET_BSPJOB_CONF:
            for _ in range(link.vint()):
                link.read_string()
        elif op in (RUN_SETUP, RUN_BSP, RUN_CLEANUP):
            if op == RUN_BSP:
                bsp(link)
            link.send(TASK_DONE)
        elif op == CLOSE:
            if MODE == "no_done":
                say("leaving without DONE")
                sys.exit(0)
            link.send(DONE)
            return
        else:
            say(f"unexpected downlink opcode {op}")
            sys.exit(5)


if __name__ == "__main__":
    main()
