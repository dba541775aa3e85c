"""The BSPMaster's pure state machine (hama_yarn/master/state.py): events in, actions out, no sockets."""

from __future__ import annotations

import pytest

from hama_yarn.master import state as st
from hama_yarn.master.state import JobState, PeerState

JOB = "job_202401021504_0007"
PG, JG = st.PEER_COUNTER_GROUP, st.JOB_COUNTER_GROUP


def running(n: int = 3, **kw) -> st.JobStateMachine:
    m = st.JobStateMachine(JOB, n, **kw)
    assert m.state is JobState.PREP
    actions = m.handle(st.Start(0.0))
    assert actions == [st.LaunchPeers((0, 1, 2)[:n] if n <= 3 else tuple(range(n)))]
    assert m.state is JobState.RUNNING
    for i in range(n):
        assert m.handle(st.PeerStarted(0.1, i, f"host{i}")) == []
        assert m.handle(st.PeerRegistered(0.2, i, f"host{i}:{5000 + i}")) == []
    return m


def kinds(actions) -> list[type]:
    return [type(a) for a in actions]


def test_prep_running_succeeded_commit_then_finished():
    m = running()
    assert all(p.state is PeerState.RUNNING for p in m.peers)
    assert m.handle(st.Start(0.3)) == []  # a second Start is ignored
    for i in range(3):
        m.handle(st.PeerHeartbeat(1.0, i, 1, {(PG, "SUPERSTEP_SUM"): 1}))
    m.handle(st.BarrierCompleted(1.0, 1))
    assert m.superstep == 2
    assert m.handle(st.PeerSucceeded(2.0, 0, 2, {(PG, "SUPERSTEP_SUM"): 2, ("u", "c"): 1})) == []
    assert m.handle(st.PeerSucceeded(2.0, 1, 2, {(PG, "SUPERSTEP_SUM"): 2, ("u", "c"): 2})) == []
    assert m.state is JobState.RUNNING
    actions = m.handle(st.PeerSucceeded(2.0, 2, 2, {(PG, "SUPERSTEP_SUM"): 2, ("u", "c"): 3}))
    assert actions == [st.CommitOutput()]
    assert m.state is JobState.RUNNING and m.committing  # not SUCCEEDED before the commit ended
    assert m.handle(st.Tick(1000.0)) == []  # no heartbeat deadline while committing
    actions = m.handle(st.CommitFinished(2.5))
    assert actions == [st.JobFinished(JobState.SUCCEEDED, "")]
    assert m.state is JobState.SUCCEEDED and m.state.finished
    c = m.counters()
    assert c[(PG, "SUPERSTEP_SUM")] == 6 and c[("u", "c")] == 6
    assert c[(JG, "SUPERSTEPS")] == 2 and c[(JG, "LAUNCHED_TASKS")] == 3
    # peers exiting normally afterwards change nothing
    assert m.handle(st.PeerExited(3.0, 0, 0, "exit code 0")) == []
    assert m.state is JobState.SUCCEEDED


def test_first_failure_wins_and_names_peer_and_superstep():
    m = running()
    m.handle(st.PeerHeartbeat(1.0, 1, 2))
    tb = 'Traceback (most recent call last):\n  File "x.py", line 3, in bsp\nValueError: boom\n'
    actions = m.handle(st.PeerFailed(1.5, 1, 2, "ValueError: boom", tb))
    assert kinds(actions) == [st.AbortSync, st.StopPeers, st.AbortOutput, st.JobFinished]
    fin = actions[-1]
    assert fin.state is JobState.FAILED
    assert m.state is JobState.FAILED
    assert "peer 1" in fin.diagnostics and "superstep 2" in fin.diagnostics
    assert "host1:5001" in fin.diagnostics  # the registered name
    assert st.task_attempt_id(JOB, 1) in fin.diagnostics
    assert "ValueError: boom" in fin.diagnostics and "Traceback" in fin.diagnostics
    assert m.diagnostics == fin.diagnostics
    assert "\n" not in actions[0].reason and "peer 1" in actions[0].reason
    assert m.peers[1].state is PeerState.FAILED
    assert m.peers[0].state is PeerState.KILLED and m.peers[2].state is PeerState.KILLED
    # later failures (other peers aborted at the barrier) do not replace the first one
    assert m.handle(st.PeerFailed(1.6, 0, 2, "SyncError: job aborted", "")) == []
    assert m.handle(st.PeerExited(1.7, 2, 1, "exit code 1")) == []
    assert m.handle(st.KillRequested(1.8, "too late")) == []
    assert m.state is JobState.FAILED and m.diagnostics == fin.diagnostics


