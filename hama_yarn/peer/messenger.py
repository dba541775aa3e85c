"""Peer-to-peer message transport: one bundle per destination per superstep.

Each peer runs a Thrift ``PeerService``.  During ``sync()`` the sending peer hands
every destination one bundle (all its messages for that peer, combined and
serialized in bulk, optionally compressed); the call returns once the receiver has
queued it, so after the barrier every bundle of the superstep has arrived.
Bundles carry their superstep number, so a fast peer's next-superstep messages can
never mix with the current ones.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..errors import MessagingError, RPCError
from ..rpc.client import RPCClient
from ..rpc.server import RPCServer
from . import queues
from ..messaging.bundlechannel import CHANNEL_MIN_BYTES, BundleChannelClient, BundleChannelServer
from ..messaging.codec import BundleParts, bundle_count, decode_sized

log = logging.getLogger(__name__)

__all__ = ["Messenger"]


class Messenger:
    """A peer's message server plus its connections to the other peers.

    Parameters
    ----------
    task_index : int
        This peer's index.
    secret : str
        The job secret (every connection is authenticated).
    host, port : str, int
        Where the message server binds; port 0 picks a free one.
    advertise : str
        Host name other peers use to reach this one.
    rpc_timeout : float
        Socket timeout for sending one bundle, in seconds.
    incoming : ReceiveQueue, optional
        Where received bundles go (``hama.messenger.receive.queue.class``; a
        checkpoint hook may wrap it).  Default: in memory.
    ack_spin_us : int
        Microseconds a sender polls for the receiver's answer to a bundle before blocking
        (``hama.messenger.ack.spin.us``, :mod:`hama_yarn.rpc.spin`).
    """

    def __init__(
        self,
        task_index: int,
        secret: str,
        host: str,
        port: int,
        advertise: str,
        rpc_timeout: float = 60.0,
        incoming: queues.ReceiveQueue | None = None,
        ack_spin_us: int = 0,
    ) -> None:
        self.task_index = task_index
        self._ack_spin_us = ack_spin_us
        self._secret = secret
        self._timeout = rpc_timeout
        self.incoming: queues.ReceiveQueue = incoming or queues.IncomingQueue()
        #: set by the memory guard when this peer is over its limit: new bundles wait
        #: (back-pressure) instead of growing the process until the peer has failed
        self.hold_incoming = threading.Event()
        self.bytes_received = 0
        #: uncompressed size of the compressed bundles received (TOTAL_DECOMPRESSED_BYTES)
        self.bytes_decompressed = 0
        self._decompressed_untaken = 0
        # large bundles bypass Thrift (see hama_yarn.messaging.bundlechannel); started first:
        # PeerService.bundle_channel() names its port
        self._channel = BundleChannelServer(host, secret, self.put_bundle, name=f"peer-{task_index}-bundles")
        self._channels: dict[str, BundleChannelClient | None] = {}
        self._server = RPCServer(host, port, secret, {"PeerService": self}, name=f"peer-{task_index}").start()
        self.name = f"{advertise}:{self._server.port}"
        self._clients: dict[str, RPCClient] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    # -- PeerService (called by other peers' sync()) ------------------------
    def put_bundle(self, source_index: int, superstep: int, bundle: bytes) -> None:
        """Receive one bundle (Thrift handler)."""
        if self.hold_incoming.is_set():  # failing for memory: hold the sender until this peer is gone
            threading.Event().wait(self._timeout)
            raise MessagingError(f"peer {self.task_index} is over its memory limit; bundle of peer "
                                 f"{source_index} for superstep {superstep} refused")
        incoming = self.incoming
        if not getattr(incoming, "decodes_on_arrival", True):
            count = bundle_count(bundle)  # from the header: a disk queue decodes when it reads back
            if count is not None:
                with self._lock:
                    self.bytes_received += len(bundle)
                incoming.add_encoded(superstep, source_index, bundle, count)
                return
        try:
            msgs, decompressed = decode_sized(bundle)
        except MessagingError as exc:
            raise MessagingError(f"bundle from peer {source_index} for superstep {superstep}: {exc}") from exc
        with self._lock:
            self.bytes_received += len(bundle)
            self.bytes_decompressed += decompressed
            self._decompressed_untaken += decompressed
        incoming.add_bundle(superstep, source_index, bundle, msgs)

    def bundle_channel(self) -> str:
        """``:port`` of this peer's raw bundle channel (Thrift handler; the host is the peer's)."""
        return f":{self._channel.port}"

    def take_decompressed(self) -> int:
        """Decompressed bytes received since the last call (a counter increment: survives a
        checkpoint restore of the peer's counters, unlike the running total)."""
        with self._lock:
            n, self._decompressed_untaken = self._decompressed_untaken, 0
        return n

    # -- sending ----------------------------------------------------------
    def _client(self, name: str) -> RPCClient:
        client = self._clients.get(name)
        if client is None:
            client = self._clients[name] = RPCClient(name, "PeerService", self._secret, timeout=self._timeout)
        return client

    def _channel_to(self, name: str) -> BundleChannelClient | None:
        """The bundle channel of peer *name* (None: it has none; use ``put_bundle``)."""
        if name not in self._channels:
            try:
                port = str(self._client(name).call("bundle_channel"))
            except RPCError as exc:  # a peer without the channel (unknown method): Thrift only
                log.debug("peer %s has no bundle channel: %s", name, exc)
                port = ""
            host = name.rpartition(":")[0]
            self._channels[name] = (BundleChannelClient(f"{host}{port}", self._secret, self._timeout, self._ack_spin_us)
                                    if port.startswith(":") else None)
        return self._channels[name]

    def _send_one(self, name: str, superstep: int, data: bytes | BundleParts) -> None:
        try:
            channel = self._channel_to(name) if len(data) >= CHANNEL_MIN_BYTES else None
            if channel is not None:
                channel.send(self.task_index, superstep, data)
                return
            self._client(name).call("put_bundle", self.task_index, superstep, bytes(data))
        except MessagingError as exc:
            if exc.peer_name is None and _connection_lost(exc):
                exc.peer_name = name  # the bundle channel's connection to it failed
            raise
        except Exception as exc:
            raise MessagingError(f"sending {len(data)} bytes to peer {name} in superstep {superstep} failed: {exc}",
                                 peer_name=name if _connection_lost(exc) else None) from exc

    def _send_in_order(self, name: str, superstep: int, datas: list[bytes | BundleParts]) -> None:
        for data in datas:
            self._send_one(name, superstep, data)

    def send_bundles(self, superstep: int, bundles: Iterable[tuple[str, bytes | BundleParts]]) -> None:
        """Deliver every ``(peer_name, bundle)``; returns when all were queued remotely.

        Raises
        ------
        MessagingError
            Naming the first destination that could not be reached.
        """
        items = list(bundles)
        if len({name for name, _ in items}) <= 1:
            for name, data in items:
                self._send_one(name, superstep, data)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix=f"send-{self.task_index}")
        # One task per destination, its bundles in order (several bundles to one peer keep
        # their order); pre-create clients here so no two pool threads race on one destination.
        by_dest: dict[str, list[bytes | BundleParts]] = {}
        for name, data in items:
            by_dest.setdefault(name, []).append(data)
            self._client(name)
        futures = [self._pool.submit(self._send_in_order, name, superstep, datas) for name, datas in by_dest.items()]
        errors = [f.exception() for f in futures]
        first = next((e for e in errors if e is not None), None)
        if first is not None:
            raise first

    def close(self) -> None:
        """Stop the server and drop all connections."""
        self._server.stop()
        self._channel.stop()
        for ch in self._channels.values():
            if ch is not None:
                ch.close()
        for c in self._clients.values():
            c.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def stats(self) -> dict[str, Any]:
        """Transport statistics (for counters)."""
        return {"bytes_received": self.bytes_received, "bytes_decompressed": self.bytes_decompressed}


def _connection_lost(exc: BaseException) -> bool:
    """Whether *exc* (or what it was raised from) is a broken or refused connection.

    Such a send failure usually means the other peer died: the master waits briefly for
    that peer's own failure before blaming this one (see ``MessagingError.peer_name``).
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError | EOFError) or type(seen).__name__ == "TTransportException":
            return True
        seen = seen.__cause__
    return False
