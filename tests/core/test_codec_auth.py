"""Message bundle codec (hama_yarn/messaging/codec.py) and RPC authentication."""

from __future__ import annotations

import socket
import threading

import numpy as np
import pytest

from hama_yarn.errors import AuthenticationError, MessagingError
from hama_yarn.messaging import codec
from hama_yarn.rpc.client import RPCClient
from hama_yarn.rpc.server import RPCServer

COMPRESSORS = [0, codec.compressor_id("zlib"), codec.compressor_id("bz2"), codec.compressor_id("lzma")]

CASES = {
    "ints": [0, 1, -1, 2**63 - 1, -(2**63), 42] * 50,
    "big_ints": [2**64, -(2**70), 3, 10**30],
    "floats": [0.0, -1.5, 1e308, float("inf"), 5e-324] * 40,
    "strs": ["", "a", "héllo wörld ✓", "", "x" * 3000],
    "str_with_nul": ["a\x00b", "", "\x00"],
    "single_empty_str": [""],
    "bytes": [b"", b"\x00\xff" * 100, b"abc"],
    "tuples": [(1, "a"), (2.5, None, (b"x",)), ()],
    "mixed": [1, 2.0, "three", b"four", (5,), [6], {"seven": 7}, None, True, 2**80],
    "bools": [True, False, True],
    "empty": [],
}


@pytest.mark.parametrize("comp", COMPRESSORS, ids=["none", "zlib", "bz2", "lzma"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_round_trip(name, comp):
    msgs = CASES[name]
    data = codec.encode(msgs, comp, 0)
    assert isinstance(data, bytes)
    out = codec.decode(data)
    assert out == msgs
    assert [type(x) for x in out] == [type(x) for x in msgs]
    if comp and msgs:
        assert data[1] == comp  # threshold 0: always compressed
    assert codec.decode(memoryview(data)) == msgs


def test_numpy_arrays_round_trip():
    msgs = [np.arange(10, dtype=np.int32), np.linspace(0, 1, 7), np.zeros((2, 3), dtype=np.float32)]
    for comp in COMPRESSORS:
        out = codec.decode(codec.encode(msgs, comp, 0))
        assert len(out) == 3
        for a, b in zip(msgs, out):
            assert isinstance(b, np.ndarray) and b.dtype == a.dtype and b.shape == a.shape
            np.testing.assert_array_equal(a, b)


def test_primitive_fast_paths_skip_pickle():
    assert codec.encode([1, 2, 3])[2] == codec.KIND_INT64
    assert codec.encode([1.0, 2.0])[2] == codec.KIND_FLOAT64
    assert codec.encode(["a", "b"])[2] == codec.KIND_STR
    assert codec.encode(["a\x00"])[2] == codec.KIND_PICKLE  # NUL cannot use the joined-str path
    assert codec.encode([2**64])[2] == codec.KIND_PICKLE
    assert codec.encode([True])[2] == codec.KIND_PICKLE  # bool must stay bool


def test_compression_threshold_and_size():
    msgs = ["same text " * 20] * 200
    plain = codec.encode(msgs)
    small = codec.encode(msgs, codec.compressor_id("zlib"), 1024)
    assert small[1] != 0 and len(small) < len(plain) / 5
    tiny = codec.encode(["x"], codec.compressor_id("zlib"), 1024)
    assert tiny[1] == 0  # below the threshold: not compressed
    assert codec.decode(small) == msgs and codec.decode(tiny) == ["x"]


def test_compressor_aliases_and_unknown():
    assert codec.compressor_id("org.apache.hama.bsp.message.compress.Bzip2Compressor") == codec.compressor_id("bz2")
    from hama_yarn.errors import ConfigError

    with pytest.raises(ConfigError, match="hama.messenger.compression.class"):
        codec.compressor_id("no-such-codec")


@pytest.mark.parametrize("data", [
    b"",
    b"\x01",
    b"\x01\x00",
    b"\x02\x00\x01" + b"\x00" * 8,       # unknown version
    b"\x01\x00\x09abc",                  # unknown payload kind
    b"\x01\x00\x01abc",                  # int64 payload not a multiple of 8
    b"\x01\x00\x02abcdefg",              # float64 payload not a multiple of 8
    b"\x01\x00\x03\xff\xfe",             # invalid UTF-8
    b"\x01\x00\x00not a pickle",         # garbage pickle
    b"\x01\x01\x01not zlib at all",      # bad compressed data
    b"\x01\x63\x01abc",                  # unknown compressor id
])
def test_malformed_bundles_raise_messaging_error(data):
    with pytest.raises(MessagingError):
        codec.decode(data)


def test_pickled_non_list_is_malformed():
    import pickle

    with pytest.raises(MessagingError, match="not a list"):
        codec.decode(b"\x01\x00\x00" + pickle.dumps({"a": 1}, protocol=5))


def test_unpicklable_message_raises_messaging_error():
    with pytest.raises(MessagingError, match="lock"):
        codec.encode([1, "a", threading.Lock()])


# ----------------------------------------------------------------- authentication
class _Master:
    def __init__(self):
        self.calls = 0

    def kill_job(self, reason):
        self.calls += 1
        return True


@pytest.fixture
def server():
    handler = _Master()
    srv = RPCServer("127.0.0.1", 0, "right-secret", {"MasterService": handler}, name="test").start()
    yield srv, handler
    srv.stop()


def test_right_secret_is_served(server):
    srv, handler = server
    with RPCClient(f"127.0.0.1:{srv.port}", "MasterService", "right-secret", timeout=5) as c:
        assert c.kill_job("x") is True
    assert handler.calls == 1


def test_wrong_secret_gets_nothing(server):
    srv, handler = server
    c = RPCClient(f"127.0.0.1:{srv.port}", "MasterService", "wrong-secret", timeout=5, connect_timeout=5)
    with pytest.raises(AuthenticationError):
        c.kill_job("x")
    c.close()
    assert handler.calls == 0


def test_unauthenticated_raw_connection_is_closed(server):
    srv, handler = server
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
        nonce = s.recv(16)
        assert len(nonce) == 16
        s.sendall(b"\x00" * 32)  # a wrong MAC, then a Thrift call
        s.sendall(b"\x80\x01\x00\x01\x00\x00\x00\x08kill_job" * 4)
        data = b""
        try:
            while chunk := s.recv(4096):
                data += chunk
        except ConnectionResetError:
            pass
    assert data == b""  # not even the OK byte
    assert handler.calls == 0
