"""pytest plugin: the real-services test cluster as fixtures.

Register in ``tests/conftest.py``::

    pytest_plugins = ["tests.cluster.fixtures"]

Fixtures
--------
``cluster`` (session)
    Brings the whole stack up once per session (same code as ``cluster.sh up``) and returns a
    :class:`tests.cluster.cluster.ClusterInfo` (``zk_quorum``, ``hdfs_url``, ``webhdfs_url``,
    ``rm_address``, ``rm_web``, ``hbase_thrift_host``, ``hbase_thrift_port``, ``conf_dir``,
    ``lib_dir``, ``log_dir``, ``env``, ``java_home``, ``hadoop_classpath``, ``container_logs(app_id)``).
    Tears the stack down at session end only if this session started it (and
    ``HAMA_TEST_KEEP_CLUSTER`` is not 1).
``zookeeper``, ``hdfs``, ``yarn``, ``hbase`` (session)
    The same ClusterInfo, after a quick health probe of that one service.
``cluster_env`` (function)
    ``os.environ`` patched with the cluster's client env (HADOOP_CONF_DIR, HAMA_CONF_DIR, PATH with
    the ``yarn`` shim, JAVA_HOME, SKEIN_CONFIG, ...) for the duration of one test; returns the dict.
``skein_client`` (session)
    One ``skein.Client`` (one Java driver) for the whole session; its log is ``.work/logs/skein-driver.log``.
``hadoop_jars`` (session)
    Only installs the jars (no daemons): returns the ClusterInfo for ``lib_dir`` / ``java_home``,
    for ``java``-marked tests that compile or run Java helpers (``javac -cp 'lib/*'``).

Switches
--------
``HAMA_TEST_SERVICES=0``  skip every test marked ``zookeeper``/``hdfs``/``yarn``/``hbase``/``java``
                          or using one of these fixtures (fast local unit runs).
Otherwise (default, and in CI) a service that fails to start fails the tests that need it, with
the daemon's log tail in the error; nothing is skipped silently.
``HAMA_TEST_KEEP_CLUSTER=1``  leave a stack this session started running (for repeated local runs).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cluster import cluster as cluster_mod
from tests.cluster import install
from tests.cluster.cluster import ClusterError, ClusterInfo
from tests.cluster.config import Layout
from tests.cluster.probes import ProbeError

SERVICE_MARKERS: tuple[str, ...] = ("zookeeper", "hdfs", "yarn", "hbase", "java")

#: fixture name -> marker it implies
FIXTURE_MARKERS: dict[str, str] = {
    "cluster": "zookeeper",
    "cluster_env": "zookeeper",
    "zookeeper": "zookeeper",
    "hdfs": "hdfs",
    "yarn": "yarn",
    "skein_client": "yarn",
    "hbase": "hbase",
    "hadoop_jars": "java",
}

log = logging.getLogger("cluster.fixtures")


def services_enabled() -> bool:
    return os.environ.get("HAMA_TEST_SERVICES", "1").strip().lower() not in ("0", "false", "no", "off")


def _keep_cluster() -> bool:
    return os.environ.get("HAMA_TEST_KEEP_CLUSTER", "0").strip().lower() in ("1", "true", "yes", "on")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests that use the cluster fixtures; skip all service tests when HAMA_TEST_SERVICES=0."""
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            marker = FIXTURE_MARKERS.get(fixture)
            if marker and item.get_closest_marker(marker) is None:
                item.add_marker(getattr(pytest.mark, marker))
    if services_enabled():
        return
    skip = pytest.mark.skip(reason="HAMA_TEST_SERVICES=0: real-service tests disabled")
    for item in items:
        if any(item.get_closest_marker(m) is not None for m in SERVICE_MARKERS):
            item.add_marker(skip)


def _require_enabled() -> None:
    if not services_enabled():
        pytest.skip("HAMA_TEST_SERVICES=0: real-service tests disabled")


@pytest.fixture(scope="session")
def cluster() -> Iterator[ClusterInfo]:
    _require_enabled()
    try:
        info = cluster_mod.up()
    except (ClusterError, ProbeError, RuntimeError) as exc:
        pytest.fail(f"real test cluster failed to start (tests/cluster/cluster.sh up):\n{exc}", pytrace=False)
    yield info
    if info.started and not _keep_cluster():
        cluster_mod.down(info.layout)


def _service(info: ClusterInfo, service: str) -> ClusterInfo:
    problem = cluster_mod.healthy(info.layout, info.ports, (service,))[service]
    if problem is not None:
        logs = ", ".join(str(info.log_dir / f"{d}.log") for d in cluster_mod.SERVICES[service][0])
        pytest.fail(f"{service} is not healthy: {problem}; see {logs}", pytrace=False)
    return info


@pytest.fixture(scope="session")
def zookeeper(cluster: ClusterInfo) -> ClusterInfo:
    return _service(cluster, "zookeeper")


@pytest.fixture(scope="session")
def hdfs(cluster: ClusterInfo) -> ClusterInfo:
    return _service(cluster, "hdfs")


@pytest.fixture(scope="session")
def yarn(cluster: ClusterInfo) -> ClusterInfo:
    return _service(cluster, "yarn")


@pytest.fixture(scope="session")
def hbase(cluster: ClusterInfo) -> ClusterInfo:
    return _service(cluster, "hbase")


@pytest.fixture
def cluster_env(cluster: ClusterInfo, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for key, value in cluster.env.items():
        monkeypatch.setenv(key, value)
    return dict(cluster.env)


@pytest.fixture(scope="session")
def skein_client(yarn: ClusterInfo) -> Iterator[Any]:
    # the Java driver inherits the environment at start: JAVA_HOME, HADOOP_CONF_DIR, PATH (yarn shim);
    # skein reads SKEIN_CONFIG (credentials dir) when first imported
    with pytest.MonkeyPatch.context() as mp:
        for key, value in yarn.env.items():
            mp.setenv(key, value)
        import skein

        # skein reads SKEIN_CONFIG once, at its first import: another test may have imported it
        # before this fixture set it, so name the credentials the `hama` CLI uses explicitly
        config = yarn.env.get("SKEIN_CONFIG") or ""
        security = None
        if config:
            try:
                security = skein.Security.from_directory(config)
            except FileNotFoundError:
                os.makedirs(config, exist_ok=True)
                security = skein.Security.new_credentials().to_directory(config)
        client = skein.Client(log=str(yarn.log_dir / "skein-driver.log"), security=security)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def hadoop_jars() -> ClusterInfo:
    _require_enabled()
    try:
        install.install(Layout(), python_packages=False)
    except RuntimeError as exc:
        pytest.fail(f"installing the Hadoop jars failed (tests/cluster/cluster.sh install):\n{exc}", pytrace=False)
    return cluster_mod.info()
