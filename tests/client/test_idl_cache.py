"""The Thrift IDL's parser tables are cached (:mod:`hama_yarn.rpc.idl`); a damaged or unusable cache parses as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Loads the IDL and round-trips a struct through Thrift's binary protocol.
_PROBE = """
from thriftpy2.protocol import TBinaryProtocolFactory
from thriftpy2.utils import deserialize, serialize
from hama_yarn.rpc.idl import idl
m = idl()
t = m.TaskAssignment(job_id="job_1", attempt_id="a", task_index=3, num_peers=4)
back = deserialize(m.TaskAssignment(), serialize(t, TBinaryProtocolFactory()), TBinaryProtocolFactory())
assert back == t, (back, t)
print(m.__name__, sorted(m.__thrift_meta__["services"][i].__name__ for i in range(2)))
"""


def _probe(cache: Path) -> str:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    p = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stderr == "", p.stderr  # ply's warnings stay quiet
    return p.stdout


def _tables(cache: Path) -> list[Path]:
    return sorted((cache / "hama-yarn" / "thrift").glob("parser-*.pickle"))


def test_tables_written_once_then_read(tmp_path: Path) -> None:
    first = _probe(tmp_path)
    [table] = _tables(tmp_path)
    stamp = table.stat().st_mtime_ns
    assert _probe(tmp_path) == first  # the same module from the cached tables
    assert table.stat().st_mtime_ns == stamp  # read, not rewritten
    assert not list(table.parent.glob("*.tmp"))


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x04K\x01."])
def test_damaged_tables_are_rebuilt(tmp_path: Path, damage: bytes) -> None:
    expected = _probe(tmp_path)
    [table] = _tables(tmp_path)
    table.write_bytes(damage)
    assert _probe(tmp_path) == expected
    assert table.read_bytes() != damage  # rebuilt for the next process
    assert _probe(tmp_path) == expected


def test_unwritable_cache_parses_as_before(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory would go")
    assert _probe(tmp_path / "file")  # XDG_CACHE_HOME is a file: no cache, the IDL still loads
