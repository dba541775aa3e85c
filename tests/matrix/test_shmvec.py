"""Vectors shared in memory by co-located peers (hama_yarn.matrix.shmvec), and SpMV using them."""

from __future__ import annotations

import glob
import os
import queue
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.matrix.gen import sparse_random, write_sparse, write_vector
from hama_yarn.matrix.shmvec import SHM_DIR, share_vectors
from hama_yarn.matrix.spmv import spmv_job

from ..ml.helpers import run
from .test_spmv_matmult import _vector_from_text


class _FakePeer:
    """Just enough of a peer for share_vectors: messages between threads, a barrier per sync
    (a fast unit test; the real peers are in the job tests below)."""

    def __init__(self, index: int, boxes: list[queue.Queue[Any]], barrier: threading.Barrier,
                 tamper: Any = None) -> None:
        self.index, self.boxes, self.barrier, self.tamper = index, boxes, barrier, tamper
        self.inbox: list[Any] = []

    def get_peer_index(self) -> int:
        return self.index

    def send(self, name: str, msg: Any) -> None:
        self.boxes[int(name)].put(self.tamper(msg) if self.tamper else msg)

    def sync(self) -> None:
        self.barrier.wait(30)
        box = self.boxes[self.index]
        self.inbox = [box.get_nowait() for _ in range(box.qsize())]
        self.barrier.wait(30)

    def messages(self) -> Any:
        msgs, self.inbox = self.inbox, []
        return iter(msgs)


def _share(peers: int, length: int, tamper: Any = None) -> list[Any]:
    boxes: list[queue.Queue[Any]] = [queue.Queue() for _ in range(peers)]
    barrier = threading.Barrier(peers)
    results: list[Any] = [None] * peers

    def one(i: int) -> None:
        peer = _FakePeer(i, boxes, barrier, tamper if i == 0 else None)
        results[i] = share_vectors(peer, [str(j) for j in range(peers) if j != i], [length, length, 3])  # type: ignore[arg-type]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(peers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _shm_files() -> set[str]:
    return set(glob.glob(f"{SHM_DIR}/hama-spmv-*"))


@pytest.mark.parametrize("peers", [2, 3])
def test_every_peer_maps_the_same_vectors_and_no_file_stays(peers: int) -> None:
    if not os.path.isdir(SHM_DIR):
        pytest.skip(f"no {SHM_DIR} on this machine")
    before = _shm_files()
    shared = _share(peers, 1000)
    assert _shm_files() == before  # unlinked once every peer had mapped it
    assert all(s is not None and [len(vec) for vec in s] == [1000, 1000, 3] for s in shared)
    assert not any(vec.any() for vectors in shared for vec in vectors)
    for i, vectors in enumerate(shared):
        vectors[1][i * 10:(i + 1) * 10] = i + 1  # each peer writes its own slice
        vectors[2][i] = 10 + i
    for vectors in shared:  # and every peer reads every slice
        assert [vectors[1][i * 10] for i in range(peers)] == [i + 1 for i in range(peers)]
        assert list(vectors[2][:peers]) == [10 + i for i in range(peers)] and not vectors[0].any()


def test_a_peer_that_finds_another_file_makes_every_peer_exchange_messages() -> None:
    before = _shm_files()
    # peer 0's token arrives changed: peer 1 maps a file that is not the one it was told of
    shared = _share(2, 100, tamper=lambda m: (m[0], m[1], "0" * 32) if m[0] == "shm" else m)
    assert shared == [None, None]
    # and a path that does not exist (a peer on another host)
    shared = _share(3, 100, tamper=lambda m: (m[0], m[1] + "-elsewhere", m[2]) if m[0] == "shm" else m)
    assert shared == [None, None, None]
    assert _shm_files() == before


@pytest.mark.parametrize("shared", [True, False])
def test_spmv_power_iteration_through_shared_vectors_equals_scipy(tmp_path: Path, shared: bool) -> None:
    """2 peers on this host: the products are shared in memory (or, switched off, sent), the
    result bit-identical to scipy's either way; nothing stays in /dev/shm."""
    a = sparse_random(500, 500, 0.02, seed=11)
    v = np.random.default_rng(12).random(500)
    write_sparse(f"{tmp_path}/m.seq", a)
    write_vector(f"{tmp_path}/v.seq", v)
    for normalize in ("true", "false"):
        before = _shm_files()
        conf = HamaConfiguration()
        conf.set("spmv.normalize", normalize)
        conf.set("spmv.shared.memory", str(shared).lower())
        job = spmv_job(conf, f"{tmp_path}/m.seq", f"{tmp_path}/v.seq", f"{tmp_path}/out-{normalize}", 4, 2)
        run(job)
        assert job.get_counters().get("spmv", "SHARED_MEMORY_PEERS") == (2 if shared else 0)
        y = v
        for _ in range(4):
            y = a @ y
            if normalize == "true":
                y /= np.abs(y).max()
        assert np.array_equal(_vector_from_text(f"file://{tmp_path}/out-{normalize}", 500), y)
        assert _shm_files() == before
