"""A peer that fails because another peer died names that peer, so the master can report the
dead peer (the cause) rather than whichever survivor reported first (hama_yarn.peer)."""

from __future__ import annotations

import socket

import pytest

from hama_yarn.errors import MessagingError
from hama_yarn.messaging.codec import encode
from hama_yarn.peer.main import _suspect
from hama_yarn.peer.messenger import Messenger


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("size", [11, 1 << 20])  # Thrift put_bundle and the bundle channel
def test_a_send_to_a_dead_peer_names_it(size):
    alive = Messenger(1, "secret", "127.0.0.1", 0, "127.0.0.1", rpc_timeout=5)
    sender = Messenger(0, "secret", "127.0.0.1", 0, "127.0.0.1", rpc_timeout=5)
    try:
        name = alive.name
        sender.send_bundles(0, [(name, encode([1, 2]))])  # connects (and learns its bundle channel)
        alive.close()
        with pytest.raises(MessagingError) as info:
            sender.send_bundles(1, [(name, encode([b"y" * size]))])
        assert info.value.peer_name == name
        assert _suspect(info.value, ["127.0.0.1:1", name]) == 1
    finally:
        sender.close()


def test_a_refused_connection_names_the_peer_and_a_remote_error_does_not():
    sender = Messenger(0, "secret", "127.0.0.1", 0, "127.0.0.1", rpc_timeout=5)
    other = Messenger(1, "secret", "127.0.0.1", 0, "127.0.0.1", rpc_timeout=5)
    try:
        dead = f"127.0.0.1:{_closed_port()}"
        with pytest.raises(MessagingError) as info:
            sender.send_bundles(0, [(dead, encode([1]))])
        assert info.value.peer_name == dead
        with pytest.raises(MessagingError, match="malformed bundle") as info:  # it answered: alive
            sender.send_bundles(0, [(other.name, b"not a bundle")])
        assert info.value.peer_name is None
    finally:
        sender.close()
        other.close()


def test_suspect_follows_wrapped_errors():
    names = ["h:1", "h:2", "h:3"]
    try:
        try:
            raise MessagingError("lost", peer_name="h:3")
        except MessagingError as exc:
            raise ValueError("user code wrapped it") from exc
    except ValueError as wrapped:
        assert _suspect(wrapped, names) == 2
    assert _suspect(MessagingError("lost", peer_name="elsewhere:9"), names) == -1
    assert _suspect(RuntimeError("boom"), names) == -1
