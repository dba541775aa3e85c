"""An unreachable ZooKeeper quorum (issue 22): one clear error, the promised timeout, Ctrl-C honoured.

``hama run`` with the ``zookeeper`` sync service checks the quorum before it starts the master
(local mode) and fails with one ``hama: error:`` line naming the address and the keys to change,
exit 2, no traceback.  The master and the peers wait at most ``hama.client.connect.timeout.ms``
for their first connection and say so; the master does not wait a second time when it publishes
the abort of the job that could not start.

No ZooKeeper is needed: the "quorum" is a port where nothing listens (refused) or a socket that
accepts connections and never answers (silent).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import ConfigError, SyncError
from hama_yarn.sync import SyncContext
from hama_yarn.sync import zkserver
from hama_yarn.sync.zookeeper import ZooKeeperSyncServer

ROOT = Path(__file__).resolve().parents[2]
JOB = str(Path(__file__).resolve().parent / "jobs" / "zk_ring.py")
HAMA = [sys.executable, "-m", "hama_yarn.cli.main"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def refused() -> str:
    """An address where nothing listens."""
    return f"127.0.0.1:{_free_port()}"


@pytest.fixture
def silent() -> Iterator[str]:
    """An address that accepts TCP connections and never answers the ZooKeeper handshake."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    try:
        yield f"127.0.0.1:{srv.getsockname()[1]}"
    finally:
        srv.close()


def _run_cli(quorum: str, tmp: Path, *extra: str, **popen: Any) -> subprocess.Popen[str]:
    cmd = HAMA + ["-q", "run", f"{JOB}:Ring", "-n", "2",
                  "-D", "hama.sync.client.class=zookeeper", "-D", "hama.sync.server.class=zookeeper",
                  "-D", f"hama.zookeeper.quorum={quorum}", "-D", f"hama.tmp.dir={tmp / 'hama-tmp'}", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def _assert_one_error_line(stderr: str, quorum: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("hama: error: "), line
    assert quorum in line and "hama.zookeeper.quorum" in line and "hama.client.connect.timeout.ms" in line, line
    return line


@pytest.mark.timeout(60)
def test_cli_refused_quorum_one_error_line_exit_2(refused: str, tmp_path: Path) -> None:
    job = _run_cli(refused, tmp_path)
    out, err = job.communicate(timeout=50)
    assert job.returncode == 2, (out, err)
    line = _assert_one_error_line(err, refused)
    assert "refused" in line.lower(), line


@pytest.mark.timeout(60)
def test_cli_silent_quorum_waits_the_connect_timeout_it_names(silent: str, tmp_path: Path) -> None:
    job = _run_cli(silent, tmp_path, "-D", "hama.client.connect.timeout.ms=1500")
    out, err = job.communicate(timeout=50)
    assert job.returncode == 2, (out, err)
    line = _assert_one_error_line(err, silent)
    assert "within 1.5s" in line and "no answer" in line, line


@pytest.mark.timeout(60)
def test_cli_ctrl_c_while_waiting_for_the_quorum(silent: str, tmp_path: Path) -> None:
    # a connect timeout far longer than the test allows: only the interrupt can end the wait
    job = _run_cli(silent, tmp_path, "-D", "hama.client.connect.timeout.ms=120000")
    time.sleep(1.5)  # inside the connection attempt (start-up takes well under that)
    assert job.poll() is None
    job.send_signal(signal.SIGINT)
    out, err = job.communicate(timeout=15)
    assert job.returncode == 130, (out, err)
    assert "Traceback" not in err, err


@pytest.mark.timeout(60)
def test_master_connect_timeout_agrees_and_is_not_waited_twice(silent: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sync server's message names the timeout it waited; abort() and close() after a failed
    start do not try to connect again (that doubled the wait)."""
    attempts: list[str] = []
    real = zkserver.connect

    def counted(conf: HamaConfiguration, what: str, *args: Any) -> Any:
        attempts.append(what)
        return real(conf, what, *args)

    monkeypatch.setattr(zkserver, "connect", counted)
    conf = HamaConfiguration()
    conf.set("hama.zookeeper.quorum", silent)
    conf.set("hama.client.connect.timeout.ms", 1000)
    server = ZooKeeperSyncServer(SyncContext(conf, "job_unreachable_0001", 2))
    with pytest.raises(SyncError, match=f"cannot connect to ZooKeeper at {silent} within 1s .*hama.client.connect"):
        server.start()
    server.abort("the job cannot start")
    server.peer_finished(0)
    server.close(False)
    assert len(attempts) == 1, attempts


def test_preflight_names_every_server(refused: str) -> None:
    other = f"127.0.0.1:{_free_port()}"
    conf = HamaConfiguration()
    conf.set("hama.zookeeper.quorum", f"{refused},{other}")
    with pytest.raises(ConfigError) as info:
        ZooKeeperSyncServer.preflight(conf)
    assert info.value.key == "hama.zookeeper.quorum"
    assert refused in str(info.value) and other in str(info.value)
