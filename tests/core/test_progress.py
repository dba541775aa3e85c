"""The client's progress line: superstep, peers done, messages per second, ETA (issue 14 item 5)."""

from __future__ import annotations

from types import SimpleNamespace

from hama_yarn.config import HamaConfiguration
from hama_yarn.job import ProgressMeter, expected_supersteps
from hama_yarn.rpc.idl import counters_to_thrift

from .conftest import PEER_GROUP, Hama, job_script


def _status(superstep: int, sent: int, states: list[str]) -> SimpleNamespace:
    peers = [SimpleNamespace(state=s) for s in states]
    return SimpleNamespace(superstep=superstep, peers=peers,
                           counters=counters_to_thrift({(PEER_GROUP, "TOTAL_MESSAGES_SENT"): sent}))


def test_meter_rate_peers_and_eta():
    meter = ProgressMeter(expected=10)
    meter._start = 100.0
    first = meter.describe(_status(1, 0, ["RUNNING", "RUNNING"]), now=101.0)
    assert first == " (peers done 0/2, ETA 0:09)"
    second = meter.describe(_status(5, 20000, ["SUCCEEDED", "RUNNING"]), now=103.0)
    assert second == " (peers done 1/2, 10.0K msgs/s, ETA 0:03)"


def test_meter_without_expected_length_has_no_eta():
    meter = ProgressMeter()
    assert "ETA" not in meter.describe(_status(3, 5, ["RUNNING"]), now=1.0)


def test_expected_supersteps_from_keys():
    conf = HamaConfiguration(load_defaults=False, values={})
    assert expected_supersteps(conf) == 0
    conf.set("hama.graph.max.iteration", "30")
    assert expected_supersteps(conf) == 32
    conf.set("hama.job.expected.supersteps", "7")
    assert expected_supersteps(conf) == 7


def test_progress_line_through_the_cli(hama: Hama):
    p = hama.run("run", job_script("core_sleeper.py"), "-n", "2", "-D", "test.steps=12",
                 "-D", "hama.job.expected.supersteps=12")
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stderr.splitlines() if l.startswith("Current supersteps number: ")]
    assert lines, p.stderr
    assert any("peers done 0/2" in l and "ETA " in l for l in lines), lines
