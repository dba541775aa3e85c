"""Disk-backed receive queues: ``disk`` (Hama's DiskQueue) and ``spilling`` (SpillingQueue).

Bundles are written as they arrive, unchanged (``8-byte length + bundle``), to
segment files of at most :data:`SEGMENT_BYTES` in the peer's spill directories
(round-robin), one series of files per sender (bundles of several senders are written
at the same time, on their receive threads), and read back sequentially, sender by
sender and one bundle at a time, when the superstep's messages are read; each segment is deleted as soon as it has been read,
and everything left is deleted when the set is closed or the queue is.

Both queues set ``decodes_on_arrival = False``: a bundle whose header or count trailer
tells its message count (:func:`~hama_yarn.messaging.codec.bundle_count`) is written
without being decoded on arrival (``spilling`` decodes the ones it keeps in memory); it
is decoded once, when read back.  Segments are memory-mapped and bundles decoded straight
from the mapping (the decoded messages are copies), except raw-buffer bundles (numpy
arrays, Arrow batches), whose messages are views of a buffer: these are copied out first.
"""

from __future__ import annotations

import logging
import mmap
import os
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ...errors import ConfigError, MessagingError
from ..codec import VECTOR_KINDS, decode, encode
from .base import MessageSet, ReceiveQueue, message_size

log = logging.getLogger(__name__)

__all__ = ["DiskQueue", "SpillingQueue", "StepSpill", "SEGMENT_BYTES"]

#: A new segment file (in the next spill directory) starts past this size.
SEGMENT_BYTES = 256 << 20
_LEN = struct.Struct("<Q")
#: While reading a segment back, pages already decoded are unmapped past this many bytes.
UNMAP_BYTES = 32 << 20
_DONTNEED = getattr(mmap, "MADV_DONTNEED", None)


class _Writer:
    """The segment files of one sender in one superstep (its lock serializes its writes)."""

    __slots__ = ("segments", "out", "written", "lock")

    def __init__(self) -> None:
        self.segments: list[Path] = []
        self.out: IO[bytes] | None = None
        self.written = 0
        self.lock = threading.Lock()


