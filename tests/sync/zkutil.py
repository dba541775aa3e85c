"""Helpers shared by the sync tests: where the test ZooKeeper is, and a raw kazoo client.

The ZooKeeper is the real one from ``tests/cluster`` (the session fixture ``zookeeper`` of the
``tests.cluster.fixtures`` plugin).  ``HAMA_TEST_ZK_QUORUM=host:port`` points the tests at an
already running ZooKeeper instead (handy while developing; nothing is started then).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

PLUGIN = "tests.cluster.fixtures"


def zk_quorum(request: pytest.FixtureRequest) -> str:
    """The quorum of the test ZooKeeper (starting the test cluster through its fixture if needed)."""
    override = os.environ.get("HAMA_TEST_ZK_QUORUM", "").strip()
    if override:
        return override
    try:
        info = request.getfixturevalue("zookeeper")
    except pytest.FixtureLookupError:
        # the cluster plugin is normally registered by tests/conftest.py; register it late if not
        pm = request.config.pluginmanager
        if not pm.has_plugin(PLUGIN):
            pm.import_plugin(PLUGIN)
        info = request.getfixturevalue("zookeeper")
    return str(info.zk_quorum)


@contextmanager
def kazoo_client(quorum: str, **kwargs: Any) -> Iterator[Any]:
    """A started KazooClient on *quorum*, stopped on exit."""
    from kazoo.client import KazooClient

    zk = KazooClient(hosts=quorum, timeout=kwargs.pop("timeout", 10.0), **kwargs)
    zk.start(timeout=15)
    try:
        yield zk
    finally:
        zk.stop()
        zk.close()
