"""Combiner per destination (with its counters) and inline mode giving the same results as local mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import JOB_GROUP, PEER_GROUP, Hama, job_script, parse_counters, read_records

N = 3


def received(out: Path) -> dict[int, list[int]]:
    res = {}
    for idx, rows in read_records(out).items():
        assert [k for k, _ in rows] == ["got"]
        res[idx] = json.loads(rows[0][1])
    return res


def test_combiner_applied_per_destination(hama: Hama, tmp_path: Path):
    out = tmp_path / "out"
    p = hama.run("run", job_script("core_combine.py"), "-n", str(N), "-o", str(out), "--combiner", "SumCombiner")
    assert p.returncode == 0, p.stderr
    assert received(out) == {i: [6] * N for i in range(N)}, "one combined 6 per sender, self included"
    c = parse_counters(p.stderr)
    assert c[(PEER_GROUP, "TOTAL_MESSAGES_SENT")] == 3 * N * N
    assert c[(PEER_GROUP, "TOTAL_MESSAGES_RECEIVED")] == N * N
    assert c[(PEER_GROUP, "TOTAL_MESSAGES_COMBINED")] == 3 * N * N - N * N


def test_without_combiner_every_message_arrives(hama: Hama, tmp_path: Path):
    out = tmp_path / "out"
    p = hama.run("run", job_script("core_combine.py"), "-n", str(N), "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert received(out) == {i: sorted([1, 2, 3] * N) for i in range(N)}
    c = parse_counters(p.stderr)
    assert c[(PEER_GROUP, "TOTAL_MESSAGES_SENT")] == c[(PEER_GROUP, "TOTAL_MESSAGES_RECEIVED")] == 3 * N * N
    assert c[(PEER_GROUP, "TOTAL_MESSAGES_COMBINED")] == 0


def test_combiner_via_configuration_key(hama: Hama, tmp_path: Path):
    out = tmp_path / "out"
    script = job_script("core_combine.py")
    p = hama.run("run", script, "-n", "2", "-o", str(out), "-D", f"bsp.combiner.class={script}:SumCombiner")
    assert p.returncode == 0, p.stderr
    assert received(out) == {0: [6, 6], 1: [6, 6]}


def test_bad_combiner_is_a_usage_error(hama: Hama):
    script = job_script("core_combine.py")
    p = hama.run("run", script, "-n", "2", "--combiner", "Send123")
    assert p.returncode == 2 and "not a Combiner" in p.stderr
    p = hama.run("run", script, "-n", "2", "-D", f"bsp.combiner.class={script}:Send123")
    assert p.returncode == 2 and "bsp.combiner.class" in p.stderr


# ----------------------------------------------------------------- inline mode
def run_hello(hama: Hama, tmp_path: Path, runner: str):
    out = tmp_path / f"out-{runner}"
    p = hama.run("run", job_script("core_hello.py"), "-n", str(N), "-o", str(out), "-r", runner)
    assert p.returncode == 0, p.stderr
    return read_records(out), parse_counters(p.stderr)


@pytest.fixture
def both(hama: Hama, tmp_path: Path):
    return run_hello(hama, tmp_path, "local"), run_hello(hama, tmp_path, "inline")


def test_inline_same_results_as_local(both):
    (local_out, local_c), (inline_out, inline_c) = both
    expected = {i: [(f"hi {i} from {s}", "") for s in range(N)] + [("supersteps", "2")] for i in range(N)}
    assert local_out == expected
    assert inline_out == expected
    for key in [(JOB_GROUP, "SUPERSTEPS"), (PEER_GROUP, "SUPERSTEP_SUM"), (PEER_GROUP, "TOTAL_MESSAGES_SENT"),
                (PEER_GROUP, "TOTAL_MESSAGES_RECEIVED"), (PEER_GROUP, "TASK_OUTPUT_RECORDS")]:
        assert local_c[key] == inline_c[key], key
    assert local_c[(JOB_GROUP, "SUPERSTEPS")] == 2
    assert local_c[(PEER_GROUP, "TASK_OUTPUT_RECORDS")] == N * (N + 1)
