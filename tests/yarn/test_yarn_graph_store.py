"""Out-of-core graphs on YARN (issue 23): a Vertex API PageRank with the ``disk`` vertex store and a
vectorized PageRank with memory-mapped arrays, input on HDFS, the stores in the containers'
``LOCAL_DIRS``; the ranks match the Graphalytics reference output."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import app_of, wait_final
from .test_yarn_graph import DATA, _close, _output, _reference, _upload

pytestmark = [pytest.mark.yarn, pytest.mark.hdfs]


@pytest.mark.parametrize("vectorized", [False, True], ids=["vertex-api-disk-store", "vectorized-mmap"])
def test_out_of_core_pagerank_on_yarn(vectorized: bool, yarn_env: dict[str, str], skein_client: Any,
                                      hdfs_dir: str) -> None:
    from hama_yarn.config import HamaConfiguration
    from hama_yarn.graph import GraphJob
    from hama_yarn.graph.algorithms import pagerank

    (inp,) = _upload(hdfs_dir, DATA / "pr" / "dir-input")
    conf = HamaConfiguration()
    conf.set("bsp.master.address", "yarn")
    conf.set("hama.tmp.dir", yarn_env["HAMA_TMP"])
    job = GraphJob(conf)
    job.set_num_bsp_task(2)
    job.set_input_path(inp)
    out = f"{hdfs_dir}/ranks"
    job.set_output_path(out)
    pagerank.configure_graphalytics(job, 0.85, 14)
    if vectorized:
        job.set_vectorized(True)
        job.set("hama.graph.vectorized.mmap", "true")
    else:
        job.set("hama.graph.vertices.store.class", "disk")
        job.set("hama.graph.vertices.store.cache.bytes", "4096")
    assert job.wait_for_completion(verbose=False), job.get_diagnostics()
    counter = "MMAP_BYTES" if vectorized else "VERTEX_STORE_BYTES_WRITTEN"
    assert job.get_counters().find(counter) > 0  # the store ran in the containers
    report = wait_final(skein_client, app_of(skein_client, job.get_job_id()).id)
    assert str(report.final_status) == "SUCCEEDED"
    _close(_output(out), _reference(DATA / "pr" / "dir-output"), rel=1e-4)
