"""Fast tests of the hbase formats' pure parts (no services): keys, regions, journal encoding, commit protocol."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import ConfigError, UsageError
from hama_yarn.io.hbase import commitfs, journal
from hama_yarn.io.hbase.regions import clip_regions, deal_regions
from hama_yarn.io.hbase.spec import output_spec, scan_spec, to_bytes_binary, to_string_binary
from hama_yarn.io.hbase.writer import pack_keys, unpack_keys
from hama_yarn.io.output import OutputCommitter, check_output_dir


def _conf(**keys: str) -> HamaConfiguration:
    conf = HamaConfiguration()
    conf.set("hbase.mapreduce.inputtable", "t")
    conf.set("hbase.thrift.address", "h:9090")
    for k, v in keys.items():
        conf.set(k, v)
    return conf


def test_bytes_binary_round_trip_all_bytes() -> None:
    data = bytes(range(256))
    assert to_bytes_binary(to_string_binary(data)) == data
    assert to_bytes_binary("a\\x00b\\xFFc") == b"a\x00b\xffc"
    assert to_string_binary(b"\\") == "\\x5C"


def test_scan_spec_parses_hadoop_keys() -> None:
    spec = scan_spec(_conf(**{"hbase.mapreduce.scan.columns": "cf:a cf2 cf3:", "hbase.mapreduce.scan.column.family": "f",
                              "hbase.mapreduce.scan.row.start": "\\x01", "hbase.mapreduce.scan.row.stop": "z",
                              "hbase.mapreduce.scan.timerange.start": "5", "hbase.mapreduce.scan.timerange.end": "9",
                              "hbase.mapreduce.scan.maxversions": "3", "hbase.mapreduce.scan.batchsize": "2"}))
    assert spec.columns == (b"cf:a", b"cf2", b"cf3", b"f")
    assert spec.families == (b"cf", b"cf2", b"cf3", b"f")
    assert (spec.row_start, spec.row_stop, spec.time_start, spec.time_end) == (b"\x01", b"z", 5, 9)
    assert (spec.max_versions, spec.batch, spec.address) == (3, 2, "h:9090")
    assert scan_spec(_conf(**{"hbase.mapreduce.scan.timestamp": "7"})).thrift_timestamp == 8


@pytest.mark.parametrize("key,value", [
    ("hbase.mapreduce.inputtable", "a/b"),
    ("hbase.mapreduce.inputtable", ""),
    ("hbase.mapreduce.scan.row.stop", "\\x00"),
    ("hbase.mapreduce.scan.timerange.end", "1"),
    ("hbase.mapreduce.scan.maxversions", "0"),
    ("hbase.mapreduce.scan.filter", "PrefixFilter('x'"),
    ("hbase.thrift.address", "h:0"),
    ("hbase.mapreduce.scan.columns", ":q"),
])
def test_scan_spec_rejects_bad_values_naming_the_key(key: str, value: str) -> None:
    conf = _conf(**{"hbase.mapreduce.scan.row.start": "\\x05", "hbase.mapreduce.scan.timerange.start": "3"})
    conf.set(key, value)
    with pytest.raises(ConfigError) as err:
        scan_spec(conf)
    assert key in str(err.value)


def test_output_spec_column_must_have_qualifier() -> None:
    conf = HamaConfiguration()
    conf.set("hbase.mapred.outputtable", "o")
    conf.set("hbase.mapred.output.column", "cf")
    with pytest.raises(ConfigError, match="hbase.mapred.output.column"):
        output_spec(conf)


def test_regions_clipped_and_dealt_whole_in_order() -> None:
    regions = [(b"", b"b"), (b"b", b"d"), (b"d", b"f"), (b"f", b"h"), (b"h", b"")]
    assert clip_regions(regions, b"c", b"g") == [(b"c", b"d"), (b"d", b"f"), (b"f", b"g")]
    assert clip_regions(regions, b"", b"") == regions
    assert clip_regions(regions, b"x", b"") == [(b"x", b"")]
    splits = deal_regions("t", regions, 3)
    assert [len(s["regions"]) for s in splits] == [2, 2, 1]
    flat = [tuple(r) for s in splits for r in s["regions"]]
    assert flat == [(lo.hex(), hi.hex()) for lo, hi in regions]
    assert [len(s["regions"]) for s in deal_regions("t", regions[:2], 4)] == [1, 0, 1, 0]


def test_journal_keys_round_trip() -> None:
    keys = [b"", b"\x00", bytes(range(256)), b"row"]
    assert unpack_keys(pack_keys(keys)) == keys
    assert journal.journal_of(journal.job_token("jt")) == "jt"
    assert journal.journal_of(journal.job_token(None)) == ""


@pytest.mark.parametrize("succeeded", [True, False])
def test_commit_protocol_maps_to_journal_end(succeeded: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The core's OutputCommitter on an hbase:// output ends the journal once: commit keeps, abort deletes."""
    calls: list[tuple[Any, ...]] = []

    def finish(*a: Any, **k: Any) -> int:
        calls.append((*a, k.get("succeeded")))
        return 0

    monkeypatch.setattr(journal, "finish_job", finish)
    from hama_yarn.io import fs as core_fs

    # no server behind "h:9090": skip the core's first-contact probe if it has one
    monkeypatch.setattr(core_fs, "check_reachable", lambda *a, **k: None, raising=False)
    conf = HamaConfiguration()
    url = "hbase://h:9090/tbl/journal=j,abc"
    conf.set("bsp.output.dir", url)
    check_output_dir(conf)  # the table "directory" does not exist yet: the job "creates" it
    committer = OutputCommitter(conf, "job_1")
    committer.setup_job()
    assert committer.task_path("attempt_1", 0) == f"{url}/_temporary/attempt_1/part-00000"
    if succeeded:
        assert committer.commit_job() == []
    else:
        committer.abort_job()
    assert calls == [("h:9090", "tbl", "journal=j,abc", succeeded)]


def test_input_url_is_one_empty_file() -> None:
    fs = commitfs.HBaseTableFS()
    assert fs.info("hbase://h:9090/tbl") == {"name": "h:9090/tbl", "size": 0, "type": "file"}
    with pytest.raises(OSError):
        fs.open("hbase://h:9090/tbl", "rb")


def test_missing_happybase_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    from hama_yarn.io.hbase.connection import require_happybase

    monkeypatch.setitem(sys.modules, "happybase", None)
    with pytest.raises(UsageError, match=r"HBase input needs happybase: pip install 'hama-yarn\[hbase\]'"):
        require_happybase()
