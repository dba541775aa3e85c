"""Every BSPPeer method, pinned with 3 real peer processes (local mode).

One CLI run of ``jobs/core_observe.py`` (default queue) and one ``BSPJob`` run in this
process (persistent queue); the peers write what they observed, the tests read it back.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from hama_yarn import BSPJob
from hama_yarn.config import HamaConfiguration

from .conftest import JOB_GROUP, PEER_GROUP, Hama, job_script, parse_counters, read_observations, wait_no_processes

N = 3
FILES = {"a.txt": b"alpha\nbeta\ngamma\n", "b.txt": b"one\ntwo\nthree\nfour"}


def expected_lines() -> set[tuple[str, int, str]]:
    out = set()
    for name, data in FILES.items():
        pos = 0
        for line in data.split(b"\n"):
            if pos >= len(data):
                break
            out.add((name, pos, line.decode()))
            pos += len(line) + 1
    return out


def make_input(root: Path) -> Path:
    d = root / "input"
    d.mkdir()
    for name, data in FILES.items():
        (d / name).write_bytes(data)
    return d


SITE = """<?xml version="1.0"?>
<configuration>
  <property><name>bsp.peers.num</name><value>5</value></property>
  <property><name>test.site</name><value>from-site</value></property>
  <property><name>test.override</name><value>from-site</value></property>
  <property><name>test.expanded</name><value>${test.site}+x</value></property>
