"""The ``hbase`` output format against the real HBase + Thrift1 server; verified by plain happybase scans."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hama_yarn import BSPJob

from .conftest import ROOT, hama
from .test_hbase_input import SPLITS, binary_rows, fill

pytestmark = pytest.mark.hbase


def _job(env: dict[str, str], bsp: str, peers: int, **keys: Any) -> BSPJob:
    job = BSPJob(bsp_class=bsp)
    job.set_num_bsp_task(peers)
    job.set("hama.tmp.dir", env["HAMA_TMP"])
    for k, v in keys.items():
        job.set(k, str(v))
    return job


def test_copy_table_round_trips_binary_rows_and_deletes(hb_env: dict[str, str], happy: Any,
                                                        make_table: Callable[..., str]) -> None:
    """HBase -> HBase with 3 peers, small write buffer: binary keys/values (all 256 bytes, empty) exact;
    ``write(row, None)`` deletes a row."""
    src = make_table(["cf", "other"], SPLITS)
    dst = make_table(["cf", "other"], (b"\x80",))
    rows = binary_rows()
    fill(happy, src, rows)
    doomed = [b"\x01stale", b"\xfe\x00stale"]
    for row in doomed:
        happy.table(dst).put(row, {b"cf:a": b"old"})
    job = _job(hb_env, "tests.hbase.jobs:CopyToTable", 3, **{
        "bsp.input.format.class": "hbase", "hbase.mapreduce.inputtable": src,
        "bsp.output.format.class": "hbase", "hbase.mapred.outputtable": dst,
        "hbase.client.write.buffer": 7, "test.delete.rows": ",".join(r.hex() for r in doomed)})
    assert job.wait_for_completion(verbose=False)
    got = dict(happy.table(dst).scan())
    assert got == rows
    assert job.get_counters().get("org.apache.hama.bsp.BSPPeerImpl$PeerCounter", "TASK_OUTPUT_RECORDS") == \
        len(rows) + len(doomed)


def test_plain_values_need_output_column(hb_env: dict[str, str], happy: Any, make_table: Callable[..., str],
                                         tmp_path: Path) -> None:
    """A non-dict value goes into ``hbase.mapred.output.column``; without that key the job fails naming it."""
    dst = make_table(["cf"])
    script = tmp_path / "plain.py"
    script.write_text(
        "from hama_yarn import BSP\n"
        "class Plain(BSP):\n"
        "    def bsp(self, peer):\n"
        "        for i in range(20):\n"
        "            peer.write(f'k{peer.get_peer_index()}-{i}', i * 1.5)\n")
    base = ["run", f"{script}:Plain", "-n", "2", "--output-format", "hbase", "-D", f"hbase.mapred.outputtable={dst}"]
    bad = hama(hb_env, *base)
    assert bad.returncode == 1, bad.stderr
    assert "hbase.mapred.output.column" in bad.stderr
    ok = hama(hb_env, *base, "-D", "hbase.mapred.output.column=cf:v")
    assert ok.returncode == 0, ok.stderr
    got = {k: v for k, v in happy.table(dst).scan()}
    assert got == {f"k{p}-{i}".encode(): {b"cf:v": str(i * 1.5).encode()} for p in range(2) for i in range(20)}


@pytest.mark.parametrize("cleanup", [False, True], ids=["no-cleanup", "cleanup"])
def test_failed_job_leaves_flushed_rows_unless_cleanup(cleanup: bool, hb_env: dict[str, str], happy: Any,
                                                       make_table: Callable[..., str]) -> None:
    """A job that fails after flushing: rows stay (documented) or, with cleanup on, are deleted."""
    dst = make_table(["cf"])
    journal = f"{dst}_journal"
    job = _job(hb_env, "tests.hbase.jobs:WriteThenFail", 2, **{
        "bsp.output.format.class": "hbase", "hbase.mapred.outputtable": dst, "hbase.client.write.buffer": 3,
        "test.rows": 10, "hbase.output.cleanup.on.failure": str(cleanup).lower(),
        "hbase.output.cleanup.journal.table": journal})
    try:
        assert not job.wait_for_completion(verbose=False)
        diagnostics = job.get_diagnostics()
        assert "deliberate failure" in diagnostics
        assert f"HBase has no commit: rows this job flushed to table {dst!r}" in diagnostics
        assert ("they are deleted" if cleanup else "set hbase.output.cleanup.on.failure=true") in diagnostics
        left = list(happy.table(dst).scan())
        if cleanup:
            assert left == []
            assert list(happy.table(journal).scan()) == [], "journal entries left behind"
        else:
            # peer 1 wrote all 10 rows (its writer flushes at close); peer 0 flushed at least 9 (3 per batch)
            assert len(left) >= 19
            assert {r for r, _ in left} >= {f"p1-{i:04d}".encode() for i in range(10)}
    finally:
        if journal.encode() in happy.tables():
            happy.delete_table(journal, disable=True)


def test_successful_job_with_cleanup_keeps_rows_and_drops_journal(hb_env: dict[str, str], happy: Any,
                                                                  make_table: Callable[..., str]) -> None:
    """Cleanup on, job succeeds: every row stays, the journal is emptied."""
    src = make_table(["cf", "other"], SPLITS)
    dst = make_table(["cf", "other"])
    journal = f"{dst}_journal"
    rows = binary_rows(100)
    fill(happy, src, rows)
    job = _job(hb_env, "tests.hbase.jobs:CopyToTable", 2, **{
        "bsp.input.format.class": "hbase", "hbase.mapreduce.inputtable": src,
        "bsp.output.format.class": "hbase", "hbase.mapred.outputtable": dst, "hbase.client.write.buffer": 10,
        "hbase.output.cleanup.on.failure": "true", "hbase.output.cleanup.journal.table": journal})
    try:
        assert job.wait_for_completion(verbose=False)
        assert dict(happy.table(dst).scan()) == rows
        assert list(happy.table(journal).scan()) == []
    finally:
        happy.delete_table(journal, disable=True)


def test_missing_output_table_exit_2(hb_env: dict[str, str]) -> None:
    """A missing output table fails at submit, naming it (exit 2)."""
    r = hama(hb_env, "run", str(ROOT / "tests/hbase/jobs.py:DumpRecords"), "--output-format", "hbase",
             "-D", "hbase.mapred.outputtable=no_such_out_table")
    assert r.returncode == 2, r.stderr
    assert "no_such_out_table" in r.stderr and "does not exist" in r.stderr
