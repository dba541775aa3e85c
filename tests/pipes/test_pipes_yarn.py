"""Streaming and Pipes children on the real YARN of tests/cluster: the program is shipped to containers."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.yarn.conftest import hama, hdfs_dir, read_parts, yarn_env  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
CHILDREN = Path(__file__).resolve().parent / "children"


def _input(hdfs_url: str) -> str:
    from hama_yarn.io.fs import resolve

    url = f"{hdfs_url}/in.txt"
    fs, path = resolve(url)
    with fs.open(path, "wb") as f:
        f.write("".join(f"key{i}\t{i}.0\n" for i in range(1, 11)).encode())
    return url


def test_streaming_sh_child_on_yarn(yarn_env: dict[str, str], skein_client: Any, hdfs_dir: str,
                                    tmp_path: Path) -> None:
    prog = tmp_path / "sum_child.sh"  # a copy: the container must get it through hama.yarn.files
    shutil.copy(CHILDREN / "sum.sh", prog)
    out = f"{hdfs_dir}/out"
    r = hama(yarn_env, "pipes", "-streaming", "true", "-interpreter", "sh", "-program", str(prog),
             "-bspTasks", "2", "-input", _input(hdfs_dir), "-inputformat", "keyvalue", "-output", out, "-r", "yarn")
    assert r.returncode == 0, r.stderr
    assert [line.split("\t") for line in read_parts(out)] == [["Sum", "55"]]


def test_program_is_shipped_to_containers(yarn_env: dict[str, str], skein_client: Any, hdfs_dir: str,
                                          tmp_path: Path) -> None:
    prog = tmp_path / "where.sh"
    prog.write_text(Path(CHILDREN / "sum.sh").read_text().replace(
        'echo "%ACK_4%="', 'echo "%7%="; echo "program"; echo "$0"; pwd >&2\necho "%ACK_4%="'))
    out = f"{hdfs_dir}/out"
    r = hama(yarn_env, "pipes", "-streaming", "true", "-interpreter", "sh", "-program", str(prog),
             "-bspTasks", "1", "-inputformat", "null", "-output", out, "-r", "yarn")
    assert r.returncode == 0, r.stderr
    paths = [line.split("\t")[1] for line in read_parts(out) if line.startswith("program")]
    assert len(paths) == 1 and paths[0].endswith("/where.sh") and paths[0] != str(prog), paths


def test_pipes_c_summation_on_yarn(yarn_env: dict[str, str], skein_client: Any, hdfs_dir: str,
                                   tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("no make")
    build = tmp_path / "build"
    subprocess.run(["make", "-s", "-C", str(ROOT / "hama_yarn" / "pipes" / "c"), f"OUT={build}"], check=True)
    out = f"{hdfs_dir}/out"
    r = hama(yarn_env, "pipes", "-program", str(build / "summation"), "-bspTasks", "3",
             "-input", _input(hdfs_dir), "-inputformat", "keyvalue", "-output", out, "-r", "yarn")
    assert r.returncode == 0, r.stderr
    rows = [line.split("\t") for line in read_parts(out)]
    assert len(rows) == 1 and rows[0][0] == "Sum" and float(rows[0][1]) == pytest.approx(55.0)
