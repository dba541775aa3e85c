"""The ``disk`` vertex store: a peer's vertices in a spill file on a local disk.

The vertices of a partition live in one file of length-prefixed batches, each batch a
pickle (protocol 5) of vertex records ``(id, value, previous value, destinations,
edge values or None, halted, instance attributes or None)``.  Every iteration reads
the file sequentially, batch by batch, turns each record into a vertex object,
computes it and writes it to the next iteration's file (values change every
iteration); the old file is then deleted.  Only one batch in, one batch out and the
vertex being computed are in memory: the window is ``hama.graph.vertices.store.cache.bytes``
of serialized records (Python objects take a few times that).

Loading merges records of the same id (edge-list inputs give one record per edge)
without holding the partition in memory: records go to a load file, are then
distributed over ``K`` bucket files by a stable hash of the id (``K`` chosen so a
bucket fits the window) and each bucket is merged in memory and appended to the
store.  The vertex order of the store (its partition order) is bucket by bucket,
first arrival first within a bucket.

What stays in memory: the set of ids referred to by edges while loading (one entry
per distinct vertex), the messages of the superstep (see the receive queue classes)
and, with checkpoints on, the state a checkpoint writes.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import struct
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..vertex import Edge, Vertex
from .localdir import ScratchDir

if TYPE_CHECKING:
    from ...config import HamaConfiguration

log = logging.getLogger(__name__)

__all__ = ["DiskVertexStore", "CACHE_KEY", "DEFAULT_CACHE_BYTES"]

#: Bytes of serialized vertices a pass holds in memory (read window and write buffer each).
CACHE_KEY = "hama.graph.vertices.store.cache.bytes"
DEFAULT_CACHE_BYTES = 8 << 20
#: Python objects of a record take up to this many times its pickle: a batch is window / this
#: many pickled bytes, and the load buckets are sized with it.
_EXPANSION = 16
_MAX_BUCKETS = 512
_LEN = struct.Struct("<Q")

Record = tuple[Any, Any, Any, list[Any], "list[Any] | None", bool, "dict[str, Any] | None"]


def _bucket_of(vid: Any, k: int) -> int:
    return zlib.crc32(repr(vid).encode("utf-8", "surrogatepass")) % k


class _Writer:
    """Appends records to a file in batches of about *window* pickled bytes."""

    def __init__(self, path: Path, window: int) -> None:
        self.path = path
        self.window = max(1024, window // _EXPANSION)  # pickled bytes per batch
        self._f = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._batch: list[Any] = []
        self._per_batch = 64
        self.count = 0
        self.bytes = 0

    def append(self, rec: Any) -> None:
        self._batch.append(rec)
        if len(self._batch) >= self._per_batch:
            self.flush()

    def flush(self) -> None:
        if not self._batch:
            return
        data = pickle.dumps(self._batch, protocol=5)
        n = len(self._batch)
        self._f.write(_LEN.pack(len(data)))
        self._f.write(data)
        self.count += n
        self.bytes += len(data) + _LEN.size
        # records per batch so that a batch is about the window
        self._per_batch = max(1, int(n * self.window / max(1, len(data))))
        self._batch = []

    def close(self) -> None:
        self.flush()
        self._f.close()


def _read(path: Path) -> Iterator[Any]:
    """Every record of a file written by :class:`_Writer`, one batch in memory at a time."""
    with open(path, "rb") as f:
        while True:
            head = f.read(_LEN.size)
            if not head:
                return
            if len(head) != _LEN.size:
                raise OSError(f"{path}: truncated batch header at offset {f.tell() - len(head)}")
            (size,) = _LEN.unpack(head)
            data = f.read(size)
            if len(data) != size:
                raise OSError(f"{path}: truncated batch at offset {f.tell() - len(data)}")
            batch = pickle.loads(data)
            del data
            yield from batch


class DiskVertexStore:
    """A peer's vertices in a file on a local disk, iterated in partition order.

    Parameters
    ----------
    conf : HamaConfiguration
        ``hama.graph.vertices.store.cache.bytes`` and the local directories.
    index : int
        The peer index (chooses the disk).
    tag : str
        Names the directory: the task (:func:`~hama_yarn.graph.store.localdir.task_tag`); an
        earlier attempt's directory of the same tag is removed.
    """

    kind = "disk"

    def __init__(self, conf: HamaConfiguration, index: int, tag: str | None = None) -> None:
        self.window = max(4096, conf.get_int(CACHE_KEY, DEFAULT_CACHE_BYTES))
        self.dir = ScratchDir(conf, f"hama-vertices-{tag or f'p{index}'}-", index, replaces_stale=tag is not None)
        self._gen = 0
        self._path: Path | None = None
        self._count = 0
        self._load: _Writer | None = None
        #: Bytes of vertex files written (the load's and every iteration's).
        self.bytes_written = 0

    # ---------------------------------------------------------------- files
    def _next(self, tag: str, share: int = 1) -> _Writer:
        """A new file whose write buffer is 1/*share* of the window."""
        self._gen += 1
        return _Writer(self.dir.file(f"{tag}-{self._gen}"), self.window // share)

    def _commit(self, w: _Writer) -> None:
        w.close()
        self.bytes_written += w.bytes
        old, self._path, self._count = self._path, w.path, w.count
        if old is not None:
            os.unlink(old)

    def __len__(self) -> int:
        return self._count

    def records(self) -> Iterator[Record]:
        """The stored records in partition order."""
        if self._path is None:
            return iter(())
        return _read(self._path)

    def close(self) -> None:
        """Delete every file (idempotent)."""
        if self._load is not None:
            self._load._f.close()
            self._load = None
        self.dir.close()

    # ---------------------------------------------------------------- records <-> vertices
    @staticmethod
    def to_vertex(runner: Any, rec: Record) -> Vertex:
        vid, value, old, dests, weights, halted, extras = rec
        v: Vertex = runner.vertex_class()
        v._id = vid
        v._value = value
        v._old_value = old
        v._edges = [Edge(d) for d in dests] if weights is None else [Edge(d, w) for d, w in zip(dests, weights)]
        v._halted = halted
        v._runner = runner
        if extras:
            v.__dict__.update(extras)
        return v

    @staticmethod
    def to_record(v: Vertex) -> Record:
        edges = v._edges
        dests = [e.dest for e in edges]
        weights: list[Any] | None = [e.value for e in edges]
        if not any(w is not None for w in weights or ()):
            weights = None
        d = v.__dict__
        return (v._id, v._value, v._old_value, dests, weights, bool(v._halted), dict(d) if d else None)

    def vertices(self, runner: Any) -> Iterator[Vertex]:
        """The vertices in partition order (fresh objects; changes are not kept)."""
        for rec in self.records():
            yield self.to_vertex(runner, rec)

    # ---------------------------------------------------------------- load
    @staticmethod
    def load_record(vid: Any, value: Any, edges: list[tuple[Any, Any]]) -> tuple[Any, Any, list[Any], Any]:
        """The compact form of a loaded (partial) vertex: ``(id, value, destinations, edge values or None)``."""
        dests = [d for d, _ in edges]
        weights: list[Any] | None = [w for _, w in edges]
        if not any(w is not None for w in weights or ()):
            weights = None
        return (vid, value, dests, weights)

    def load_add(self, vid: Any, value: Any, edges: list[tuple[Any, Any]]) -> None:
        """Add a (partial) vertex read by this peer or received while loading."""
        if self._load is None:
            self._load = self._next("load")
        self._load.append(self.load_record(vid, value, edges))

    def spill(self, tag: str) -> _Writer:
        """A new record file (e.g. this peer's own records while loading; see :meth:`load_file`)."""
        return self._next(tag)

    def load_file(self, w: _Writer) -> None:
        """Add the records of a :meth:`spill` file (as :meth:`load_add`), then delete it."""
        w.close()
        if self._load is None:
            self._load = self._next("load")
        for rec in _read(w.path):
            self._load.append(rec)
        os.unlink(w.path)

    def load_finish(self, runner: Any, refs: list[dict[Any, Any]], self_ref: bool) -> int:
        """Merge the loaded records by id, create the vertices edges refer to, write the store.

        *refs* are ``{destination: source}`` per sender, in sender order; a missing
        destination is created (``runner.missing_vertex(src, dest)`` may raise instead).
        Returns the number of vertices.
        """
        load = self._load or self._next("load")
        self._load = None
        load.close()
        k = max(1, min(_MAX_BUCKETS, math.ceil(load.bytes * _EXPANSION / self.window)))
        bucket_refs: list[list[tuple[Any, Any]]] = [[] for _ in range(k)]
        for brefs in refs:
            for d, src in brefs.items():
                bucket_refs[_bucket_of(d, k)].append((d, src))
        if k == 1:
            buckets = [load.path]
        else:
            writers = [self._next(f"bucket{b}", k) for b in range(k)]
            for rec in _read(load.path):
                writers[_bucket_of(rec[0], k)].append(rec)
            for w in writers:
                w.close()
            os.unlink(load.path)
            buckets = [w.path for w in writers]
        out = self._next("vertices")
        for b, path in enumerate(buckets):
            merged: dict[Any, list[Any]] = {}
            for vid, value, dests, weights in _read(path):
                m = merged.get(vid)
                if m is None:
                    merged[vid] = [value, dests, weights]
                    continue
                if m[2] is None and weights is not None:
                    m[2] = [None] * len(m[1])
                if m[2] is not None:
                    m[2].extend(weights if weights is not None else [None] * len(dests))
                m[1].extend(dests)
                if m[0] is None:
                    m[0] = value
            os.unlink(path)
            for d, src in bucket_refs[b]:
                if d not in merged:
                    runner.missing_vertex(src, d)
                    merged[d] = [None, [], None]
            bucket_refs[b] = []
            for vid, (value, dests, weights) in merged.items():
                if self_ref:
                    dests.append(vid)
                    if weights is not None:
                        weights.append(None)
                out.append((vid, value, None, dests, weights, False, None))
            del merged
        self._commit(out)
        log.debug("disk store: %d vertices in %s (%d load buckets)", self._count, self._path, k)
        return self._count

    # ---------------------------------------------------------------- iterations
    def compute(self, runner: Any, it: int, inbox: dict[Any, list[Any]]) -> int:
        """One iteration over every vertex in partition order; returns the active count.

        Messages are taken out of *inbox*; what is left names vertices this peer does
        not have (the runner reports them).
        """
        out = self._next("vertices")
        active = 0
        conf = runner.conf
        reactivate = runner.reactivate
        to_vertex = self.to_vertex
        to_record = self.to_record
        v: Vertex | None = None
        try:
            for rec in self.records():
                v = to_vertex(runner, rec)
                if it == 0:
                    v.setup(conf)
                    v.compute([v._value])
                else:
                    msgs = inbox.pop(v._id, None)
                    if msgs is not None:
                        if reactivate:
                            v._halted = False
                        v.compute(msgs)
                    elif not v._halted:
                        v.compute([])
                if not v._halted:
                    active += 1
                out.append(to_record(v))
            v = None
        except BaseException as exc:
            out.close()
            os.unlink(out.path)
            if v is not None and isinstance(exc, Exception):
                runner.compute_failed(v, it, exc)
            raise
        self._commit(out)
        return active

    def mutate(self, runner: Any, removes: list[Any], adds: list[tuple[Any, Any, list[tuple[Any, Any]]]]) -> set[Any]:
        """Apply removals, then additions (in order), as the in-memory runner does; the removed ids."""
        removed: set[Any] = set()
        if not removes and not adds:
            return removed
        gone = set(removes)
        pending: dict[Any, list[tuple[Any, list[tuple[Any, Any]]]]] = {}
        for vid, value, edges in adds:
            pending.setdefault(vid, []).append((value, edges))
        out = self._next("vertices")
        for rec in self.records():
            vid = rec[0]
            if vid in gone:
                removed.add(vid)
                continue
            todo = pending.pop(vid, None)
            if todo is None:
                out.append(rec)
                continue
            v = self.to_vertex(runner, rec)
            for value, edges in todo:
                v._edges.extend(Edge(d, w) for d, w in edges)
                if value is not None:
                    v._value = value
                v._halted = False
            out.append(self.to_record(v))
        for vid, todo in pending.items():
            (value, edges), rest = todo[0], todo[1:]
            v = runner.new_vertex(vid, value, edges)
            v.setup(runner.conf)
            removed.discard(vid)
            for value, edges in rest:
                v._edges.extend(Edge(d, w) for d, w in edges)
                if value is not None:
                    v._value = value
                v._halted = False
            out.append(self.to_record(v))
        self._commit(out)
        return removed

    def replace(self, runner: Any, vertices: Iterable[Vertex]) -> None:
        """Store exactly *vertices* (a checkpoint's, in order)."""
        out = self._next("vertices")
        for v in vertices:
            out.append(self.to_record(v))
        self._commit(out)

