"""Out-of-core messaging on the real YARN (issue 23): spill files in the containers' LOCAL_DIRS.

The 1 GiB flood runs once here (``spilling``); the local suite (tests/outofcore) runs both
disk queues at that size.  Spill files must be gone after success, failure and a killed job,
although this cluster keeps application directories for an hour (debug-delay-sec).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.outofcore.test_spill_local import FLOOD, GiB, MiB, check_flood

from .conftest import ROOT, hama, wait_final

pytestmark = [pytest.mark.yarn]


def _nm_local_dirs(env: dict[str, str]) -> list[Path]:
    site = Path(env["HAMA_CONF_DIR"]) / "yarn-site.xml"
    for prop in ET.parse(site).getroot().iter("property"):
        if prop.findtext("name") == "yarn.nodemanager.local-dirs":
            return [Path(d) for d in (prop.findtext("value") or "").split(",") if d]
    raise AssertionError(f"no yarn.nodemanager.local-dirs in {site}")


def _spill_files(env: dict[str, str], app_id: str) -> list[Path]:
    files: list[Path] = []
    for d in _nm_local_dirs(env):
        for app_dir in d.glob(f"usercache/*/appcache/{app_id}"):
            files += [p for p in app_dir.rglob("hama-spill/**/*") if p.is_file()]
    return files


def _app_id(text: str) -> str:
    m = re.search(r"application_\d+_\d+", text) or re.search(r"Running job: job_(\d+_\d+)", text)
    assert m, text[-3000:]
    return m.group(0) if m.group(0).startswith("application_") else f"application_{m.group(1)}"


def _flood(env: dict[str, str], queue: str, nbytes: int, *extra: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return hama(env, "run", FLOOD, "-n", "4", "-r", "yarn", "-D", f"flood.bytes={nbytes}",
                "-D", f"hama.messenger.receive.queue.class={queue}", *extra, timeout=timeout)


@pytest.mark.slow
def test_yarn_three_gib_to_one_peer_spilling(yarn_env: dict[str, str], skein_client: Any) -> None:
    """3 x 1 GiB of 64 KiB messages to one peer: spilling (64 MiB) in 512 MiB containers, RSS < 400 MiB."""
    r = _flood(yarn_env, "spilling", GiB, "-D", "hama.messenger.spill.threshold.bytes=67108864",
               "-D", "bsp.child.mem.in.mb=512")
    check_flood(r, 3, GiB, 400 * MiB)
    app_id = _app_id(r.stderr)
    assert str(wait_final(skein_client, app_id).final_status) == "SUCCEEDED"
    assert _spill_files(yarn_env, app_id) == []


def test_yarn_disk_queue_and_files_gone(yarn_env: dict[str, str], skein_client: Any) -> None:
    r = _flood(yarn_env, "disk", 64 * MiB)
    check_flood(r, 3, 64 * MiB, 400 * MiB)
    assert _spill_files(yarn_env, _app_id(r.stderr)) == []


def test_yarn_memory_queue_fails_at_container_size(yarn_env: dict[str, str], skein_client: Any) -> None:
    """``memory`` in 512 MiB containers: the job fails naming peer 0, superstep 0 and bsp.child.mem.in.mb."""
    r = _flood(yarn_env, "memory", GiB, "-D", "bsp.child.mem.in.mb=512")
    assert r.returncode == 1, r.stderr[-3000:]
    assert re.search(r"peer 0 passed its memory limit in superstep 0: resident memory \d+ MiB > 512 MiB "
                     r"\(bsp.child.mem.in.mb\); its receive queue holds \d+ bytes", r.stderr), r.stderr[-4000:]
    app_id = _app_id(r.stderr)
    assert str(wait_final(skein_client, app_id).final_status) == "FAILED"


def test_yarn_spill_files_gone_after_failure_and_kill(yarn_env: dict[str, str], skein_client: Any,
                                                      tmp_path: Path) -> None:
    r = _flood(yarn_env, "disk", 16 * MiB, "-D", "flood.fail.after.sync=1")
    assert r.returncode == 1 and "failing on purpose" in r.stderr, r.stderr[-3000:]
    assert _spill_files(yarn_env, _app_id(r.stderr)) == []

    marker = tmp_path / "marker"
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", "run", FLOOD, "-n", "4", "-r", "yarn",
           "-D", f"hama.tmp.dir={yarn_env['HAMA_TMP']}", "-D", f"flood.bytes={16 * MiB}",
           "-D", "hama.messenger.receive.queue.class=disk", "-D", "flood.sleep.after.sync=300",
           "-D", f"flood.marker={marker}"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=yarn_env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 240
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the job never reached its sleep"
            time.sleep(0.3)
        spilled = [f for d in _nm_local_dirs(yarn_env) for f in d.rglob("hama-spill/**/*.spill")
                   if f.stat().st_mtime >= os.path.getmtime(marker) - 120]
        assert sum(f.stat().st_size for f in spilled) >= 3 * 16 * MiB
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the client kills the YARN application
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, err[-3000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    app_id = _app_id(err)
    wait_final(skein_client, app_id)
    deadline = time.monotonic() + 30
    while any(f.exists() for f in spilled) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert [f for f in spilled if f.exists()] == []
