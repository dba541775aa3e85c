"""Pipes faults with a byte-level child (children/raw_uplink.py): a child that dies, exits without DONE,
never connects, writes a truncated command, an unknown opcode or a bad length.  Each fails the job
naming the peer, the opcode / uplink offset and the child's stderr tail; nothing hangs, no child is
left behind, and the record the child wrote before the fault is not committed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.core.conftest import Hama, processes_mentioning, read_records

CHILD = Path(__file__).resolve().parent / "children" / "raw_uplink.py"


def _run(hama: Hama, tmp_path: Path, mode: str, *extra: str) -> tuple[str, Path]:
    out = tmp_path / "out"
    start = time.monotonic()
    p = hama.run("pipes", "-program", str(CHILD), "-programArgs", mode, "-bspTasks", "1", "-inputformat", "null",
                 "-output", str(out), "-D", "hama.pipes.child.timeout.ms=20000", *extra, timeout=120)
    assert time.monotonic() - start < 100
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert not list(out.glob("part-*")), "partial output committed"
    time.sleep(0.3)
    assert not [x for x in processes_mentioning(str(CHILD)) if mode in " ".join(x.cmdline())]
    return p.stderr, out


def test_raw_child_ok(hama: Hama, tmp_path: Path) -> None:
    """The byte-level child itself is right: its clean run commits its record."""
    out = tmp_path / "out"
    p = hama.run("pipes", "-program", str(CHILD), "-programArgs", "ok", "-bspTasks", "1", "-inputformat", "null",
                 "-output", str(out))
    assert p.returncode == 0, p.stderr
    assert read_records(out) == {0: [("partial", "record")]}


@pytest.mark.parametrize("mode,needles", [
    ("dies", ["the child closed the connection after 17 uplink bytes", "TASK_DONE(22) of 4 (RUN_BSP)", "exit status -9", "killing myself in bsp"]),
    ("no_done", ["the child closed the connection", "waited for DONE(21)", "leaving without DONE"]),
    ("truncated", ["the payload of opcode 7 (WRITE_KEYVALUE) (from uplink byte 17)", "after 22 uplink bytes",
                   "writing a cut WRITE_KEYVALUE"]),
    ("unknown", ["unknown or unsupported opcode 99 (unknown) at uplink byte 17", "still running (killed)",
                 "sending opcode 99"]),
    ("bad_length", ["bad string length 2147483648", "opcode 10 (SEND_MSG) (from uplink byte 17)",
                    "sending a 2^31 byte peer name"]),
])
def test_fault_names_peer_opcode_offset_and_stderr(hama: Hama, tmp_path: Path, mode: str,
                                                   needles: list[str]) -> None:
    err, _ = _run(hama, tmp_path, mode)
    assert "pipes child of peer 0 (" in err, err
    assert "stderr tail:" in err, err
    for needle in needles:
        assert needle in err, (needle, err)


def test_never_connects_accept_timeout_configurable(hama: Hama, tmp_path: Path) -> None:
    err, _ = _run(hama, tmp_path, "never_connects", "-D", "hama.pipes.accept.timeout.ms=700")
    assert "pipes child of peer 0 (" in err
    assert "did not connect within 0.7 s (hama.pipes.accept.timeout.ms)" in err, err
    assert "not connecting" in err
