"""Fault tolerance in the pure state machine (hama_yarn/master/state.py): checkpoint commits,
RECOVERING, attempts, stale events of failed attempts; and the checkpoint file format."""

from __future__ import annotations

import numpy as np
import pytest

from hama_yarn.errors import CheckpointError
from hama_yarn.ft.settings import FTSettings
from hama_yarn.ft.store import CheckpointStore, pack, unpack
from hama_yarn.master import state as st
from hama_yarn.master.state import JobState, PeerState

JOB = "job_202401021504_0007"
JG = st.JOB_COUNTER_GROUP


def running(n: int = 3, **kw) -> st.JobStateMachine:
    kw.setdefault("recovery", True)
    kw.setdefault("max_attempts", 3)
    kw.setdefault("checkpoints", True)
    m = st.JobStateMachine(JOB, n, **kw)
    assert m.handle(st.Start(0.0)) == [st.LaunchPeers(tuple(range(n)))]
    for i in range(n):
        m.handle(st.PeerStarted(0.1, i, f"host{i}"))
        m.handle(st.PeerRegistered(0.2, i, f"host{i}:{5000 + i}"))
    return m


def checkpoint(m: st.JobStateMachine, step: int, attempt: int = 0, peers=None) -> list[st.Action]:
    actions: list[st.Action] = []
    for i in peers if peers is not None else range(m.num_peers):
        actions += m.handle(st.CheckpointWritten(1.0, i, attempt, step, 100, 2))
    return actions


def test_checkpoint_commits_only_when_every_peer_reported():
    m = running()
    assert checkpoint(m, 2, peers=[0, 1]) == []
    assert m.checkpoint == 0
    assert checkpoint(m, 2, peers=[2]) == [st.CommitCheckpoint(2)]
    assert m.checkpoint == 2
    assert checkpoint(m, 2, peers=[0]) == []  # a late duplicate changes nothing
    assert checkpoint(m, 1) == []  # an older checkpoint never replaces a newer one
    assert m.checkpoint == 2
    c = m.counters()
    assert c[(JG, "CHECKPOINT_BYTES")] == 100 * 7 and c[(JG, "CHECKPOINT_TIME_MS")] == 2 * 7
    assert c[(JG, "RECOVERIES")] == 0


def test_peer_exit_recovers_from_last_complete_checkpoint():
    m = running()
    checkpoint(m, 4)
    checkpoint(m, 5, peers=[0, 2])  # incomplete: peer 1 never made it durable
    m.handle(st.PeerHeartbeat(1.0, 1, 6))
    actions = m.handle(st.PeerExited(2.0, 1, -9, "killed by signal SIGKILL"))
    assert kinds(actions) == [st.AbortSync, st.RecoverPeers]
    rec = actions[1]
    assert (rec.attempt, rec.superstep) == (1, 4)
    assert "peer 1" in rec.reason and "SIGKILL" in rec.reason
    assert m.state is JobState.RECOVERING and not m.state.finished
    assert m.superstep == 4 and m.restored_superstep == 4 and m.recoveries == 1
    assert all(p.state is PeerState.PENDING and p.superstep == 4 for p in m.peers)
    # exits of the failed attempt's other processes (killed for the recovery) are ignored
    for i in (0, 2):
        assert m.handle(st.PeerExited(2.1, i, -9, "killed", attempt=0)) == []
    assert m.state is JobState.RECOVERING
    # checkpoint reports of the old attempt are ignored
    assert checkpoint(m, 5, attempt=0, peers=[1]) == []
    for i in range(3):
        m.handle(st.PeerStarted(3.0, i, f"host{i}"))
    assert m.state is JobState.RUNNING
    assert checkpoint(m, 5, attempt=1) == [st.CommitCheckpoint(5)]
    for i in range(3):
        m.handle(st.PeerSucceeded(4.0, i, 8))
    assert m.handle(st.CommitFinished(4.1)) == [st.JobFinished(JobState.SUCCEEDED, "")]
    assert m.counters()[(JG, "RECOVERIES")] == 1


def test_failure_without_checkpoint_restarts_from_the_start():
    m = running(checkpoints=False)
    actions = m.handle(st.PeerFailed(1.0, 0, 3, "ValueError: boom", "tb"))
    assert actions[-1] == st.RecoverPeers(1, 0, actions[-1].reason)
    assert m.state is JobState.RECOVERING


def test_attempts_exhausted_fail_naming_every_failure():
    m = running(max_attempts=2)
    checkpoint(m, 2)
    m.handle(st.PeerExited(1.0, 2, -9, "killed by signal SIGKILL"))
    for i in range(3):
        m.handle(st.PeerStarted(2.0, i))
    actions = m.handle(st.PeerFailed(3.0, 0, 3, "ValueError: again", "Traceback ...\nValueError: again"))
    assert kinds(actions) == [st.AbortSync, st.StopPeers, st.AbortOutput, st.JobFinished]
    assert m.state is JobState.FAILED
    d = m.diagnostics
    assert "2 failures in 2 attempts" in d and "bsp.tasks.max.attempts=2" in d
    assert "[1] Task attempt_202401021504_0007_000002_0 failed: peer 2" in d and "SIGKILL" in d
    assert "[2]" in d and "ValueError: again" in d


