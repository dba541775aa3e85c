"""Issue 3's faults, each against a real ZooKeeper, through the ``hama`` CLI (local mode, real peer processes).

* ZooKeeper unreachable at job start: the job fails within the timeout naming the quorum.
* ZooKeeper stopped in the middle of a superstep: the job fails with a SyncError within the
  session timeout (+ slack), or completes if the server is back within the session timeout;
  it never hangs.  The shared cluster ZooKeeper is never touched: these tests start a
  throwaway ``ZooKeeperServerMain`` (Debian's jars) on a free port and always stop it.
* A peer SIGKILLed while the others wait in a barrier: they do not wait for the (long)
  barrier timeout; the job fails promptly naming that peer.
* Peers that call sync() a different number of times: the server's ``peer_finished`` fails
  the waiting peer at once (not at the barrier timeout).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import pytest

from hama_yarn.sync.zookeeper import arrival_name
from tests.sync.zkutil import kazoo_client, zk_quorum

HERE = Path(__file__).resolve().parent
SLOW = str(HERE / "jobs" / "zk_slow.py") + ":Slow"
CORE_JOBS = HERE.parent / "core" / "jobs"
_BIN = Path(sys.executable).parent / "hama"
HAMA = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "hama_yarn.cli.main"]
SESSION_MS = 3000


def past_barrier_one(zk: Any, job: str, peers: int) -> bool:
    """Whether a barrier >= 1 of the job at *job* completed (older ones are collected as it runs)."""
    try:
        steps = [int(d) for d in zk.get_children(f"{job}/sync")]
        return any(zk.exists(f"{job}/sync/{s}/{arrival_name(peers - 1)}") is not None for s in steps if s >= 1)
    except Exception:  # noqa: BLE001 - the job's znodes come and go
        return False


def wait_past_barrier_one(job: subprocess.Popen[str], quorum: str) -> None:
    """Wait (at most 60 s) until the job (3 peers) completed a barrier >= 1; fail if it exits first."""
    with kazoo_client(quorum) as zk:
        deadline = time.monotonic() + 60
        while True:
            assert job.poll() is None, job.communicate()[1]
            assert time.monotonic() < deadline, "the job never reached a superstep"
            jobs = zk.get_children("/bsp") if zk.exists("/bsp") else []
            if jobs and past_barrier_one(zk, f"/bsp/{jobs[0]}", 3):
                return
            time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def java() -> str:
    for home in (os.environ.get("HAMA_TEST_JAVA_HOME", ""), "/usr/lib/jvm/java-17-openjdk-amd64"):
        if home and Path(home, "bin", "java").exists():
            return str(Path(home, "bin", "java"))
    found = shutil.which("java")
    if not found:
        pytest.fail("no java to run a throwaway ZooKeeper")
    return found


class ThrowawayZooKeeper:
    """A standalone ZooKeeper on a free port with its own data dir (never the cluster's)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.data = root / "zk-data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.log = root / "zk.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def quorum(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        cfg = self.root / "zoo.cfg"
        cfg.write_text("\n".join([
            "tickTime=500", f"dataDir={self.data}", f"clientPort={self.port}", "clientPortAddress=127.0.0.1",
            "maxClientCnxns=0", "admin.enableServer=false", "minSessionTimeout=1000", "maxSessionTimeout=60000",
            "4lw.commands.whitelist=ruok", "",
        ]))
        cmd = [java(), "-Xmx128m", "-Dzookeeper.admin.enableServer=false", "-cp",
               f"{self.root}:/usr/share/java/zookeeper.jar", "org.apache.zookeeper.server.ZooKeeperServerMain", str(cfg)]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"throwaway ZooKeeper exited ({self.proc.returncode}); see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"ruok")
                    if s.recv(4) == b"imok":
                        return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"throwaway ZooKeeper not ready within {timeout:g}s; see {self.log}")

    def stop(self) -> None:
        """SIGKILL (a crash, not a clean shutdown) and reap; idempotent."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)
        self.proc = None


@pytest.fixture
def throwaway_zk(tmp_path: Path) -> Iterator[ThrowawayZooKeeper]:
    zk = ThrowawayZooKeeper(tmp_path / "zk")
    try:
        zk.start()
        yield zk
    finally:
        zk.stop()


def hama_cmd(tmp: Path, script: str, quorum: str, *extra: str, n: int = 3) -> list[str]:
    return [*HAMA, "run", script, "-n", str(n), "-D", f"hama.tmp.dir={tmp / 'hama-tmp'}",
            "-D", "hama.sync.client.class=zookeeper", "-D", "hama.sync.server.class=zookeeper",
            "-D", f"hama.zookeeper.quorum={quorum}",
            "-D", "hama.zookeeper.acl=open",  # the tests watch the job's znodes with an unauthenticated client
            *extra]


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "HAMA_CONF_DIR"}


def run(cmd: list[str], timeout: float) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env(),
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"the job hung for {timeout:g}s: {exc.stderr!r}") from None
    return proc, time.monotonic() - start


def test_unreachable_zookeeper_at_job_start(tmp_path: Path) -> None:
    quorum = f"127.0.0.1:{free_port()}"  # nothing listens there
    proc, elapsed = run(hama_cmd(tmp_path, SLOW, quorum, "-D", f"hama.zookeeper.session.timeout={SESSION_MS}",
                                 "-D", "test.steps=2"), timeout=120)
    assert proc.returncode != 0
    assert quorum in proc.stderr, proc.stderr  # the error names the quorum
    assert "ZooKeeper" in proc.stderr
    assert elapsed < 60, f"took {elapsed:.0f}s to report an unreachable ZooKeeper"


def test_zookeeper_stopped_mid_superstep(tmp_path: Path, throwaway_zk: ThrowawayZooKeeper) -> None:
    cmd = hama_cmd(tmp_path, SLOW, throwaway_zk.quorum, "-D", f"hama.zookeeper.session.timeout={SESSION_MS}",
                   "-D", "hama.sync.barrier.timeout.ms=600000",  # only the ZooKeeper failure can end it
                   "-D", "test.steps=400", "-D", "test.sleep=0.05")
    job = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
                           stdin=subprocess.DEVNULL)
    try:
        # wait until the job is inside its supersteps (barrier nodes exist), then crash ZooKeeper
        wait_past_barrier_one(job, throwaway_zk.quorum)
        stopped_at = time.monotonic()
        throwaway_zk.stop()
        try:
            _, stderr = job.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            raise AssertionError("the job hung after ZooKeeper stopped") from None
        elapsed = time.monotonic() - stopped_at
    finally:
        if job.poll() is None:
            job.kill()
            job.communicate()
    assert job.returncode != 0, "ZooKeeper never came back: the job cannot have completed"
    assert "SyncError" in stderr or "ZooKeeper" in stderr, stderr
    assert "session" in stderr.lower(), stderr  # says why: no connection for longer than the session timeout
    assert elapsed < SESSION_MS / 1000 + 20, f"the job took {elapsed:.0f}s to fail after ZooKeeper stopped"


def test_zookeeper_back_within_session_timeout(tmp_path: Path, throwaway_zk: ThrowawayZooKeeper) -> None:
    """ZooKeeper crashes mid-superstep and is back (same port, same data) well within the session
    timeout: sessions and ephemeral znodes survive, the peers reconnect and the job completes."""
    session_ms = 30000
    cmd = hama_cmd(tmp_path, SLOW, throwaway_zk.quorum, "-D", f"hama.zookeeper.session.timeout={session_ms}",
                   "-D", "hama.sync.barrier.timeout.ms=120000", "-D", "test.steps=60", "-D", "test.sleep=0.05")
    job = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
                           stdin=subprocess.DEVNULL)
    try:
        wait_past_barrier_one(job, throwaway_zk.quorum)
        stopped_at = time.monotonic()
        throwaway_zk.stop()
        time.sleep(0.5)
        throwaway_zk.start()
        back_after = time.monotonic() - stopped_at
        assert back_after < session_ms / 1000 / 2, f"ZooKeeper took {back_after:.0f}s to restart"
        try:
            _, stderr = job.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            raise AssertionError("the job hung after ZooKeeper came back") from None
    finally:
        if job.poll() is None:
            job.kill()
            job.communicate()
    assert "suspended" in stderr  # it did notice the outage
    if job.returncode == 0:
        assert "SUPERSTEPS=60" in stderr
    else:
        # Issue 3 allows either outcome, never a hang: on a loaded 2-core machine the
        # restarted JVM can take long enough that the clients give the session up.
        assert job.returncode == 1, stderr
        assert "SyncError" in stderr and "ZooKeeper" in stderr, stderr


def test_sigkilled_peer_in_barrier(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    quorum = zk_quorum(request)
    proc, elapsed = run(hama_cmd(tmp_path, str(CORE_JOBS / "core_fail.py"), quorum,
                                 "-D", "test.fail.where=sigkill", "-D", "hama.sync.barrier.timeout.ms=600000"),
                        timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert elapsed < 30, f"the others waited {elapsed:.0f}s for the dead peer"
    diag = next(line for line in proc.stderr.splitlines() if line.startswith("Task attempt_"))
    assert "peer 1 " in diag and "SIGKILL" in diag


def test_uneven_supersteps_fail_fast(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    quorum = zk_quorum(request)
    proc, elapsed = run(hama_cmd(tmp_path, str(CORE_JOBS / "core_uneven.py"), quorum,
                                 "-D", "hama.sync.barrier.timeout.ms=600000"), timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert elapsed < 30, f"took {elapsed:.0f}s: the waiting peer was not failed by peer_finished"
    assert "different number of times" in proc.stderr, proc.stderr


pytestmark = pytest.mark.zookeeper
