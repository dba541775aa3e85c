"""YARN client set-up from an edge node's shell (issue 11 item 2, issue 22 item 8).

* the harness's ``env`` alone, in a fresh shell, is a complete client environment for ``hama run -r yarn``;
* whatever the driver needs and is missing (``yarn`` on PATH, a Hadoop configuration, a reachable
  ResourceManager) gives one ``hama: error:`` line naming it and how to provide it, exit 2, no traceback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, assert_no_hama_apps

pytestmark = [pytest.mark.yarn]


def _cli(env: dict[str, str], tmp: Path, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", "run", str(ROOT / "examples" / "hello.py"), "-r", "yarn",
           "-n", "2", "-D", f"hama.tmp.dir={tmp}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


def _one_error_line(r: subprocess.CompletedProcess[str]) -> str:
    """The process failed as a usage/set-up error: exit 2, one ``hama: error:`` line, no traceback."""
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "AttributeError" not in r.stderr, r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("hama: error:")]
    assert len(errors) == 1, r.stderr
    return errors[0]


@pytest.fixture
def client_env(cluster_env: dict[str, str]) -> dict[str, str]:
    """The harness's client env without any Hadoop installation outside it."""
    env = dict(os.environ)
    env.pop("HADOOP_HOME", None)
    return env


def test_fresh_shell_with_the_harness_env_runs_a_yarn_job(yarn: Any, skein_client: Any, tmp_path: Path) -> None:
    """``env -i`` + ``eval "$(tests/cluster/cluster.sh env)"`` + ``hama run ... -r yarn``: nothing else."""
    home = tmp_path / "home"
    home.mkdir()
    script = (
        'set -e\n'
        'eval "$(tests/cluster/cluster.sh env)"\n'
        f'hama run examples/hello.py -r yarn -n 2 -D hama.tmp.dir={tmp_path / "hama-tmp"}\n'
    )
    r = subprocess.run(["env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", "bash", "-c", script],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout + r.stderr
    assert "Traceback" not in out and "FileNotFoundError" not in out, out
    assert "LAUNCHED_TASKS=2" in out and "SUPERSTEPS=3" in out, out
    assert "TOTAL_MESSAGES_RECEIVED=12" in out, out  # 2 peers x 2 greetings x 3 supersteps
    assert_no_hama_apps(skein_client)


def test_no_yarn_on_path_is_one_error_line(yarn: Any, client_env: dict[str, str], tmp_path: Path) -> None:
    env = {**client_env, "PATH": "/usr/bin:/bin"}  # the harness's shim dir is not there, nor HADOOP_HOME
    line = _one_error_line(_cli(env, tmp_path))
    assert "`yarn`" in line and "HADOOP_HOME" in line and "PATH" in line, line
    assert not (tmp_path / "staging").exists() or not any((tmp_path / "staging").iterdir())


def test_hadoop_home_without_yarn_is_named(yarn: Any, client_env: dict[str, str], tmp_path: Path) -> None:
    fake_home = tmp_path / "hadoop"
    (fake_home / "bin").mkdir(parents=True)
    env = {**client_env, "PATH": "/usr/bin:/bin", "HADOOP_HOME": str(fake_home)}
    line = _one_error_line(_cli(env, tmp_path))
    assert f"HADOOP_HOME={fake_home}" in line and "bin/yarn" in line, line


def test_hadoop_home_bin_is_used_when_yarn_is_not_on_path(yarn: Any, client_env: dict[str, str],
                                                         tmp_path: Path) -> None:
    """HADOOP_HOME is a way to provide `yarn` (the error says so): with the harness's shim dir as
    ``$HADOOP_HOME/bin`` and no ``yarn`` on PATH, set-up passes (probed without starting a driver)."""
    shim_bin = Path(client_env["PATH"].split(":")[0])
    assert (shim_bin / "yarn").exists()
    env = {**client_env, "PATH": "/usr/bin:/bin", "HADOOP_HOME": str(shim_bin.parent)}
    code = ("from hama_yarn.launcher.yarn.submit import check_client_setup; import shutil; "
            "check_client_setup(); print(shutil.which('yarn'))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(shim_bin / "yarn")


@pytest.mark.parametrize("value", [None, "/nonexistent/hadoop-conf"])
def test_no_hadoop_conf_dir_is_one_error_line(value: str | None, yarn: Any, client_env: dict[str, str],
                                              tmp_path: Path) -> None:
    env = {k: v for k, v in client_env.items() if k not in ("HADOOP_CONF_DIR", "YARN_CONF_DIR")}
    if value is not None:
        env["HADOOP_CONF_DIR"] = value
    line = _one_error_line(_cli(env, tmp_path))
    assert "HADOOP_CONF_DIR" in line and "yarn-site.xml" in line, line
    if value is not None:
        assert f"HADOOP_CONF_DIR={value}" in line and "not a directory" in line, line


def _conf_dir(tmp_path: Path, rm: str) -> Path:
    conf = tmp_path / "hadoop-conf"
    conf.mkdir()
    (conf / "yarn-site.xml").write_text(
        "<configuration><property><name>yarn.resourcemanager.address</name>"
        f"<value>{rm}</value></property></configuration>\n")
    return conf


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_rm_on_a_closed_port_is_one_error_line(yarn: Any, client_env: dict[str, str], tmp_path: Path) -> None:
    address = f"127.0.0.1:{_closed_port()}"
    conf = _conf_dir(tmp_path, address)
    env = {**client_env, "HADOOP_CONF_DIR": str(conf), "YARN_CONF_DIR": str(conf)}
    line = _one_error_line(_cli(env, tmp_path))
    assert address in line and "yarn.resourcemanager.address" in line and str(conf) in line, line
    assert "hama.client.connect.timeout.ms" in line, line


@pytest.fixture
def silent_listener() -> Iterator[str]:
    """An address whose connects neither succeed nor fail: a listening socket with a full accept queue."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    address = f"127.0.0.1:{server.getsockname()[1]}"
    filler = socket.create_connection(("127.0.0.1", server.getsockname()[1]), timeout=5)
    try:
        with socket.socket() as probe:  # precondition: the next connect hangs (times out) instead of being refused
            probe.settimeout(0.5)
            with pytest.raises(socket.timeout):
                probe.connect(("127.0.0.1", server.getsockname()[1]))
        yield address
    finally:
        filler.close()
        server.close()


def test_unresponsive_rm_fails_after_the_connect_timeout(yarn: Any, client_env: dict[str, str], tmp_path: Path,
                                                         silent_listener: str) -> None:
    conf = _conf_dir(tmp_path, silent_listener)
    env = {**client_env, "HADOOP_CONF_DIR": str(conf), "YARN_CONF_DIR": str(conf)}
    # the subprocess timeout is a hang guard, far above the 1.5 s asked for
    line = _one_error_line(_cli(env, tmp_path, "-D", "hama.client.connect.timeout.ms=1500", timeout=60))
    assert silent_listener in line and "within 1.5s" in line and "hama.client.connect.timeout.ms" in line, line
