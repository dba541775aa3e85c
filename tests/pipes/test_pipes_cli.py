"""``hama pipes`` command line: Hama's single-dash spellings, and keys we cannot honour fail at submit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.conftest import Hama

CHILD = Path(__file__).resolve().parent / "children" / "raw_uplink.py"


def test_single_dash_cflags_libs(hama: Hama) -> None:
    """``hama pipes -cflags -libs`` (Hama's dash) prints what ``--cflags --libs`` prints."""
    single = hama.run("pipes", "-cflags", "-libs", timeout=600)
    double = hama.run("pipes", "--cflags", "--libs", timeout=600)
    assert single.returncode == 0 == double.returncode, single.stderr
    assert single.stdout == double.stdout
    inc, lib, name = single.stdout.split()
    assert (Path(inc[2:]) / "hama" / "Pipes.hh").is_file() and (Path(inc[2:]) / "hadoop" / "SerialUtils.hh").is_file()
    assert (Path(lib[2:]) / "libhamapipes++.a").is_file() and name == "-lhamapipes++"


def test_hama_spellings_run_a_job(hama: Hama, tmp_path: Path) -> None:
    """-conf, -program, -programArgs, -bspTasks, -inputformat, -output, -jobconf and -jobname together."""
    conf = tmp_path / "job.xml"
    conf.write_text("<configuration><property><name>hama.pipes.accept.timeout.ms</name><value>5000</value>"
                    "</property></configuration>")
    out = tmp_path / "out"
    p = hama.run("pipes", "-conf", str(conf), "-program", str(CHILD), "-programArgs", "ok", "-bspTasks", "2",
                 "-inputformat", "org.apache.hama.bsp.NullInputFormat", "-output", str(out), "-jobname", "dashes",
                 "-jobconf", "hama.pipes.logging=true,hama.pipes.child.timeout.ms=60000")
    assert p.returncode == 0, p.stderr
    assert sorted(f.name for f in out.glob("part-*")) == ["part-00000", "part-00001"]


@pytest.mark.parametrize("define,needle", [
    ("bsp.input.partitioner.class=org.apache.hama.bsp.ModPartitioner",
     "bsp.input.partitioner.class=org.apache.hama.bsp.ModPartitioner is not supported by hama pipes"),
    ("hama.messenger.receive.queue.class=org.apache.hama.bsp.message.queue.ZQueue",
     "hama.messenger.receive.queue.class=org.apache.hama.bsp.message.queue.ZQueue is not supported"),
    ("bsp.output.format.class=org.apache.hama.bsp.LineOutputFormat",
     "bsp.output.format.class: unknown format 'org.apache.hama.bsp.LineOutputFormat'"),
    ("hama.pipes.accept.timeout.ms=soon", "hama.pipes.accept.timeout.ms: expected an integer, got 'soon'"),
    ("hama.pipes.child.timeout.ms=0", "hama.pipes.child.timeout.ms"),
    ("hama.streaming.enabled=maybe", "hama.streaming.enabled"),
])
def test_unhonoured_key_fails_at_submit(hama: Hama, tmp_path: Path, define: str, needle: str) -> None:
    out = tmp_path / "out"
    p = hama.run("pipes", "-program", str(CHILD), "-inputformat", "null", "-output", str(out), "-D", define)
    assert p.returncode != 0
    assert needle in p.stderr, p.stderr
    assert "Running job" not in p.stderr and "Running job" not in p.stdout  # refused before submission
    assert not out.exists()
