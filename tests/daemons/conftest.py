"""A bspmaster and grooms as real processes on 127.0.0.1 (classic cluster mode)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HAMA = [sys.executable, "-m", "hama_yarn.cli.main"]

SLEEP_BSP = '''
import time
from hama_yarn import BSP

class Sleep(BSP):
    def bsp(self, peer):
        seconds = float(peer.get_configuration().get("test.sleep.seconds") or "0")
        deadline = time.time() + seconds
        while time.time() < deadline:
            time.sleep(0.05)
        peer.sync()
        peer.write(peer.get_peer_index(), peer.get_num_peers())
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """Processes of one test's cluster; :meth:`close` ends every one of them."""

    def __init__(self, root: Path, expiry_ms: int = 3000, web: bool = False) -> None:
        self.root = root
        self.port = free_port()
        self.defines = ["-D", f"hama.tmp.dir={root}", "-D", f"bsp.master.port={self.port}",
                        "-D", f"bsp.groom.expiry.ms={expiry_ms}", "-D", f"hama.web.enabled={str(web).lower()}",
                        "-D", "bsp.http.infoserver.port=0"]
        self.master: subprocess.Popen[bytes] | None = None
        self.grooms: dict[str, subprocess.Popen[bytes]] = {}

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen[bytes]:
        out = open(self.root / log, "ab")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(HAMA + args + self.defines, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)

    def start_master(self, *extra: str) -> None:
        self.master = self._spawn(["bspmaster", *extra], "bspmaster.out")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                assert self.master.poll() is None, (self.root / "bspmaster.out").read_text()
                time.sleep(0.1)
        raise AssertionError("the bspmaster did not listen within 30s")

    def start_groom(self, name: str, slots: int) -> None:
        self.grooms[name] = self._spawn(["groom", "-D", f"bsp.groom.name={name}", "-D", f"bsp.tasks.maximum={slots}",
                                         "-D", "bsp.groom.hostname=127.0.0.1"], f"{name}.out")

    def wait_grooms(self, names: set[str], timeout: float = 30) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            lines = self.hama("job", "-list-active-grooms").stdout.splitlines()
            if {line.split("\t")[0] for line in lines} == names or time.monotonic() > deadline:
                return lines
            time.sleep(0.2)

    def hama(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(HAMA + list(args) + self.defines + ["-r", "cluster"], capture_output=True, text=True,
                              timeout=timeout)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(HAMA + list(args) + self.defines + ["-r", "cluster"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def close(self) -> None:
        procs = [*self.grooms.values(), *([self.master] if self.master else [])]
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)


@pytest.fixture
def bsp_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A bspmaster and grooms g1 (2 slots), g2 (2 slots), g3 (1 slot)."""
    c = Cluster(tmp_path)
    try:
        c.start_master()
        for name, slots in (("g1", 2), ("g2", 2), ("g3", 1)):
            c.start_groom(name, slots)
        c.wait_grooms({"g1", "g2", "g3"})
        yield c
    finally:
        c.close()


@pytest.fixture
def sleep_script(tmp_path: Path) -> Path:
    path = tmp_path / "sleepjob.py"
    path.write_text(SLEEP_BSP)
    return path


@pytest.fixture
def six_slots(tmp_path: Path) -> Iterator[Cluster]:
    """A bspmaster with its web UI and grooms g1, g2, g3 of 2 slots each (room for relocated peers)."""
    c = Cluster(tmp_path, expiry_ms=2000, web=True)
    try:
        c.start_master()
        for name in ("g1", "g2", "g3"):
            c.start_groom(name, 2)
        c.wait_grooms({"g1", "g2", "g3"})
        yield c
    finally:
        c.close()
