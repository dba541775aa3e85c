"""Waiting for a reply by polling before blocking, where the host has a CPU for each peer.

A blocking read that sleeps costs a cross-CPU wake-up when the reply comes: tens of
microseconds on a virtual machine whose idle CPUs halt.  Polling the socket for a short
while first, yielding the CPU between polls (a thread that has work there runs), reads a
prompt reply without that wake-up.  Used by a peer waiting for its barrier release
(``hama.sync.rpc.spin.us``) and for the receiver's answer to a bundle
(``hama.messenger.ack.spin.us``).
"""

from __future__ import annotations

import os
import select
import socket
import ssl
import time

from ..config import HamaConfiguration

__all__ = ["Spinner", "spin_budget_us"]


def spin_budget_us(conf: HamaConfiguration, key: str, num_peers: int) -> int:
    """Microseconds of *key* when every peer can have a CPU of this host, else 0 (more
    peers than CPUs would spin on the CPUs the others compute on)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(0, conf.get_int(key, 0)) if num_peers <= cpus else 0


class Spinner:
    """Polls one socket for up to *spin_us* microseconds before the caller's blocking read.

    Parameters
    ----------
    sock : socket.socket
        The connection (plain or TLS).
    spin_us : int
        The polling budget (0: :meth:`wait` returns at once).
    """

    def __init__(self, sock: socket.socket, spin_us: int) -> None:
        self._sock = sock
        #: the polling budget, microseconds
        self.budget_us = max(0, spin_us)
        self._ns = self.budget_us * 1000
        self._poll = select.poll()
        self._poll.register(sock.fileno(), select.POLLIN)

    def wait(self) -> None:
        """Return once the socket is readable or the budget is spent (then the read blocks)."""
        if not self._ns:
            return
        sock = self._sock
        if type(sock) is ssl.SSLSocket and sock.pending():
            return  # decrypted bytes wait in the TLS buffer: the read returns at once
        poll, now, yield_cpu = self._poll.poll, time.perf_counter_ns, os.sched_yield
        end = now() + self._ns
        while not poll(0):
            if now() > end:
                return
            yield_cpu()
