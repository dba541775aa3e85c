"""Baselines shared by the benchmark scripts: a raw Python TCP round trip between two processes."""

from __future__ import annotations

import socket
import time
from typing import Any

WARMUP = 10


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


# ------------------------------------------------------------------ baseline: TCP round trip


def _echo_server(port_q: Any) -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port_q.put(srv.getsockname()[1])
    conn, _ = srv.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        b = conn.recv(64)
        if not b:
            return
        conn.sendall(b)


def tcp_rtt(ctx: Any, n: int) -> list[float]:
    """Round trip times (µs) of an 8-byte ping-pong between two processes (*ctx*: a multiprocessing context)."""
    q = ctx.Queue()
    p = ctx.Process(target=_echo_server, args=(q,), daemon=True)
    p.start()
    s = socket.create_connection(("127.0.0.1", q.get(timeout=30)))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    out = []
    for _ in range(n + WARMUP):
        t = time.perf_counter_ns()
        s.sendall(b"01234567")
        got = 0
        while got < 8:
            got += len(s.recv(64))
        out.append((time.perf_counter_ns() - t) / 1000)
    s.close()
    p.join(5)
    return out[WARMUP:]
