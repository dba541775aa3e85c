"""The peer object handed to user code: Hama's ``BSPPeerImpl`` in Python.

Hot paths are kept short: :meth:`PeerImpl.send` is one dictionary lookup and one
list append; :meth:`PeerImpl.sync` serializes each destination's messages in one
call and sends one bundle per destination.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..bsp import Combiner
from ..config import HamaConfiguration
from ..errors import PeerNotFoundError
from ..master.state import PEER_COUNTER_GROUP
from ..messaging.codec import decode, encode, encode_lazy, is_immutable_kind
from ..messaging.queues import MessageSet, message_size
from ..sync.base import SyncClient
from ..web.timeline import StepRecorder
from .messenger import Messenger

if TYPE_CHECKING:
    from ..io.formats import RecordReader, RecordWriter  # annotations only: no fsspec for jobs without I/O

log = logging.getLogger(__name__)

__all__ = ["PeerImpl", "PEER_COUNTERS"]

#: Hama's built-in peer counters (group ``BSPPeerImpl$PeerCounter``).
PEER_COUNTERS = (
    "SUPERSTEP_SUM",
    "TASK_INPUT_RECORDS",
    "TASK_OUTPUT_RECORDS",
    "IO_BYTES_READ",
    "TOTAL_MESSAGES_SENT",
    "TOTAL_MESSAGES_RECEIVED",
    "TOTAL_MESSAGES_COMBINED",
    "TOTAL_MESSAGE_BYTES_TRANSFERED",
    "MESSAGE_BYTES_RECEIVED",
    "TOTAL_COMPRESSED_BYTES_TRANSFERED",
    "TOTAL_DECOMPRESSED_BYTES",
    "TIME_IN_SYNC_MS",
)


#: sends before the first outgoing-buffer estimate, and the most between two
_BUFFER_CHECK_FIRST, _BUFFER_CHECK_MAX = 64, 8192
#: a destination's messages go in bundles of about this many bytes at most (estimated)
_MAX_BUNDLE_BYTES = 16 << 20


def _split(msgs: list[Any], limit: int) -> list[list[Any]]:
    """*msgs* in consecutive parts of about *limit* bytes (estimated from three messages)."""
    n = len(msgs)
    if n < 2:
        return [msgs]
    est = n * (message_size(msgs[0]) + message_size(msgs[n // 2]) + message_size(msgs[-1])) // 3
    parts = -(-est // limit)
    if parts <= 1:
        return [msgs]
    step = -(-n // parts)
    return [msgs[i:i + step] for i in range(0, n, step)]


class PeerImpl:
    """One BSP peer.  See :class:`hama_yarn.bsp.BSPPeer` for the user-facing contract.

    Parameters
    ----------
    conf : HamaConfiguration
        The job configuration.
    task_index : int
        This peer's index.
    attempt_id : str
        This task attempt's id.
    peer_names : list of str
        All peers' names by task index.
    messenger : Messenger
        This peer's message transport.
    sync_client : SyncClient
        The sync service.
    reader_factory : callable, optional
        Opens this peer's input split (None: no input).
    writer : RecordWriter, optional
        Where ``write`` goes (None: output is discarded).
    combiner : Combiner, optional
        Combines messages per destination.
    """

    def __init__(
        self,
        conf: HamaConfiguration,
        task_index: int,
        attempt_id: str,
        peer_names: list[str],
        messenger: Messenger,
        sync_client: SyncClient,
        reader_factory: Any = None,
        writer: RecordWriter | None = None,
        combiner: Combiner | None = None,
    ) -> None:
        self._conf = conf
        self._index = task_index
        self._attempt_id = attempt_id
        self._names = list(peer_names)
        self._name = peer_names[task_index]
        self._messenger = messenger
        self._sync = sync_client
        self._reader_factory = reader_factory
        self._reader: RecordReader | None = None
        self._records: Iterator[tuple[Any, Any]] | None = None
        self._writer = writer
        self._combiner = combiner
        self._out: dict[str, list[Any]] = {n: [] for n in self._names}
        self._cur = MessageSet()  # this superstep's received messages (hama.messenger.receive.queue.class)
        #: hama.messenger.max.buffer.bytes: sends until the outgoing buffer's size is estimated again
        self._max_buffer = conf.get_int("hama.messenger.max.buffer.bytes", 0)
        self._unchecked = _BUFFER_CHECK_FIRST if self._max_buffer else 1 << 62
        self._pending_counts = [0, 0, 0, 0]  # messages sent/combined, wire/compressed bytes streamed early
        #: hama_yarn.peer.memory.MemoryGuard, when one runs: its counters join this peer's
        self.memory: Any = None
        self._superstep = 0
        self.timeline = StepRecorder(time.monotonic())  # per-superstep timings for the web UI
        self._counters: dict[tuple[str, str], int] = {(PEER_COUNTER_GROUP, n): 0 for n in PEER_COUNTERS}
        self._input_records = 0
        self._output_records = 0
        self._read_since_open = -1  # records consumed from the open reader (-1: not open)
        #: Fault tolerance (hama_yarn.ft.peer.PeerCheckpointer): called after every barrier.
        self.checkpointer: Any = None
        self._persistent = conf.get_bool("hama.queue.behaviour.persistent", False)
        self._barrier_timeout = conf.get_seconds("hama.sync.barrier.timeout.ms")
        self._compressor = 0
        self._threshold = conf.get_int("hama.messenger.compression.threshold", 1024)
        if conf.get_bool("hama.messenger.runtime.compression", False):
            from ..messaging.codec import compressor_id

            self._compressor = compressor_id(conf.get("hama.messenger.compression.class") or "zlib")

    # ------------------------------------------------------------ messaging
    def send(self, peer_name: str, msg: Any) -> None:
        """Queue *msg* for *peer_name*; delivered by the next :meth:`sync`.

        Raises
        ------
        PeerNotFoundError
            If *peer_name* is not one of :meth:`get_all_peer_names`.
        """
        try:
            self._out[peer_name].append(msg)
        except KeyError:
            raise PeerNotFoundError(peer_name, self._names) from None
        self._unchecked -= 1
        if self._unchecked <= 0:
            self._check_out_buffer()

    def _check_out_buffer(self) -> None:
        """Past ``hama.messenger.max.buffer.bytes``: ship the buffered messages now.

        Sizes are estimated from three messages per destination; the next estimate comes
        after about an eighth of the cap's worth of messages.  With a combiner the buffer
        is combined in place; otherwise its bundles go to their destinations now (the call
        returns once they were queued there: a slower receiver slows this sender down).
        """
        total = count = 0
        for msgs in self._out.values():
            n = len(msgs)
            if n:
                count += n
                total += n * (message_size(msgs[0]) + message_size(msgs[n // 2]) + message_size(msgs[-1])) // 3
        avg = total / count if count else 64.0
        if total > self._max_buffer:
            out, self._out = self._out, {n: [] for n in self._names}
            if self._combiner is not None:
                for name, msgs in out.items():
                    if len(msgs) > 1:
                        self._pending_counts[1] += len(msgs) - 1
                        msgs[:] = [self._combiner.combine(msgs)]
                self._out = out
            else:
                sent, _, wire, comp = self._ship(out, self._superstep)
                self._pending_counts[0] += sent
                self._pending_counts[2] += wire
                self._pending_counts[3] += comp
        self._unchecked = max(1, min(_BUFFER_CHECK_MAX, int(self._max_buffer / 8 / max(avg, 1.0))))

    def _ship(self, out: dict[str, list[Any]], step: int) -> tuple[int, int, int, int]:
        """Combine, encode and deliver *out*; returns (sent, combined, wire bytes, compressed bytes)."""
        sent = combined = wire_bytes = compressed_bytes = 0
        bundles = []
        for name, msgs in out.items():
            if not msgs:
                continue
            sent += len(msgs)
            if self._combiner is not None:
                combined += len(msgs) - 1
                msgs = [self._combiner.combine(msgs)]
            if name == self._name:
                # Loop back without the network; copy mutable payloads like a remote send would.
                self._messenger.incoming.add(step, msgs if is_immutable_kind(msgs) else decode(encode(msgs)))
            else:
                for part in _split(msgs, _MAX_BUNDLE_BYTES):
                    # large raw-buffer bundles stay unjoined (BundleParts): no copy before the wire
                    data = encode_lazy(part, self._compressor, self._threshold)
                    wire_bytes += len(data)
                    if data[1]:  # compressed (bundles under hama.messenger.compression.threshold are not)
                        compressed_bytes += len(data)
                    bundles.append((name, data))
        if bundles:
            self._messenger.send_bundles(step, bundles)
        return sent, combined, wire_bytes, compressed_bytes

    def sync(self) -> None:
        """End the superstep: send every queued bundle, then pass the barrier."""
        start = time.monotonic()
        step = self._superstep
        out, self._out = self._out, {n: [] for n in self._names}
        sent, combined, wire_bytes, compressed_bytes = self._ship(out, step)
        early = self._pending_counts
        sent, combined, wire_bytes, compressed_bytes = (
            sent + early[0], combined + early[1], wire_bytes + early[2], compressed_bytes + early[3])
        self._pending_counts = [0, 0, 0, 0]
        if self._max_buffer:
            self._unchecked = _BUFFER_CHECK_FIRST
        c = self._counters
        c[(PEER_COUNTER_GROUP, "TOTAL_MESSAGES_SENT")] += sent
        c[(PEER_COUNTER_GROUP, "TOTAL_MESSAGE_BYTES_TRANSFERED")] += wire_bytes
        c[(PEER_COUNTER_GROUP, "TOTAL_MESSAGES_COMBINED")] += combined
        c[(PEER_COUNTER_GROUP, "TOTAL_COMPRESSED_BYTES_TRANSFERED")] += compressed_bytes
        self._sync.enter_barrier(step, self._barrier_timeout)
        received_before = len(self._cur) if self._persistent else 0
        if not self._persistent:
            self._cur.close()  # unread messages are dropped (their spill files too)
        self._cur = self._messenger.incoming.take(step, self._cur if self._persistent else None)
        self._sync.leave_barrier(step, self._barrier_timeout)
        self._superstep = step + 1
        c[(PEER_COUNTER_GROUP, "TOTAL_MESSAGES_RECEIVED")] += len(self._cur) - received_before
        c[(PEER_COUNTER_GROUP, "MESSAGE_BYTES_RECEIVED")] = self._messenger.bytes_received
        c[(PEER_COUNTER_GROUP, "TOTAL_DECOMPRESSED_BYTES")] += self._messenger.take_decompressed()
        c[(PEER_COUNTER_GROUP, "SUPERSTEP_SUM")] += 1
        if self.checkpointer is not None:
            self.checkpointer.after_sync(self)
        end = time.monotonic()
        c[(PEER_COUNTER_GROUP, "TIME_IN_SYNC_MS")] += int((end - start) * 1000)
        self.timeline.record(step, start, end, sent)

    def get_current_message(self) -> Any:
        """The next received message, or None when there is none left."""
        return self._cur.next()

    def get_num_current_messages(self) -> int:
        """How many received messages are left to read."""
        return len(self._cur)

    def messages(self) -> Iterator[Any]:
        """An iterator over every message left to read; the queue is empty afterwards."""
        cur, self._cur = self._cur, MessageSet()
        return iter(cur)

    def clear(self) -> None:
        """Drop every message queued for sending in this superstep."""
        self._out = {n: [] for n in self._names}
        if self._max_buffer:
            self._unchecked = _BUFFER_CHECK_FIRST

    # ------------------------------------------------------------ identity
    def get_superstep_count(self) -> int:
        """0 during setup and the first superstep; +1 per :meth:`sync`."""
        return self._superstep

    def get_peer_name(self, index: int | None = None) -> str:
        """This peer's name (``host:port``), or peer *index*'s name."""
        if index is None:
            return self._name
        if not 0 <= index < len(self._names):
            raise IndexError(f"peer index {index} out of range 0..{len(self._names) - 1}")
        return self._names[index]

    def get_peer_index(self) -> int:
        """This peer's task index."""
        return self._index

    def get_all_peer_names(self) -> list[str]:
        """Every peer's name, ordered by task index (a copy)."""
        return list(self._names)

    def get_num_peers(self) -> int:
        """Number of peers."""
        return len(self._names)

    def get_task_id(self) -> str:
        """This task attempt's id."""
        return self._attempt_id

    def get_configuration(self) -> HamaConfiguration:
        """The job configuration."""
        return self._conf

    # ------------------------------------------------------------ I/O
    def read_next(self) -> tuple[Any, Any] | None:
        """The next input record ``(key, value)``, or None at the end of the split."""
        if self._records is None:
            if self._reader_factory is None:
                return None
            self._reader = self._reader_factory()
            self._records = iter(self._reader)
            self._read_since_open = 0
        try:
            record = next(self._records)
        except StopIteration:
            return None
        self._input_records += 1
        self._read_since_open += 1
        return record

    def read_batch(self) -> Any:
        """The next ``pyarrow.RecordBatch`` of this peer's split, or None at the end.

        The ``parquet`` and ``arrow`` formats hand over their batches (at most
        ``hama.arrow.batch.size`` rows, columns from ``hama.arrow.columns``); any other
        format's records are gathered into batches of columns ``key`` and ``value``.
        Shares its position with :meth:`read_next`.  Needs pyarrow.
        """
        if self._records is None:
            if self._reader_factory is None:
                return None
            self._reader = self._reader_factory()
            self._records = iter(self._reader)
            self._read_since_open = 0
        from ..io.arrowfmt import next_batch_of

        batch = next_batch_of(self._reader, self._records, self._conf)
        if batch is not None:
            self._input_records += batch.num_rows
            self._read_since_open += batch.num_rows
        return batch

    def text_blocks(self, size: int) -> Iterator[tuple[str, int, bytes, int]] | None:
        """This peer's split as raw blocks of whole lines, or None if the input format is not ``text``.

        A hama-yarn extension for bulk parsers: ``(url, offset, block, lines)`` per
        block of about *size* bytes (see ``_TextReader.text_blocks`` in
        :mod:`hama_yarn.io.text`); every line counts as an input record.  Opens the
        reader afresh; :meth:`read_next` then returns None until :meth:`reopen_input`.
        """
        return self._bulk_blocks("text_blocks", size, lambda block: int(block[3]))

    def sequencefile_blocks(self, size: int) -> Iterator[Any] | None:
        """This peer's split as SequenceFile record blocks, or None if the input format is not ``sequencefile``.

        A hama-yarn extension for bulk decoders: :class:`hama_yarn.io.seqraw.RecordBlock`
        objects of about *size* bytes holding the split's records in order, as raw
        bytes (uncompressed files) or decoded (compressed ones); see
        ``_SequenceFileReader.record_blocks`` in :mod:`hama_yarn.io.seqformat`.  Every
        record counts as an input record.  Opens the reader afresh; :meth:`read_next`
        then returns None until :meth:`reopen_input`.
        """
        return self._bulk_blocks("record_blocks", size, len)

    def _bulk_blocks(self, method: str, size: int, records_in: Callable[[Any], int]) -> Iterator[Any] | None:
        """A fresh reader's bulk *method* (None if its format has none), counting *records_in* each block."""
        if self._reader_factory is None:
            return None
        self._close_reader()
        reader = self._reader_factory()
        blocks = getattr(reader, method, None)
        if blocks is None:
            reader.close()
            return None
        self._reader = reader
        self._records = iter(())
        self._read_since_open = 0
        return self._counted(blocks(size), records_in)

    def _counted(self, blocks: Iterator[Any], records_in: Callable[[Any], int]) -> Iterator[Any]:
        for block in blocks:
            n = records_in(block)
            self._input_records += n
            self._read_since_open += n
            yield block

    def reopen_input(self) -> None:
        """Read this peer's split from the beginning again."""
        self._close_reader()

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._counters[(PEER_COUNTER_GROUP, "IO_BYTES_READ")] += self._reader.bytes_read
            self._reader.close()
        self._reader = None
        self._records = None
        self._read_since_open = -1

    def write(self, key: Any, value: Any, *, records: int = 1) -> None:
        """Write one output record (``part-NNNNN`` of this task).

        Parameters
        ----------
        key, value : Any
            The record.
        records : int, optional
            How many output records this call stands for, for ``TASK_OUTPUT_RECORDS``
            (a hama-yarn extension: a bulk writer passes a pre-formatted block of
            *records* text lines as one value with no key).
        """
        if self._writer is not None:
            self._writer.write(key, value)
        self._output_records += records

    # ------------------------------------------------------------ counters
    def increment_counter(self, group: str, name: str, amount: int = 1) -> None:
        """Add *amount* to counter *group*/*name*."""
        key = (str(group), str(name))
        self._counters[key] = self._counters.get(key, 0) + int(amount)

    def get_counter(self, group: str, name: str) -> int:
        """This peer's value of counter *group*/*name* (0 if never set)."""
        self._flush_counters()
        return self._counters.get((str(group), str(name)), 0)

    def _flush_counters(self) -> None:
        c = self._counters
        c[(PEER_COUNTER_GROUP, "TASK_INPUT_RECORDS")] = self._input_records
        c[(PEER_COUNTER_GROUP, "TASK_OUTPUT_RECORDS")] = self._output_records

    def counters_snapshot(self) -> dict[tuple[str, str], int]:
        """A copy of all counters, for reports to the master."""
        self._flush_counters()
        snap = dict(self._counters)
        if self.memory is not None:
            snap.update(self.memory.counters())
        return snap

    # ------------------------------------------------------------ checkpoints (hama_yarn.ft)
    def checkpoint_messages(self) -> list[Any]:
        """The received messages not read yet (what a checkpoint saves)."""
        msgs = self._cur.to_list()  # a disk queue's messages are read into memory here
        self._cur = MessageSet.of(msgs)
        return msgs

    def reader_position(self) -> int:
        """Records consumed since the input reader was (re)opened; -1 when it is not open."""
        return self._read_since_open

    def restore_checkpoint(self, superstep: int, messages: list[Any], counters: dict[tuple[str, str], int],
                           reader_pos: int) -> None:
        """Resume at *superstep* with these received messages, counters and input position."""
        self._superstep = superstep
        self._cur.close()
        self._cur = MessageSet.of(list(messages))
        self._counters = dict(counters)
        self._input_records = counters.get((PEER_COUNTER_GROUP, "TASK_INPUT_RECORDS"), 0)
        self._output_records = counters.get((PEER_COUNTER_GROUP, "TASK_OUTPUT_RECORDS"), 0)
        if reader_pos >= 0 and self._reader_factory is not None:
            self._reader = self._reader_factory()
            self._records = iter(self._reader)
            self._read_since_open = 0
            for _ in range(reader_pos):
                if next(self._records, None) is None:
                    break
                self._read_since_open += 1
            try:
                self._reader.bytes_read = 0  # IO_BYTES_READ was restored with the counters
            except AttributeError:
                pass

    # ------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close input and output (flushing output); drop unsent messages."""
        self._close_reader()
        self._out = {}
        self._cur.close()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
