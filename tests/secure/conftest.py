"""The secured profile of tests/cluster (``cluster.sh up --secure``): Kerberos KDC, HDFS + YARN in Kerberos mode.

``secure_cluster`` (session) brings it up once, beside the normal stack (own ports and work dir); a KDC or
daemon that cannot start fails these tests, it never skips them. The session stops the profile at the end
only if it started it and ``HAMA_TEST_KEEP_CLUSTER`` is not 1, like the normal stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cluster import secure
from tests.cluster.cluster import ClusterError, ClusterInfo
from tests.cluster.fixtures import _keep_cluster, _require_enabled
from tests.cluster.probes import ProbeError, http_json

ROOT = Path(__file__).resolve().parents[2]
ACTIVE = "NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING"


@pytest.fixture(scope="session")
def secure_cluster() -> Iterator[ClusterInfo]:
    _require_enabled()
    try:
        info = secure.up()
    except (ClusterError, ProbeError, RuntimeError) as exc:
        pytest.fail(f"secured test cluster failed to start (tests/cluster/cluster.sh up --secure):\n{exc}",
                    pytrace=False)
    yield info
    if info.started and not _keep_cluster():
        secure.down(info.layout)  # type: ignore[arg-type]


@pytest.fixture
def secure_env(secure_cluster: ClusterInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The secured profile's client env in ``os.environ`` (the user's ticket from its keytab in a fresh cache).

    The returned dict (for subprocesses) adds ``HAMA_TMP``; ``KRB5CCNAME`` names this test's own cache.
    """
    layout = secure_cluster.layout
    assert isinstance(layout, secure.SecureLayout)
    cache = tmp_path / "krb5cc"
    secure.kinit_user(layout, cache)
    for key, value in secure_cluster.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{cache}")
    monkeypatch.delenv("HADOOP_USER_NAME", raising=False)
    env = dict(os.environ)
    env["HAMA_TMP"] = str(tmp_path / "hama-tmp")
    return env


@pytest.fixture
def secure_hdfs_dir(secure_env: dict[str, str]) -> Iterator[str]:
    """A fresh directory URL on the Kerberized HDFS (made and removed with the user's ticket)."""
    from hama_yarn.io.fs import resolve

    url = f"{secure_env['HAMA_HDFS_URL']}/tmp/hama-secure-tests/{uuid.uuid4().hex[:10]}"
    fs, path = resolve(url)
    fs.makedirs(path, exist_ok=True)
    yield url
    try:
        fs.rm(path, recursive=True)
    except Exception:  # noqa: BLE001
        pass


def hama(env: dict[str, str], *args: str, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
    """The ``hama`` CLI of this checkout in a subprocess with *env*."""
    cmd = [sys.executable, "-m", "hama_yarn.cli.main", *args, "-D", f"hama.tmp.dir={env['HAMA_TMP']}"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def rm_apps(info: ClusterInfo, states: str = "") -> list[dict[str, Any]]:
    """Application reports from the secured ResourceManager's REST API (simple HTTP auth)."""
    query = f"?states={states}" if states else ""
    data = http_json(f"http://127.0.0.1:{info.ports.rm_web}/ws/v1/cluster/apps{query}")
    return list(((data.get("apps") or {}).get("app")) or [])


def rm_app(info: ClusterInfo, app_id: str) -> dict[str, Any]:
    data = http_json(f"http://127.0.0.1:{info.ports.rm_web}/ws/v1/cluster/apps/{app_id}")
    return dict(data["app"])
