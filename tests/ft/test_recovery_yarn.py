"""Recovery on the real YARN + HDFS (issue 13, phase 3): the 20-superstep P=4 job whose peer 2's
container process is SIGKILLed at superstep s completes with output byte-identical to an
undisturbed run; checkpoints are written to HDFS and replacement peers are new containers."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.yarn.conftest import hama, yarn_env, hdfs_dir  # noqa: F401 - fixtures

from .conftest import FT_ON, ft_job

pytestmark = [pytest.mark.yarn, pytest.mark.hdfs]

JOB = ft_job()


def _tree(url: str) -> dict[str, bytes]:
    from hama_yarn.io.fs import resolve

    fs, path = resolve(url)
    return {p.rsplit("/", 1)[-1]: fs.cat_file(p) for p in sorted(fs.ls(path, detail=False))}


@pytest.fixture
def data(hdfs_dir: str) -> str:  # noqa: F811
    from hama_yarn.io.fs import resolve

    url = f"{hdfs_dir}/in.txt"
    fs, path = resolve(url)
    fs.pipe_file(path, "".join(f"input line {i} {'x' * (i % 13)}\n" for i in range(120)).encode())
    return url


def _run(env: dict[str, str], data: str, out: str, *extra: str, runner: str = "yarn") -> Any:
    return hama(env, "run", JOB, "-n", "4", "-i", data, "-o", out, "-r", runner, *extra, timeout=300)


def test_peer_containers_killed_on_yarn_output_identical(yarn_env, skein_client, data, hdfs_dir):  # noqa: F811
    # the undisturbed reference runs in local mode on the same HDFS input (same splits, same output)
    base = _run(yarn_env, data, f"{hdfs_dir}/base", runner="local")
    assert base.returncode == 0, base.stderr
    expected = _tree(f"{hdfs_dir}/base")
    assert sorted(expected) == ["_SUCCESS", "part-00000", "part-00001", "part-00002", "part-00003"]
    # a checkpoint every 3rd superstep (each part is an HDFS file): killed at 4 -> 3, at 14 -> 12
    for s, back in ((4, 3), (14, 12)):
        out = f"{hdfs_dir}/out{s}"
        r = _run(yarn_env, data, out, *FT_ON, "-D", "bsp.checkpoint.interval=3", "-D", f"test.ft.kill=2@{s}")
        assert r.returncode == 0, r.stderr
        assert re.search(r"RECOVERIES=1\b", r.stderr), r.stderr
        assert f"rolled back to superstep {back}" in r.stderr, r.stderr
        assert re.search(r"CHECKPOINT_BYTES=[1-9]", r.stderr)
        assert _tree(out) == expected, s
