"""Output in checkpoints (issue 13 leftover): each checkpoint saves only the output written since the
previous one (a segment kept until the job ends), and a restore replays every segment in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hama_yarn.ft.peer import JournalingWriter, PeerCheckpointer
from hama_yarn.ft.settings import FTSettings
from hama_yarn.ft.store import CheckpointStore
from hama_yarn.io.formats import RecordWriter


class _Sink(RecordWriter):
    def __init__(self) -> None:
        self.rows: list[tuple[Any, Any]] = []

    def write(self, key: Any, value: Any) -> None:
        self.rows.append((key, value))

    def close(self) -> None:
        pass


class _Peer:
    """The peer methods a checkpointer uses."""

    def __init__(self) -> None:
        self.step = 0
        self.restored: tuple[int, list[Any]] | None = None

    def get_superstep_count(self) -> int:
        return self.step

    def checkpoint_messages(self) -> list[Any]:
        return [self.step]

    def counters_snapshot(self) -> dict[tuple[str, str], int]:
        return {("g", "n"): self.step}

    def reader_position(self) -> int:
        return self.step

    def restore_checkpoint(self, step: int, messages: list[Any], counters: Any, pos: int) -> None:
        self.restored = (step, messages)


def _checkpointer(root: Path, attempt: int) -> tuple[PeerCheckpointer, _Sink]:
    sink = _Sink()
    ckpt = PeerCheckpointer(FTSettings(recovery=True, interval=1, max_attempts=2), CheckpointStore(str(root)), 0,
                            attempt, lambda *a: None)
    ckpt.writer = JournalingWriter(sink)
    return ckpt, sink


def test_each_checkpoint_saves_only_new_output_and_restore_replays_all(tmp_path: Path) -> None:
    ckpt, sink = _checkpointer(tmp_path, 0)
    peer = _Peer()
    sizes = []
    for step in range(1, 7):
        for i in range(50):
            ckpt.writer.write(f"s{step}-{i}", "v" * 40)  # type: ignore[union-attr]
        peer.step = step
        ckpt.write(peer, step)
        sizes.append((tmp_path / f"{step:08d}" / "part-00000").stat().st_size)
    assert max(sizes) - min(sizes) < 64  # the part does not grow with the output so far
    segments = sorted(p.name for p in (tmp_path / "static").iterdir())
    assert segments == [f"out{s:08d}-00000" for s in range(1, 7)]
    # a new attempt restored from checkpoint 4 writes exactly the output of supersteps 1..4
    again, sink2 = _checkpointer(tmp_path, 1)
    peer2 = _Peer()
    again.restore(peer2, 4)
    assert peer2.restored == (4, [4])
    assert sink2.rows == sink.rows[: 4 * 50]
    assert again.writer is not None and again.writer.records == []
    # ... and its next checkpoint's segment holds only what follows
    again.writer.write("after", "x")
    peer2.step = 5
    again.write(peer2, 5)
    assert CheckpointStore(str(tmp_path)).read_static("out00000005", 0).state["records"] == [("after", "x")]