def test_a_peer_that_lost_its_connection_waits_for_the_dead_peer_it_names():
    m = running(4, suspect_grace=5.0)
    m.handle(st.PeerHeartbeat(1.0, 2, 6))
    lost = "MessagingError: sending 11 bytes to peer host2:5002 in superstep 6 failed: connection reset"
    assert m.handle(st.PeerFailed(1.5, 0, 6, lost, "", {}, 2)) == []  # held: peer 2 may be the cause
    assert m.state is JobState.RUNNING and m.peers[0].state is PeerState.FAILED
    assert m.handle(st.PeerFailed(1.6, 3, 6, lost, "", {}, 2)) == []
    assert m.handle(st.Tick(2.0)) == []
    assert m.handle(st.PeerExited(2.1, 0, 1, "exit code 1")) == []  # the blaming peer's own exit
    actions = m.handle(st.PeerExited(2.2, 2, -9, "killed by signal SIGKILL"))
    assert kinds(actions) == [st.AbortSync, st.StopPeers, st.AbortOutput, st.JobFinished]
    diag = actions[-1].diagnostics
    assert diag.startswith(f"Task {st.task_attempt_id(JOB, 2)} failed: peer 2")
    assert "SIGKILL" in diag and "2 other peers then failed sending to peer 2" in diag
    assert "peer 2" in actions[0].reason and "SIGKILL" in actions[0].reason
    assert m.peers[1].state is PeerState.KILLED


def test_a_held_failure_is_the_job_failure_when_the_suspect_stays_alive():
    m = running(3, suspect_grace=5.0)
    assert m.handle(st.PeerFailed(1.0, 0, 3, "MessagingError: to host1 failed", "", {}, 1)) == []
    assert m.handle(st.Tick(5.9)) == []
    actions = m.handle(st.Tick(6.0))
    assert kinds(actions) == [st.AbortSync, st.StopPeers, st.AbortOutput, st.JobFinished]
    assert "peer 0" in actions[-1].diagnostics and "to host1 failed" in actions[-1].diagnostics
    assert m.handle(st.Tick(7.0)) == []


def test_no_grace_or_no_suspect_fails_at_once():
    for grace, suspect in ((0.0, 1), (5.0, -1), (5.0, 0 + 7)):
        m = running(3, suspect_grace=grace)
        actions = m.handle(st.PeerFailed(1.0, 0, 3, "MessagingError: x", "", {}, suspect))
        assert kinds(actions)[-1] is st.JobFinished and "peer 0" in actions[-1].diagnostics


def test_a_kill_while_a_failure_is_held_ends_killed():
    m = running(3, suspect_grace=5.0)
    m.handle(st.PeerFailed(1.0, 0, 3, "MessagingError: x", "", {}, 1))
    actions = m.handle(st.KillRequested(1.1, "by user"))
    assert actions[-1] == st.JobFinished(JobState.KILLED, "Job killed: by user")
    assert m.handle(st.Tick(9.0)) == []


def test_peer_killed_by_signal_fails_the_job():
    m = running()
    m.handle(st.PeerHeartbeat(1.0, 2, 3))
    actions = m.handle(st.PeerExited(1.5, 2, -9, "pid 4242 killed by signal SIGKILL"))
    assert kinds(actions)[-1] is st.JobFinished
    assert st.AbortSync in kinds(actions) and st.StopPeers in kinds(actions) and st.AbortOutput in kinds(actions)
    assert m.state is JobState.FAILED
    assert "peer 2" in m.diagnostics and "SIGKILL" in m.diagnostics and "superstep 3" in m.diagnostics


def test_exit_without_description_names_exit_code():
    m = running()
    m.handle(st.PeerExited(1.0, 0, 70))
    assert m.state is JobState.FAILED and "exit code 70" in m.diagnostics and "peer 0" in m.diagnostics


def test_kill():
    m = running()
    actions = m.handle(st.KillRequested(1.0, "killed by hama job -kill"))
    assert kinds(actions) == [st.AbortSync, st.StopPeers, st.AbortOutput, st.JobFinished]
    assert actions[-1].state is JobState.KILLED
    assert m.state is JobState.KILLED
    assert "killed by hama job -kill" in m.diagnostics
    assert all(p.state is PeerState.KILLED for p in m.peers)
    assert m.handle(st.KillRequested(1.1, "again")) == []
    assert m.handle(st.PeerSucceeded(1.2, 0, 1)) == []
    assert m.handle(st.CommitFinished(1.3)) == []
    assert m.state is JobState.KILLED


