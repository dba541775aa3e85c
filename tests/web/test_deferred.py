"""The master's web UI: port bound and URL known at once, server started on the first request,
after hama.web.start.delay.ms, or never (hama_yarn.web.deferred)."""

from __future__ import annotations

import socket
import time
import urllib.request
from types import SimpleNamespace

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.web.deferred import DeferredWebUI
from hama_yarn.web.token import ui_token


def _master(delay_ms: int) -> SimpleNamespace:
    conf = HamaConfiguration()
    conf.set("hama.web.start.delay.ms", str(delay_ms))
    return SimpleNamespace(conf=conf, _secret="s3cret", snapshot=lambda: {})


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_the_first_request_starts_the_server():
    ui = DeferredWebUI(_master(600_000), "127.0.0.1", "example.test")
    try:
        assert ui.url == f"http://example.test:{ui.port}/t/{ui_token('s3cret')}/"
        ui.start()
        time.sleep(0.1)
        assert ui.server is None  # nothing asked for it yet
        with urllib.request.urlopen(f"http://127.0.0.1:{ui.port}/health", timeout=10) as resp:
            assert resp.read() == b"ok\n"
        assert ui.server is not None and ui.server.port == ui.port
    finally:
        ui.stop()
    assert _refused(ui.port)


def test_the_delay_starts_it_and_a_stop_before_never_does():
    started = DeferredWebUI(_master(50), "127.0.0.1", "127.0.0.1")
    started.start()
    deadline = time.monotonic() + 10
    while started.server is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert started.server is not None
    started.stop()

    never = DeferredWebUI(_master(600_000), "127.0.0.1", "127.0.0.1")
    never.start()
    never.stop()
    assert never.server is None and _refused(never.port)
    never.stop()  # idempotent


def test_a_taken_port_is_an_oserror():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        m = _master(0)
        m.conf.set("hama.web.port", str(taken.getsockname()[1]))
        with pytest.raises(OSError):
            DeferredWebUI(m, "127.0.0.1", "127.0.0.1")