class StepSpill:
    """The spill files of one superstep: per sender, its bundles in arrival order.

    Each sender's bundles go to files of their own, so bundles of different senders are
    written at the same time (on several receive threads); they are read back sender by
    sender, in the order the senders' first bundles arrived.
    """

    def __init__(self, spill_dir: Any, superstep: int) -> None:
        self._dir = spill_dir
        self._step = superstep
        self._writers: dict[int, _Writer] = {}
        self._lock = threading.Lock()
        self.count = 0
        self.nbytes = 0

    def append(self, bundle: bytes | memoryview, count: int, source: int = -1) -> None:
        """Write one bundle of sender *source* holding *count* messages (thread-safe; a
        sender's bundles must be appended in its order)."""
        w = self._writers.get(source)
        if w is None:
            with self._lock:
                w = self._writers.setdefault(source, _Writer())
        with w.lock:
            if w.out is None or w.written >= SEGMENT_BYTES:
                self._close_out(w)
                path = self._dir.new_path(f"step{self._step}")
                w.out = open(path, "wb", buffering=1 << 20)  # noqa: SIM115 - closed in _close_out
                w.segments.append(path)
                w.written = 0
            try:
                w.out.write(_LEN.pack(len(bundle)))
                w.out.write(bundle)
            except OSError as exc:
                raise MessagingError(f"cannot spill {len(bundle)} bytes of superstep {self._step} "
                                     f"to {w.segments[-1]}: {exc}") from exc
            w.written += len(bundle) + _LEN.size
        with self._lock:
            self.count += count
            self.nbytes += len(bundle)

    def _close_out(self, w: _Writer) -> None:
        if w.out is not None:
            out, w.out = w.out, None
            try:
                out.close()
            except OSError as exc:
                raise MessagingError(f"cannot spill superstep {self._step} to {w.segments[-1]}: {exc}") from exc

    def seal(self) -> StepSpill:
        """Flush and close the files being written (the superstep's bundles have all arrived)."""
        with self._lock:
            writers = list(self._writers.values())
        for w in writers:
            with w.lock:
                self._close_out(w)
        return self

    def chunks(self) -> Iterator[list[Any]]:
        """Decode the bundles back, sender by sender, each in order; each segment is
        deleted once read."""
        self.seal()
        for w in list(self._writers.values()):
            while w.segments:
                path = w.segments[0]
                try:
                    yield from self._read_segment(path)
                except OSError as exc:
                    raise MessagingError(f"cannot read spill file {path} (superstep {self._step}): {exc}") from exc
                w.segments.pop(0)
                path.unlink(missing_ok=True)

    def _read_segment(self, path: Path) -> Iterator[list[Any]]:
        """The bundles of one segment file, decoded.

        The file is memory-mapped and bundles are decoded straight from the mapping (one
        copy fewer than reading into a buffer); pages already decoded are unmapped every
        :data:`UNMAP_BYTES` so the process's resident size stays small.  Raw-buffer bundles
        (numpy arrays, Arrow batches), whose messages are views of their buffer, are copied
        out of the mapping first.
        """
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                return
            mm = mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ)
        view = memoryview(mm)
        pos = dropped = 0
        try:
            while pos < size:
                if size - pos < _LEN.size + 3:
                    raise MessagingError(f"spill file {path} is truncated or corrupt at offset {pos} "
                                         f"(superstep {self._step})")
                n = _LEN.unpack_from(view, pos)[0]
                start = pos + _LEN.size
                if n < 3 or n > size - start:
                    raise MessagingError(f"spill file {path} is truncated or corrupt at offset {pos}: a bundle "
                                         f"of {n} bytes, {size - start} left (superstep {self._step})")
                record = view[start:start + n]
                try:
                    if record[1] == 0 and record[2] in VECTOR_KINDS:
                        messages = decode(memoryview(bytearray(record)))  # views of a buffer of their own
                    else:
                        messages = decode(record)  # copies
                except MessagingError as exc:
                    raise MessagingError(f"spill file {path} (superstep {self._step}): {exc}") from exc
                finally:
                    record.release()
                pos = start + n
                yield messages
                del messages
                if pos - dropped >= UNMAP_BYTES and _DONTNEED is not None:
                    upto = pos - pos % mmap.PAGESIZE
                    mm.madvise(_DONTNEED, dropped, upto - dropped)
                    dropped = upto
        finally:
            view.release()
            try:
                mm.close()
            except BufferError:  # pragma: no cover - a decoder kept a view; freed with it
                log.debug("spill file %s: mapping still referenced", path)

    def delete(self) -> None:
        """Delete every file not read yet (idempotent)."""
        with self._lock:
            writers = list(self._writers.values())
        for w in writers:
            with w.lock:
                try:
                    self._close_out(w)
                except MessagingError as exc:  # the files go anyway
                    log.warning("%s", exc)
                for p in w.segments:
                    p.unlink(missing_ok=True)
                w.segments.clear()


class DiskQueue(ReceiveQueue):
    """Every received bundle goes to local disk as it arrives; read back sequentially."""

    name = "disk"
    uses_disk = True
    decodes_on_arrival = False

    def __init__(self, conf: Any = None, spill_dir: Any = None) -> None:
        super().__init__(conf, spill_dir)
        if spill_dir is None:
            raise ConfigError("hama.messenger.receive.queue.class", f"the {self.name} queue needs a spill directory")
        self._spills: dict[int, StepSpill] = {}

    def _spill(self, superstep: int) -> StepSpill:
        s = self._spills.get(superstep)
        if s is None:
            s = self._spills[superstep] = StepSpill(self._spill_dir, superstep)
        return s

    def add(self, superstep: int, messages: list[Any]) -> None:
        """Write *messages* (a peer's own) to disk."""
        if messages:
            data = encode(messages)
            with self._lock:
                s = self._spill(superstep)
            s.append(data, len(messages))

    def add_bundle(self, superstep: int, source: int, bundle: bytes | memoryview, messages: list[Any]) -> None:
        """Write the bundle's bytes as they are."""
        with self._lock:
            s = self._spill(superstep)
        s.append(bundle, len(messages), source)

    def add_encoded(self, superstep: int, source: int, bundle: bytes | memoryview, count: int) -> None:
        """Write the bundle's bytes as they are (not decoded: read back, it is)."""
        with self._lock:
            s = self._spill(superstep)
        s.append(bundle, count, source)

    def take(self, superstep: int, carry: MessageSet | None = None) -> MessageSet:
        """The superstep's messages, read from disk as they are consumed."""
        with self._lock:
            s = self._spills.pop(superstep, None)
        ms = MessageSet() if s is None else MessageSet(s.seal().chunks(), s.count, s.delete)
        return self._with_carry(ms, carry)

    def memory_bytes(self) -> int:
        """Nothing is held in memory."""
        return 0

    def pending_supersteps(self) -> list[int]:
        """Supersteps not taken yet."""
        with self._lock:
            return sorted(self._spills)

    def close(self) -> None:
        """Delete every file not taken yet, and the peer's spill directory."""
        with self._lock:
            spills, self._spills = list(self._spills.values()), {}
        for s in spills:
            s.delete()
        self._spill_dir.remove()


