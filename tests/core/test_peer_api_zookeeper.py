"""The end-to-end peer-method test of ``test_peer_api.py``, run once with the ZooKeeper sync backend.

The same job (``jobs/core_observe.py``, 3 real peer processes, CLI, local mode) runs with
``hama.sync.client.class=zookeeper``, ``hama.sync.server.class=zookeeper`` and the quorum of
the real test ZooKeeper (``tests/cluster``), and the same assertions are applied: the
``cli_run``-based tests are imported from ``test_peer_api`` and pick up this module's
``cli_run`` fixture.  The job uses its own ``bsp.zookeeper.root``: it must exist
(ZooKeeper was really used) and be empty at the end (the job's znodes are gone).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.sync.zkutil import kazoo_client, zk_quorum

from .test_peer_api import (  # noqa: F401 - collected here, against this module's cli_run
    observed_run,
    test_builtin_counters_on_peer,
    test_cli_counters_block,
    test_configuration_layers,
    test_get_current_message_and_messages_drain,
    test_identity_methods,
    test_messages_visible_only_after_sync,
    test_one_part_file_per_peer_and_success_marker,
    test_read_next_and_reopen_input,
    test_send_to_unknown_peer_raises,
    test_setup_runs_after_all_peers_registered,
    test_superstep_count,
    test_unread_messages_dropped_at_next_sync,
    test_user_counters_on_peer,
)

pytestmark = pytest.mark.zookeeper


@pytest.fixture(scope="module")
def quorum(request: pytest.FixtureRequest) -> str:
    return zk_quorum(request)


ROOT = f"/hama-test-peer-api-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory, quorum: str) -> tuple[Any, Path, dict[int, Any]]:
    return observed_run(tmp_path_factory.mktemp("observe-zk"),
                        "-D", "hama.sync.client.class=zookeeper", "-D", "hama.sync.server.class=zookeeper",
                        "-D", f"hama.zookeeper.quorum={quorum}", "-D", f"bsp.zookeeper.root={ROOT}")


def test_ran_with_zookeeper_and_cleaned_up(cli_run: tuple[Any, Path, dict[int, Any]], quorum: str) -> None:
    proc, _, _ = cli_run
    match = re.search(r"Running job: (job_\d{12}_\d{4})", proc.stderr)
    assert match, proc.stderr
    with kazoo_client(quorum) as zk:
        try:
            assert zk.exists(ROOT) is not None, "the job did not use ZooKeeper"  # its server created the root
            assert zk.get_children(ROOT) == []  # and removed the job's znode /<root>/<jobId> at the end
        finally:
            zk.delete(ROOT, recursive=True)
