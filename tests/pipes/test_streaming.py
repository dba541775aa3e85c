"""Streaming protocol version 0: children in Python, POSIX sh + awk and C; faults."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.core.conftest import Hama, parse_counters, processes_mentioning, read_records

CHILDREN = Path(__file__).resolve().parent / "children"


def child(name: str) -> str:
    return str(CHILDREN / name)


@pytest.fixture
def sum_input(tmp_path: Path) -> Path:
    f = tmp_path / "sum_in.txt"
    f.write_text("".join(f"key{i}\t{i}.0\n" for i in range(1, 11)))
    return f


@pytest.fixture(scope="session")
def c_sum_child(tmp_path_factory: pytest.TempPathFactory) -> str:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler")
    exe = tmp_path_factory.mktemp("cchild") / "sum_streaming"
    subprocess.run([gcc, "-O2", "-Wall", "-Werror", "-o", str(exe), child("sum_streaming.c")], check=True)
    return str(exe)


def _sum_output(out: Path) -> float:
    rows = [r for part in read_records(out).values() for r in part]
    assert len(rows) == 1 and rows[0][0] == "Sum", rows
    return float(rows[0][1])


def test_hello_python_child(hama: Hama, tmp_path: Path) -> None:
    out = tmp_path / "out"
    p = hama.run("pipes", "-streaming", "true", "-program", child("hello.py"), "-bspTasks", "3",
                 "-output", str(out), "-D", "hello.supersteps=4")
    assert p.returncode == 0, p.stderr
    parts = read_records(out)
    assert sorted(parts) == [0, 1, 2]
    for rows in parts.values():
        assert len(rows) == 12  # 4 supersteps x 3 senders
        steps = sorted(int(k.rsplit(" ", 1)[1]) for k, _ in rows)
        assert steps == [s for s in range(4) for _ in range(3)]
    counters = parse_counters(p.stderr)
    assert counters[("org.apache.hama.bsp.JobInProgress$JobCounter", "SUPERSTEPS")] == 4


@pytest.mark.parametrize("lang", ["python", "sh", "c"])
def test_summation_in_three_languages(hama: Hama, tmp_path: Path, sum_input: Path, lang: str,
                                      request: pytest.FixtureRequest) -> None:
    program = {"python": child("sum.py"), "sh": child("sum.sh")}.get(lang) or request.getfixturevalue("c_sum_child")
    out = tmp_path / "out"
    extra = ["-interpreter", "sh"] if lang == "sh" else []
    p = hama.run("pipes", "-streaming", "true", "-program", program, *extra, "-bspTasks", "3",
                 "-input", str(sum_input), "-inputformat", "org.apache.hama.bsp.KeyValueTextInputFormat",
                 "-output", str(out), "-jobname", f"sum-{lang}")
    assert p.returncode == 0, p.stderr
    assert _sum_output(out) == pytest.approx(55.0, abs=1e-6)
    counters = parse_counters(p.stderr)
    if lang in ("python", "sh"):
        assert counters[("pipes", f"sum_{'py' if lang == 'python' else 'sh'}_peers")] == 3


def test_run_style_flags(hama: Hama, tmp_path: Path, sum_input: Path) -> None:
    out = tmp_path / "out"
    p = hama.run("pipes", "--streaming", "--program", child("sum.py"), "-n", "2", "-i", str(sum_input),
                 "--input-format", "keyvalue", "-o", str(out), "-r", "inline")
    assert p.returncode == 0, p.stderr
    assert _sum_output(out) == pytest.approx(55.0)


def test_every_peer_operation(hama: Hama, tmp_path: Path, sum_input: Path) -> None:
    out = tmp_path / "out"
    p = hama.run("pipes", "-streaming", "true", "-program", child("api.py"), "-bspTasks", "2",
                 "-input", str(sum_input), "-inputformat", "keyvalue", "-output", str(out))
    assert p.returncode == 0, p.stderr
    parts = {i: {k: json.loads(v) for k, v in rows} for i, rows in read_records(out).items()}
    names = parts[0]["names"]
    assert len(names) == 2 and parts[1]["names"] == names
    assert sum(o["records"] for o in parts.values()) == 10
    for i, o in parts.items():
        assert o["num_peers"] == 2 and o["index"] == i and o["self_is_indexed"]
        assert o["camel"] == ["2", str(i), "0"]  # Hama's Python peer returns the raw lines
        assert o["name_for_index_0"] == names[0] and o["out_of_range"] == ""
        assert o["reopen_same"] and o["step_after_sync"] == 1 and o["setup_step"] == 0
        assert o["empty"] is False and o["conf_peers"] == "2"
    assert parts[0]["messages"] == ["kept from 0", "kept from 1"] and parts[0]["count"] == 2
    assert parts[1]["messages"] == [] and parts[1]["count"] == 0
    assert parse_counters(p.stderr)[("pipes", "api")] == 4


def test_missing_program_is_a_usage_error(hama: Hama, tmp_path: Path) -> None:
    p = hama.run("pipes", "-streaming", "true", "-program", str(tmp_path / "nope.py"), "-bspTasks", "2")
    assert p.returncode == 2 and "child program not found" in p.stderr
    p = hama.run("pipes", "-streaming", "true", "-bspTasks", "2")
    assert p.returncode == 2 and "-program" in p.stderr


@pytest.mark.parametrize("mode,needles", [
    ("exit_before_ack", ["for %ACK_0%=", "exit status 7", "giving up before the ack"]),
    ("crash", ["exit status 1", "RuntimeError: boom in the child", "about to crash in superstep 1"]),
    ("malformed", ["line outside the protocol", "this is %not a command"]),
    ("stdout", ["line outside the protocol", "debug output on stdout"]),
    ("newline", ["cannot carry a newline", "two\\nlines"]),
    ("unknown", ["unknown or unsupported opcode 99"]),
    ("silent", ["no answer from the child within 3 s", "hama.pipes.child.timeout.ms", "going silent"]),
])
def test_faults_fail_fast_with_diagnostics(hama: Hama, mode: str, needles: list[str]) -> None:
    start = time.monotonic()
    p = hama.run("pipes", "-streaming", "true", "-program", child("faulty.py"), "-programArgs", mode,
                 "-bspTasks", "2", "-D", "hama.pipes.child.timeout.ms=3000", timeout=60)
    elapsed = time.monotonic() - start
    assert p.returncode == 1, p.stderr
    assert "streaming child of peer" in p.stderr
    for needle in needles:
        assert needle in p.stderr, (needle, p.stderr)
    assert elapsed < 45, elapsed
    deadline = time.monotonic() + 10
    while processes_mentioning(child("faulty.py")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not processes_mentioning(child("faulty.py")), "child process left behind"


COMPAT = Path(__file__).resolve().parents[2] / "hama_yarn" / "streaming" / "compat"


def test_hama_runner_convention_unmodified_child(hama: Hama, tmp_path: Path) -> None:
    """``BSPRunner.py HelloWorldBSP`` with a Hama-style module shipped as a cache file."""
    out = tmp_path / "out"
    p = hama.run("pipes", "-streaming", "true", "-interpreter", "python3", "-program", str(COMPAT / "BSPRunner.py"),
                 "-programArgs", "HelloWorldBSP", "-cachefiles", child("hama_style/HelloWorldBSP.py"),
                 "-bspTasks", "2", "-output", str(out))
    assert p.returncode == 0, p.stderr
    parts = read_records(out)
    assert sorted(parts) == [0, 1]
    for rows in parts.values():
        assert len(rows) == 30 and all(v == "" for _, v in rows)
        assert sorted(int(k.rsplit(" ", 1)[1]) for k, _ in rows) == [s for s in range(15) for _ in range(2)]


def test_hama_style_client_behaviour(hama: Hama, tmp_path: Path, sum_input: Path) -> None:
    out = tmp_path / "out"
    p = hama.run("pipes", "-streaming", "true", "-program", child("hama_style/hama_style_peer.py"),
                 "-bspTasks", "3", "-input", str(sum_input), "-inputformat", "keyvalue", "-output", str(out))
    assert p.returncode == 0, p.stderr
    rows = [r for part in read_records(out).values() for r in part]
    assert rows == [("total", "55.0")]


def test_record_with_newline_is_rejected(hama: Hama, tmp_path: Path) -> None:
    """Version 0 cannot carry a newline: a record holding one fails the task clearly."""
    from hama_yarn.io.sequencefile import SequenceFileWriter

    seq = tmp_path / "in.seq"
    with SequenceFileWriter(str(seq), "org.apache.hadoop.io.Text", "org.apache.hadoop.io.Text") as w:
        w.append("k", "two\nlines")
    p = hama.run("pipes", "-streaming", "true", "-program", child("sum.py"), "-bspTasks", "1",
                 "-input", str(seq), "-inputformat", "sequencefile", timeout=60)
    assert p.returncode == 1
    assert "contains a newline, which streaming protocol version 0 cannot carry" in p.stderr
    assert "streaming child of peer 0" in p.stderr


def test_conf_file_jobconf_and_bare_streaming_flag(hama: Hama, tmp_path: Path) -> None:
    conf = tmp_path / "job.xml"
    conf.write_text("<configuration><property><name>hello.supersteps</name><value>2</value></property>"
                    "</configuration>")
    out = tmp_path / "out"
    p = hama.run("pipes", "-conf", str(conf), "-jobconf", "bsp.peers.num=2", "-streaming",
                 "-program", child("hello.py"), "-output", str(out), "-jobname", "hello-conf")
    assert p.returncode == 0, p.stderr
    parts = read_records(out)
    assert sorted(parts) == [0, 1] and all(len(rows) == 4 for rows in parts.values())


def test_hama_run_with_pipes_bsp_class(hama: Hama, tmp_path: Path, sum_input: Path) -> None:
    """``hama run hama_yarn.pipes:PipesBSP -D hama.pipes.executable=...`` is the same job."""
    out = tmp_path / "out"
    p = hama.run("run", "hama_yarn.pipes:PipesBSP", "-n", "2", "-i", str(sum_input), "--input-format", "keyvalue",
                 "-o", str(out), "-D", f"hama.pipes.executable={child('sum.py')}", "-D", "hama.streaming.enabled=true")
    assert p.returncode == 0, p.stderr
    assert _sum_output(out) == pytest.approx(55.0)