class SpillingQueue(DiskQueue):
    """Memory up to ``hama.messenger.spill.threshold.bytes``, then the disk.

    Once a superstep has spilled, its later bundles go to disk too, so reading the
    in-memory part and then the files keeps each sender's order.
    """

    name = "spilling"

    def __init__(self, conf: Any = None, spill_dir: Any = None) -> None:
        super().__init__(conf, spill_dir)
        self.threshold = conf.get_int("hama.messenger.spill.threshold.bytes") if conf is not None else 64 << 20
        self._mem: dict[int, list[list[Any]]] = {}
        self._mem_count: dict[int, int] = {}
        self._mem_bytes: dict[int, int] = {}
        self._held = 0

    def _put(self, superstep: int, source: int, messages: list[Any], data: bytes | memoryview | None,
             nbytes: int) -> None:
        with self._lock:
            if superstep not in self._spills and self._held + nbytes <= self.threshold:
                self._mem.setdefault(superstep, []).append(messages)
                self._mem_count[superstep] = self._mem_count.get(superstep, 0) + len(messages)
                self._mem_bytes[superstep] = self._mem_bytes.get(superstep, 0) + nbytes
                self._held += nbytes
                return
            s = self._spill(superstep)  # later bundles of this superstep follow it to disk
        if data is None:
            data = encode(messages)
        s.append(data, len(messages), source)

    def add(self, superstep: int, messages: list[Any]) -> None:
        """Keep *messages* in memory while under the threshold, else write them."""
        if messages:
            self._put(superstep, -1, messages, None, sum(map(message_size, messages)))

    def add_bundle(self, superstep: int, source: int, bundle: bytes | memoryview, messages: list[Any]) -> None:
        """Keep the decoded messages while under the threshold, else write the bundle."""
        self._put(superstep, source, messages, bundle, len(bundle))

    def add_encoded(self, superstep: int, source: int, bundle: bytes | memoryview, count: int) -> None:
        """Decode and keep the bundle while under the threshold, else write it undecoded."""
        with self._lock:
            to_memory = superstep not in self._spills and self._held + len(bundle) <= self.threshold
        if to_memory:  # decodes, then add_bundle (which checks the threshold again)
            ReceiveQueue.add_encoded(self, superstep, source, bundle, count)
        else:
            DiskQueue.add_encoded(self, superstep, source, bundle, count)

    def take(self, superstep: int, carry: MessageSet | None = None) -> MessageSet:
        """The in-memory part (in arrival order), then the spilled part (sender by sender)."""
        with self._lock:
            lists = self._mem.pop(superstep, [])
            count = self._mem_count.pop(superstep, 0)
            self._held -= self._mem_bytes.pop(superstep, 0)
            s = self._spills.pop(superstep, None)
        if s is None:
            ms = MessageSet(lists, count)
        else:
            from itertools import chain

            ms = MessageSet(chain(lists, s.seal().chunks()), count + s.count, s.delete)
        return self._with_carry(ms, carry)

    def memory_bytes(self) -> int:
        """Bytes of bundles held in memory (at most the threshold)."""
        with self._lock:
            return self._held

    def pending_supersteps(self) -> list[int]:
        """Supersteps not taken yet."""
        with self._lock:
            return sorted(set(self._spills) | set(self._mem))

    def close(self) -> None:
        """Drop the memory part, delete the files."""
        with self._lock:
            self._mem.clear()
            self._mem_count.clear()
            self._mem_bytes.clear()
            self._held = 0
        super().close()
