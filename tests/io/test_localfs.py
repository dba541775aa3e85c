"""Local output without fsspec (:mod:`hama_yarn.io.localfs`): the commit protocol on ``os`` calls.

A job whose output directory is local checks, writes and commits it through
:class:`~hama_yarn.io.localfs.LocalFS`; other filesystems still go through fsspec.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import OutputError
from hama_yarn.io import fs as _fs
from hama_yarn.io.localfs import LocalFS
from hama_yarn.io.output import CREATED_KEY, OutputCommitter, check_output_dir
from hama_yarn.io.text import TextOutputFormat

from .helpers import JOBS, run_hama


def _conf(out: str) -> HamaConfiguration:
    conf = HamaConfiguration()
    conf.set("fs.defaultFS", "file:///")
    conf.set("bsp.output.dir", out)
    return conf


@pytest.mark.parametrize("form", ["plain", "file-url", "file-url-slash"])
def test_local_output_resolves_to_localfs(tmp_path: Path, form: str) -> None:
    out = tmp_path / "out"
    path = {"plain": str(out), "file-url": f"file://{out}", "file-url-slash": f"file://{out}/"}[form]
    fs, inner = _fs.resolve_output(path, _conf(path))
    assert isinstance(fs, LocalFS) and _fs.is_local(fs)
    assert inner == str(out)


def test_other_schemes_still_use_fsspec() -> None:
    fs, inner = _fs.resolve_output("memory://bucket/out", _conf("memory://bucket/out"))
    assert not isinstance(fs, LocalFS)
    assert type(fs).__module__.startswith("fsspec.implementations.memory")
    assert inner.endswith("bucket/out")


def test_check_output_dir_rules(tmp_path: Path) -> None:
    missing = tmp_path / "new"
    conf = _conf(str(missing))
    check_output_dir(conf)
    assert conf.get(CREATED_KEY) == "true"
    empty = tmp_path / "empty"
    empty.mkdir()
    conf = _conf(str(empty))
    check_output_dir(conf)
    assert conf.get(CREATED_KEY) == "false"
    (empty / "x").write_text("1")
    with pytest.raises(OutputError, match="already exists and is not empty"):
        check_output_dir(_conf(str(empty)))
    with pytest.raises(OutputError, match="exists and is not a directory"):
        check_output_dir(_conf(str(empty / "x")))


def test_commit_moves_parts_and_writes_success(tmp_path: Path) -> None:
    out = tmp_path / "out"
    conf = _conf(str(out))
    check_output_dir(conf)
    committer = OutputCommitter(conf, "job_1")
    assert isinstance(committer.fs, LocalFS)
    committer.setup_job()
    for i in range(2):
        w = TextOutputFormat().open_writer(conf, committer.task_path(f"attempt_{i}", i))
        w.write(f"k{i}", i)
        w.close()
    assert sorted(p.name for p in out.iterdir()) == ["_temporary"]  # nothing visible before the commit
    assert committer.commit_job() == ["part-00000", "part-00001"]
    assert sorted(p.name for p in out.iterdir()) == ["_SUCCESS", "part-00000", "part-00001"]
    assert (out / "part-00001").read_text() == "k1\t1\n"
    assert (out / "_SUCCESS").stat().st_size == 0
    mask = os.umask(0)
    os.umask(mask)
    assert (out / "part-00000").stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize("existed", [False, True])
def test_abort_leaves_nothing(tmp_path: Path, existed: bool) -> None:
    out = tmp_path / "out"
    if existed:
        out.mkdir()
    conf = _conf(str(out))
    check_output_dir(conf)
    committer = OutputCommitter(conf, "job_2")
    committer.setup_job()
    w = TextOutputFormat().open_writer(conf, committer.task_path("attempt_0", 0))
    w.write("a", "b")
    w.close()
    committer.abort_job()
    assert out.exists() is existed
    if existed:
        assert list(out.iterdir()) == []


def test_job_with_local_output_loads_no_fsspec(tmp_path: Path) -> None:
    """Neither the client (its import trace) nor the peers (what they report) import fsspec."""
    out = tmp_path / "out"
    p = run_hama(tmp_path, "run", f"{JOBS / 'loaded_modules.py'}:LoadedModules", "-n", "2", "-o", str(out),
                 env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert p.returncode == 0, p.stderr[-3000:]
    assert re.search(r"\|\s+hama_yarn\.io\.localfs$", p.stderr, re.M)  # the import trace is there ...
    assert not re.search(r"\|\s+fsspec(\.\S+)?$", p.stderr, re.M)  # ... and holds no fsspec
    lines = sorted((out / f"part-0000{i}").read_text() for i in range(2))
    assert lines == ["0\t-\n", "1\t-\n"]
    assert (out / "_SUCCESS").exists()