def test_kill_in_prep():
    m = st.JobStateMachine(JOB, 2)
    actions = m.handle(st.KillRequested(0.0, "user"))
    assert actions[-1] == st.JobFinished(JobState.KILLED, m.diagnostics)
    assert m.handle(st.Start(0.1)) == []  # never launches after a kill
    assert m.state is JobState.KILLED


def test_heartbeat_timeout_via_tick():
    m = running(heartbeat_timeout=5.0)
    for t in (1.0, 3.0, 4.5):
        for i in range(3):
            m.handle(st.PeerHeartbeat(t, i, 0))
    assert m.handle(st.Tick(9.0)) == []  # 4.5 s of silence < 5 s
    m.handle(st.PeerHeartbeat(9.0, 0, 1))
    m.handle(st.PeerHeartbeat(9.0, 2, 1))
    actions = m.handle(st.Tick(10.0))  # peer 1 silent for 5.5 s
    assert kinds(actions)[-1] is st.JobFinished and actions[-1].state is JobState.FAILED
    assert "peer 1" in m.diagnostics and "heartbeat" in m.diagnostics
    assert m.peers[1].state is PeerState.FAILED


def test_start_timeout_via_tick():
    m = st.JobStateMachine(JOB, 2, start_timeout=10.0)
    m.handle(st.Start(0.0))
    m.handle(st.PeerStarted(1.0, 0, "h"))
    m.handle(st.PeerHeartbeat(10.5, 0, 0))
    assert m.handle(st.Tick(9.0)) == []
    actions = m.handle(st.Tick(10.5))
    assert actions[-1].state is JobState.FAILED
    assert "peer 1" in m.diagnostics and "did not start" in m.diagnostics


def test_commit_failure_fails_job():
    m = running(2)
    m.handle(st.PeerSucceeded(1.0, 0, 1))
    assert m.handle(st.PeerSucceeded(1.0, 1, 1)) == [st.CommitOutput()]
    actions = m.handle(st.CommitFinished(1.1, error="disk full"))
    assert actions[-1].state is JobState.FAILED
    assert st.AbortOutput() in actions
    assert "Output commit failed: disk full" in m.diagnostics


def test_events_after_finish_ignored_but_counters_absorbed():
    m = running(2)
    m.handle(st.PeerSucceeded(1.0, 0, 1, {(PG, "TOTAL_MESSAGES_SENT"): 4}))
    m.handle(st.PeerSucceeded(1.0, 1, 1, {(PG, "TOTAL_MESSAGES_SENT"): 5}))
    m.handle(st.CommitFinished(1.1))
    v = m.version
    for ev in (st.PeerFailed(2.0, 0, 1, "late"), st.PeerExited(2.0, 1, -9, "killed"), st.Tick(500.0),
               st.PeerStarted(2.0, 0), st.BarrierCompleted(2.0, 7), st.CommitFinished(2.0, "x"), st.Start(2.0)):
        assert m.handle(ev) == []
    assert m.state is JobState.SUCCEEDED and m.diagnostics == "" and m.superstep == 1
    assert m.version == v
    assert m.counters()[(PG, "TOTAL_MESSAGES_SENT")] == 9


def test_superstep_is_min_over_peers_and_barriers():
    m = running()
    m.handle(st.PeerHeartbeat(1.0, 0, 4))
    m.handle(st.PeerHeartbeat(1.0, 1, 2))
    assert m.superstep == 0  # peer 2 still at 0
    m.handle(st.PeerHeartbeat(1.0, 2, 3))
    assert m.superstep == 2
    m.handle(st.BarrierCompleted(1.1, 4))
    assert m.superstep == 5
    m.handle(st.PeerHeartbeat(1.2, 1, 1))  # stale heartbeat never moves backwards
    # the barrier of superstep 4 completed, so every running peer is at least at 5
    assert m.superstep == 5 and m.peers[1].superstep == 5


def test_version_changes_on_state_change():
    m = st.JobStateMachine(JOB, 1)
    v0 = m.version
    m.handle(st.Start(0.0))
    assert m.version > v0
    v1 = m.version
    m.handle(st.Tick(0.1))
    assert m.version == v1  # nothing happened


def test_bad_peer_index_and_num_peers():
    with pytest.raises(ValueError):
        st.JobStateMachine(JOB, 0)
    m = running(2)
    with pytest.raises(ValueError, match="out of range"):
        m.handle(st.PeerStarted(1.0, 5))


def test_task_attempt_id_format():
    assert st.task_attempt_id(JOB, 3) == "attempt_202401021504_0007_000003_0"
    assert st.task_attempt_id(JOB, 12, 2) == "attempt_202401021504_0007_000012_2"
