"""A wrong or dead filesystem address (issue 22 item 1): one clear error, bounded wait, Ctrl-C honoured.

``hama run -i hdfs://127.0.0.1:9001/x`` with nothing listening used to print nothing for
~180 s (hdfs-native's failover retries inside a native call that holds off Ctrl-C), then die
with a raw ``OSError`` traceback.  Now the first contact with every remote filesystem is
bounded by ``hama.client.connect.timeout.ms`` and interruptible, and fails with one
``hama: error:`` line naming the address and the key, exit 2.

No service is needed: a refused address (nothing listens) and a silent one (accepts the
TCP connection, never answers) stand in for a wrong NameNode / WebHDFS address.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.config import HamaConfiguration, default_keys
from hama_yarn.io import fs as hfs
from hama_yarn.io import reach

from .conftest import ECHO, ROOT, command, hama_env, one_error_line, run_hama

KEY = "hama.client.connect.timeout.ms"


@pytest.fixture(autouse=True)
def _fresh_contacts() -> None:
    reach.forget()


def test_default_connect_timeout_is_at_most_20s() -> None:
    assert int(default_keys()[KEY].default) <= 20000
    assert reach.connect_timeout(None) <= 20.0


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scheme", ["hdfs", "webhdfs"])
@pytest.mark.parametrize("where", ["-i", "-o"])
def test_refused_address_one_error_line_exit_2(scheme: str, where: str, refused: str, tmp_path: Path) -> None:
    url = f"{scheme}://{refused}/x"
    io = ["-i", url, "-o", str(tmp_path / "out")] if where == "-i" else ["-o", url]
    # the default timeout: a refused connection must not wait for it
    job = run_hama(tmp_path, "run", f"{ECHO}:Echo", *io, timeout=40)
    assert job.returncode == 2, job.stderr
    line = one_error_line(job.stderr)
    assert f"{scheme}://{refused}" in line and KEY in line, line
    assert "refused" in line.lower(), line


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scheme", ["hdfs", "webhdfs"])
def test_silent_address_fails_at_the_connect_timeout_it_names(scheme: str, silent: str, tmp_path: Path) -> None:
    job = run_hama(tmp_path, "run", f"{ECHO}:Echo", "-i", f"{scheme}://{silent}/x", "-o", str(tmp_path / "out"),
                   "-D", f"{KEY}=1500", timeout=40)
    assert job.returncode == 2, job.stderr
    line = one_error_line(job.stderr)
    assert f"{scheme}://{silent}" in line and KEY in line and "within 1.5s" in line and "no answer" in line, line


@pytest.mark.timeout(60)
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_ends_the_wait(sig: signal.Signals, code: int, silent: str, tmp_path: Path) -> None:
    # a connect timeout far longer than the test allows: only the signal can end the wait
    proc = subprocess.Popen(command(tmp_path, "run", f"{ECHO}:Echo", "-i", f"hdfs://{silent}/x",
                                    "-o", str(tmp_path / "out"), "-D", f"{KEY}=600000"),
                            cwd=ROOT, env=hama_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3.0)  # well into the first contact
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=5)  # generous bound; measured ~0.05 s
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, err
    assert "Traceback" not in err, err


@pytest.mark.timeout(30)
def test_resolve_in_master_or_peer_raises_naming_address_and_key(silent: str) -> None:
    """The master and the peers resolve paths through the same function: they fail the job, never hang."""
    conf = HamaConfiguration()
    conf.set(KEY, 500)
    with pytest.raises(reach.FilesystemUnreachableError) as info:
        hfs.resolve(f"hdfs://{silent}/data/part-00000", conf)
    assert f"hdfs://{silent}" in str(info.value) and KEY in str(info.value)
    assert info.value.timeout == 0.5


@pytest.mark.timeout(30)
def test_scheme_less_path_names_fs_default_fs(refused: str, tmp_path: Path) -> None:
    conf = HamaConfiguration()
    conf.set("fs.defaultFS", f"hdfs://{refused}")
    with pytest.raises(reach.FilesystemUnreachableError, match="fs.defaultFS") as info:
        hfs.resolve("/user/x/input.txt", conf)
    assert f"hdfs://{refused}" in str(info.value)


def test_local_paths_are_not_probed(tmp_path: Path) -> None:
    fs, path = hfs.resolve(str(tmp_path))
    assert hfs.is_local(fs) and path == str(tmp_path)


@pytest.mark.hdfs
@pytest.mark.timeout(120)
def test_reachable_hdfs_is_contacted_once(hdfs: Any) -> None:
    """A running NameNode passes the first contact, which is remembered for the process."""
    url = hdfs.env["HAMA_HDFS_URL"]
    fs, _ = hfs.resolve(f"{url}/tmp", HamaConfiguration())
    assert type(fs).__module__.startswith("hdfs_native")
    assert ("hdfs", url.split("://", 1)[1]) in reach._reached


@pytest.mark.timeout(60)
def test_hdfs_without_port_or_nameservice_one_error_line(tmp_path: Path) -> None:
    """hdfs-native refuses ``hdfs://host/`` without a port or nameservice (a RuntimeError): named, exit 2."""
    job = run_hama(tmp_path, "run", f"{ECHO}:Echo", "-i", "hdfs://127.0.0.1/x", "-o", str(tmp_path / "out"))
    assert job.returncode == 2, job.stderr
    line = one_error_line(job.stderr)
    assert "hdfs://127.0.0.1/x" in line and "hdfs://host:8020" in line and "hdfs-site.xml" in line, line


def test_hadoop_client_keys_reach_hdfs_native() -> None:
    """``-D dfs.client.failover.max.attempts=...`` (hdfs-native's retry budget) is passed through; defaults are not."""
    conf = HamaConfiguration()
    conf.set("dfs.client.failover.max.attempts", "2", layer="command line")
    conf.set("ipc.client.connect.timeout", "5000")
    conf.set("bsp.peers.num", "3")
    assert hfs._hadoop_client_keys(conf) == {"dfs.client.failover.max.attempts": "2",
                                             "ipc.client.connect.timeout": "5000"}
    assert hfs._hadoop_client_keys(None) == {}


@pytest.mark.timeout(30)
def test_unresolvable_host_with_port_is_named(tmp_path: Path) -> None:
    conf = HamaConfiguration()
    conf.set(KEY, 5000)
    with pytest.raises(reach.FilesystemUnreachableError) as info:
        hfs.resolve("webhdfs://no-such-host.invalid:9870/x", conf)
    assert "webhdfs://no-such-host.invalid:9870" in str(info.value) and KEY in str(info.value)