def test_recovery_off_keeps_todays_behaviour():
    m = running(recovery=False, checkpoints=False, max_attempts=1)
    actions = m.handle(st.PeerExited(1.0, 1, -9, "killed"))
    assert kinds(actions) == [st.AbortSync, st.StopPeers, st.AbortOutput, st.JobFinished]
    assert (JG, "RECOVERIES") not in m.counters()
    assert m.diagnostics.startswith("Task attempt_202401021504_0007_000001_0 failed: peer 1")


def test_heartbeat_timeout_and_start_timeout_recover_too():
    m = running(max_attempts=3)
    actions = m.handle(st.Tick(100.0))
    assert kinds(actions) == [st.AbortSync, st.RecoverPeers]
    # replacement peers that never start are a failure of attempt 1
    actions = m.handle(st.Tick(100.0 + m.start_timeout + 1))
    assert kinds(actions) == [st.AbortSync, st.RecoverPeers] and actions[1].attempt == 2
    actions = m.handle(st.Tick(300.0 + 2 * m.start_timeout))
    assert m.state is JobState.FAILED and "3 failures in 3 attempts" in m.diagnostics


def test_kill_during_recovery():
    m = running()
    m.handle(st.PeerExited(1.0, 1, -9, "killed"))
    actions = m.handle(st.KillRequested(1.5, "by user"))
    assert m.state is JobState.KILLED and actions[-1] == st.JobFinished(JobState.KILLED, "Job killed: by user")


def kinds(actions) -> list[type]:
    return [type(a) for a in actions]


# ------------------------------------------------------------------ checkpoint files
def test_pack_unpack_roundtrip_arrays_raw_not_pickled():
    values = np.arange(1000, dtype=np.float64) / 3
    state = {"values": values, "halted": np.zeros(1000, dtype=bool), "blob": b"\x00\x01",
             "small": [1, "two", 3.0, None], "many": list(range(500)), "t": (1, np.int32(7)), 5: "int key"}
    buffers = pack({"superstep": 3, "task": 1}, {"user": state})
    data = b"".join(bytes(b) if not isinstance(b, np.ndarray) else b.tobytes() for b in buffers)
    assert values.tobytes() in data  # the array is stored as its raw buffer
    header, back = unpack(data, "test")
    assert header["superstep"] == 3
    u = back["user"]
    assert np.array_equal(u["values"], values) and u["values"].flags.writeable
    assert u["halted"].dtype == bool and u["blob"] == b"\x00\x01"
    assert u["small"] == [1, "two", 3.0, None] and u["many"] == list(range(500))
    assert u["t"] == (1, 7) and u[5] == "int key"


def test_truncated_or_foreign_part_is_an_error_naming_it():
    buffers = pack({"superstep": 3, "task": 1}, {"x": np.ones(100)})
    data = b"".join(bytes(b) if not isinstance(b, np.ndarray) else b.tobytes() for b in buffers)
    with pytest.raises(CheckpointError, match="part-x.*truncated"):
        unpack(data[:-10], "part-x")
    with pytest.raises(CheckpointError, match="bad magic"):
        unpack(b"garbage" * 10, "part-y")


def test_store_commit_latest_and_cleanup(tmp_path):
    store = CheckpointStore(f"file://{tmp_path}/ckpt/job_1")
    for step in (1, 2, 3):
        for task in (0, 1):
            store.write_part(step, task, 0, pack({"superstep": step, "task": task}, {"v": step}))
    assert store.latest_committed() == 0
    store.commit(2)
    assert store.latest_committed() == 2
    store.remove_before(2)
    assert store.steps() == [2, 3]
    store.remove_after(2)
    assert store.steps() == [2]
    assert store.read_part(2, 1).state == {"v": 2}
    with pytest.raises(CheckpointError, match="part-00005"):
        store.read_part(2, 5)
    store.remove_all()
    assert store.steps() == []


def test_settings():
    from hama_yarn.config import HamaConfiguration

    conf = HamaConfiguration()
    s = FTSettings.from_conf(conf)
    assert (s.recovery, s.interval, s.max_attempts) == (False, 0, 2)
    conf.set("bsp.checkpoint.enabled", "true")
    conf.set("bsp.checkpoint.interval", "5")
    s = FTSettings.from_conf(conf)
    assert [t for t in range(1, 16) if s.is_checkpoint(t)] == [5, 10, 15]


def test_late_failure_report_of_the_failed_attempt_is_ignored():
    """On YARN a killed container's neighbours report their send errors after the recovery began:
    until a peer's replacement started, its reports belong to the failed attempt."""
    m = running()
    checkpoint(m, 3)
    assert kinds(m.handle(st.PeerFailed(1.0, 0, 4, "MessagingError: peer 2 gone", "", []))) == [
        st.AbortSync, st.RecoverPeers]
    assert m.state is JobState.RECOVERING
    assert m.handle(st.PeerFailed(1.1, 1, 4, "MessagingError: peer 2 gone", "", [])) == []
    assert m.handle(st.PeerHeartbeat(1.1, 2, 9)) == []
    assert m.state is JobState.RECOVERING and m.superstep == 3 and len(m.failures) == 1
    for i in range(3):
        m.handle(st.PeerStarted(2.0, i, f"host{i}"))
    assert m.state is JobState.RUNNING
    assert kinds(m.handle(st.PeerFailed(3.0, 1, 5, "ValueError: real", "", []))) == [st.AbortSync, st.RecoverPeers]
    assert len(m.failures) == 2