</configuration>
"""


def observed_run(root, *extra):
    """Run core_observe.py on N peers under *root* (site file SITE, CLI overrides, *extra* args)."""
    env = {k: v for k, v in os.environ.items() if k != "HAMA_CONF_DIR"}
    site = root / "site"
    site.mkdir()
    (site / "hama-site.xml").write_text(SITE)
    env["HAMA_CONF_DIR"] = str(site)
    h = Hama(root, env)
    inp = make_input(root)
    out = root / "out"
    proc = h.run("run", job_script("core_observe.py"), "-n", str(N), "-i", str(inp), "-o", str(out),
                 "-D", "bsp.peers.num=4", "-D", "test.override=from-cli", *extra)
    assert proc.returncode == 0, proc.stderr
    assert not wait_no_processes(str(h.tmp_dir), 10)
    return proc, out, read_observations(out)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    return observed_run(tmp_path_factory.mktemp("observe"))


def test_one_part_file_per_peer_and_success_marker(cli_run):
    _, out, obs = cli_run
    assert sorted(obs) == list(range(N))
    assert (out / "_SUCCESS").exists()
    assert not (out / "_temporary").exists()
    for idx, o in obs.items():
        assert o["setup"]["index"] == idx  # part-NNNNN is written by task NNNNN
        assert set(o) == {"setup", "s0", "s1", "s2", "s3", "cleanup"}


def test_identity_methods(cli_run):
    proc, _, obs = cli_run
    job_id = re.search(r"Running job: (job_\d{12}_\d{4})", proc.stderr).group(1)
    names0 = obs[0]["setup"]["names"]
    assert len(names0) == N and len(set(names0)) == N
    task_ids = set()
    for idx, o in obs.items():
        s = o["setup"]
        assert s["num"] == N
        assert s["names"] == names0, "get_all_peer_names must be identical on every peer"
        assert s["names_by_index"] == names0
        assert s["name"] == names0[idx], "names are ordered by task index"
        assert re.fullmatch(r"[^:]+:\d+", s["name"])
        m = re.fullmatch(r"attempt_(\d{12}_\d{4})_(\d{6})_(\d+)", s["task_id"])
        assert m, s["task_id"]
        assert "job_" + m.group(1) == job_id
        assert int(m.group(2)) == idx
        task_ids.add(s["task_id"])
    assert len(task_ids) == N


def test_superstep_count(cli_run):
    _, _, obs = cli_run
    for o in obs.values():
        assert o["setup"]["step"] == 0
        assert o["s0"]["step"] == 0
        assert [o[f"s{i}"]["step"] for i in (1, 2, 3)] == [1, 2, 3]
        assert o["cleanup"]["step"] == 3
        assert o["cleanup"]["superstep_sum"] == 3


def test_setup_runs_after_all_peers_registered(cli_run):
    """Messages sent to every peer from setup() arrive after the first sync, with the right names."""
    _, _, obs = cli_run
    names = obs[0]["setup"]["names"]
    for idx, o in obs.items():
        assert o["setup"]["cur"] is None and o["setup"]["num_cur"] == 0
        got = sorted(m for m in [o["s1"]["first"], *o["s1"]["rest"]] if m.startswith("setup:"))
        assert got == sorted(f"setup:{i}:{names[i]}" for i in range(N))


def test_messages_visible_only_after_sync(cli_run):
    _, _, obs = cli_run
    for idx, o in obs.items():
        assert o["s0"]["cur_before_sync"] is None
        assert o["s0"]["num_before_sync"] == 0
        s1 = o["s1"]
        received = sorted([s1["first"], *s1["rest"]])
        expected = sorted([f"s0:{i}:{idx}:{k}" for i in range(N) for k in range(2)]
                          + [m for m in received if m.startswith("setup:")])
        assert received == expected
        assert len(received) == 3 * N


def test_get_current_message_and_messages_drain(cli_run):
    _, _, obs = cli_run
    for o in obs.values():
        s1 = o["s1"]
        assert s1["num"] == 3 * N
        assert s1["first"] is not None
        assert s1["num_after_first"] == 3 * N - 1
        assert len(s1["rest"]) == 3 * N - 1
        assert s1["cur_after_drain"] is None
        assert s1["num_after_drain"] == 0
        assert s1["again"] == []


def test_unread_messages_dropped_at_next_sync(cli_run):
    _, _, obs = cli_run
    for idx, o in obs.items():
        s2 = o["s2"]
        assert s2["num"] == N and s2["left"] == N - 1
        assert s2["one"] in {f"s1:{i}:{idx}" for i in range(N)}, "clear() dropped the 'dropped' messages"
        s3 = o["s3"]
        assert sorted(s3["msgs"]) == sorted(f"s2:{i}:{idx}" for i in range(N))
        assert s3["num"] == N


def test_send_to_unknown_peer_raises(cli_run):
    _, _, obs = cli_run
    for o in obs.values():
        kind, is_key_error, text = o["s0"]["unknown"]
        assert kind == "PeerNotFoundError" and is_key_error
        assert "no-such-host:1" in text


def test_read_next_and_reopen_input(cli_run):
    _, _, obs = cli_run
    seen = []
    for o in obs.values():
        s0 = o["s0"]
        assert s0["after_end"] is None
        assert s0["records2"] == s0["records"], "reopen_input restarts the split"
        seen.extend(tuple(r) for r in s0["records"])
    # every line exactly once across peers; keys are byte offsets in their file
    assert len(seen) == len(set(seen)) == len(expected_lines())
    assert sorted((off, line) for off, line in seen) == sorted((off, line) for _, off, line in expected_lines())


def test_configuration_layers(cli_run):
    """default -> $HAMA_CONF_DIR/hama-site.xml -> -D -> code (-n sets bsp.peers.num in code)."""
    _, _, obs = cli_run
    for o in obs.values():
        c = o["setup"]["conf"]
        assert c["test.site"] == "from-site"
        assert c["test.override"] == "from-cli"
        assert c["test.expanded"] == "from-site+x"
        assert c["bsp.peers.num"] == str(N)  # site says 5, -D says 4, -n 3 wins
        assert c["hama.sync.barrier.timeout.ms"] == "3600000"  # hama-default.xml
        assert c["test.code"] is None


def test_user_counters_on_peer(cli_run):
    _, _, obs = cli_run
    for idx, o in obs.items():
        assert [o[s]["counter"] for s in ("s0", "s1", "s2", "s3")] == [[(idx + 1) * k, k] for k in (1, 2, 3, 4)]
        assert o["cleanup"]["never_set"] == 0


def test_builtin_counters_on_peer(cli_run):
    _, out, obs = cli_run
    for idx, o in obs.items():
        c = o["cleanup"]
        assert c["sent"] == 5 * N  # setup N + s0 2N + s1 N + s2 N; cleared ones not counted
        assert c["received"] == 5 * N
        assert c["input_records"] == c["reads"]
        assert c["output_records"] == c["writes_before"]


def test_cli_counters_block(cli_run):
    proc, out, obs = cli_run
    counters = parse_counters(proc.stderr)
    lines = sum(len((out / f"part-{i:05d}").read_text().splitlines()) for i in range(N))
    reads = sum(o["cleanup"]["reads"] for o in obs.values())
    assert reads == 2 * len(expected_lines())
    assert counters[(JOB_GROUP, "SUPERSTEPS")] == 3
    assert counters[(PEER_GROUP, "SUPERSTEP_SUM")] == 3 * N
    assert counters[(PEER_GROUP, "TOTAL_MESSAGES_SENT")] == 5 * N * N
    assert counters[(PEER_GROUP, "TOTAL_MESSAGES_RECEIVED")] == 5 * N * N
    assert counters[(PEER_GROUP, "TASK_INPUT_RECORDS")] == reads
    assert counters[(PEER_GROUP, "TASK_OUTPUT_RECORDS")] == lines == 6 * N
    # peer 0 slept 0.4 s before a sync: the other peers waited for it in the barrier
    assert counters[(PEER_GROUP, "TIME_IN_SYNC_MS")] >= (N - 1) * 300
    assert counters[("test.user", "calls")] == 4 * sum(range(1, N + 1))
    assert counters[("test.user", "ones")] == 4 * N
    assert "The total number of supersteps: 3" in proc.stderr


# ----------------------------------------------------------------- persistent queue, BSPJob API
@pytest.fixture(scope="module")
def api_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("observe-api")
    old = os.environ.pop("HAMA_CONF_DIR", None)
    try:
        conf = HamaConfiguration()
    finally:
        if old is not None:
            os.environ["HAMA_CONF_DIR"] = old
    conf.set("hama.tmp.dir", str(root / "hama-tmp"))
    job = BSPJob(conf, f"{job_script('core_observe.py')}:Observe")
    job.set_num_bsp_task(N)
    job.set_input_path(str(make_input(root)))
    job.set_output_path(str(root / "out"))
    job.set_job_name("observe-persistent")
    job.set("hama.queue.behaviour.persistent", True)
    job.set("test.code", "from-code")
    ok = job.wait_for_completion(verbose=False)
    assert not wait_no_processes(str(root / "hama-tmp"), 10)
    return ok, job, read_observations(root / "out")


def test_persistent_queue_keeps_unread_messages(api_run):
    ok, _, obs = api_run
    assert ok
    for idx, o in obs.items():
        s2 = o["s2"]
        left_over = sorted({f"s1:{i}:{idx}" for i in range(N)} - {s2["one"]})
        s3 = o["s3"]
        assert s3["num"] == 2 * N - 1
        assert sorted(s3["msgs"]) == sorted(left_over + [f"s2:{i}:{idx}" for i in range(N)])
        assert o["setup"]["conf"]["hama.queue.behaviour.persistent"] == "true"
        assert o["setup"]["conf"]["test.code"] == "from-code"
        # kept messages are not received twice
        assert o["cleanup"]["received"] == 5 * N


def test_bspjob_counters_and_state(api_run):
    ok, job, obs = api_run
    assert job.is_successful() and job.get_state() == "SUCCEEDED"
    assert job.get_superstep_count() == 3
    assert re.fullmatch(r"job_\d{12}_\d{4}", job.get_job_id())
    c = job.get_counters()
    assert c.get("test.user", "calls") == 4 * sum(range(1, N + 1))
    assert c.get("test.user", "ones") == 4 * N
    assert c.get(JOB_GROUP, "SUPERSTEPS") == 3
    assert c.get(PEER_GROUP, "SUPERSTEP_SUM") == 3 * N
    assert c.get(PEER_GROUP, "TOTAL_MESSAGES_SENT") == 5 * N * N
    assert ("test.user", "ones", 4 * N) in list(c)
    # the job name set in code reached the peers' configuration
    assert job.get_job_name() == "observe-persistent"


def test_messages_to_itself_arrive_as_sent(hama: Hama, tmp_path: Path) -> None:
    """A peer's messages to itself skip the network: immutable ones (bytes here) are handed over
    as they are, mutable ones are copied at sync (a later change does not reach the receiver)."""
    out = tmp_path / "out"
    p = hama.run("run", job_script("core_loopback.py"), "-n", "2", "-o", str(out))
    assert p.returncode == 0, p.stderr
    obs = read_observations(out)
    for o in obs.values():
        assert o["got"] == [True, [1, 2, 3]]
        assert o["same_bytes_object"] is True
