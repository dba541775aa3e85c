"""Runtime input partitioning: Hama's ``PartitioningRunner``, as a pre-superstep inside each peer.

When ``bsp.input.runtime.partitioning`` is true (the default) and a partitioner is set
(``bsp.input.partitioner.class``: ``hash`` = :class:`hama_yarn.bsp.HashPartitioner`, or
``package.module:Class``), every peer reads its whole split *before* the initial
barrier, sends each record to peer ``partitioner.get_partition(key, value, N)`` over the
normal peer-to-peer messaging, and passes a dedicated barrier (number
:data:`PARTITION_BARRIER` = -2, before the initial barrier -1, so it is not a user
superstep: ``get_superstep_count()`` is still 0 in ``setup``).  Afterwards
``read_next()`` yields exactly the records this peer owns: every key ``k`` lands on
peer ``partition(k)``.

Differences from Hama: Hama runs a separate BSP job that writes the partitions to
SequenceFiles under ``bsp.partitioning.dir`` and restarts the job on them; here the
received records are kept in the peer's memory (in arrival order: by source peer, then
by the source's input order), which avoids a second job and a round trip through the
filesystem.  ``hama.partitioning.batch.records`` bounds how many records are buffered
per destination before a bundle is sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..bsp import HashPartitioner, Partitioner
from ..config import HamaConfiguration
from ..errors import ConfigError
from ..messaging.codec import encode
from ..plugins import load_object
from .formats import RecordReader

log = logging.getLogger(__name__)

__all__ = ["PARTITION_BARRIER", "partitioner_from_conf", "wants_partitioning", "partition_input", "MemoryReader"]

#: Barrier number of the partitioning pre-superstep (the initial barrier is -1).
PARTITION_BARRIER = -2


def partitioner_from_conf(conf: HamaConfiguration) -> Partitioner | None:
    """The partitioner named by ``bsp.input.partitioner.class`` (None when unset).

    Raises
    ------
    ConfigError
        When the class cannot be loaded or is not a :class:`~hama_yarn.bsp.Partitioner`.
    """
    key = "bsp.input.partitioner.class"
    name = (conf.get(key) or "").strip()
    if not name:
        return None
    if name in ("hash", "HashPartitioner", "org.apache.hama.bsp.HashPartitioner"):
        return HashPartitioner()
    cls = load_object(name, key)
    if not (isinstance(cls, type) and issubclass(cls, Partitioner)):
        raise ConfigError(key, f"{name} is not a Partitioner subclass")
    part: Partitioner = cls()
    configure = getattr(part, "configure", None)
    if callable(configure):  # partitioners that need the job configuration (e.g. PipesPartitioner)
        configure(conf)
    return part


def wants_partitioning(conf: HamaConfiguration) -> bool:
    """True when the job's input is partitioned at runtime (Hama's ``BSPJobClient.partition`` rule)."""
    return bool(
        conf.get("bsp.input.dir")
        and conf.get_bool("bsp.input.runtime.partitioning", True)
        and (conf.get("bsp.input.partitioner.class") or "").strip()
    )


class MemoryReader(RecordReader):
    """A reader over records held in memory (the partitioned input of one peer)."""

    def __init__(self, records: list[tuple[Any, Any]], bytes_read: int = 0) -> None:
        self.records = records
        self.bytes_read = bytes_read

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.records)


def partition_input(
    conf: HamaConfiguration,
    task_index: int,
    peer_names: list[str],
    messenger: Any,
    sync: Any,
    reader_factory: Callable[[], RecordReader] | None,
) -> Callable[[], RecordReader]:
    """Run the partitioning pre-superstep; return a reader factory over this peer's partition.

    Parameters
    ----------
    conf : HamaConfiguration
        The job configuration (partitioner, barrier timeout, batch size).
    task_index : int
        This peer's index.
    peer_names : list of str
        All peer names by task index.
    messenger : Messenger
        This peer's message transport (``send_bundles``, ``incoming``).
    sync : SyncClient
        The sync client; every peer must call this function (it passes a barrier).
    reader_factory : callable or None
        Opens this peer's input split (None: no input, but the barrier is still passed).

    Returns
    -------
    callable
        Opens a :class:`MemoryReader` over the records this peer owns.
    """
    start = time.monotonic()
    partitioner = partitioner_from_conf(conf)
    if partitioner is None:
        raise ConfigError("bsp.input.partitioner.class", "runtime partitioning needs a partitioner")
    n = len(peer_names)
    batch = max(1, conf.get_int("hama.partitioning.batch.records", 50000))
    out: list[list[tuple[Any, Any]]] = [[] for _ in range(n)]
    own: list[tuple[Any, Any]] = []
    bytes_read = sent = 0
    if reader_factory is not None:
        reader = reader_factory()
        try:
            get_partition = partitioner.get_partition
            for key, value in reader:
                p = get_partition(key, value, n)
                if not 0 <= p < n:
                    p = abs(p) % n  # Hama: abs(partitioner.getPartition(...)), kept in range
                if p == task_index:
                    own.append((key, value))
                    continue
                buf = out[p]
                buf.append((key, value))
                if len(buf) >= batch:
                    sent += len(buf)
                    messenger.send_bundles(PARTITION_BARRIER, [(peer_names[p], encode(buf))])
                    out[p] = []
            bytes_read = reader.bytes_read
        finally:
            reader.close()
    bundles = [(peer_names[p], encode(buf)) for p, buf in enumerate(out) if buf]
    sent += sum(len(buf) for buf in out)
    if bundles:
        messenger.send_bundles(PARTITION_BARRIER, bundles)
    timeout = conf.get_seconds("hama.sync.barrier.timeout.ms")
    sync.enter_barrier(PARTITION_BARRIER, timeout)
    received = messenger.incoming.take(PARTITION_BARRIER).to_list()
    sync.leave_barrier(PARTITION_BARRIER, timeout)
    records: list[tuple[Any, Any]] = own + [(r[0], r[1]) for r in received]
    log.info("peer %d: runtime partitioning kept %d, sent %d, received %d records in %.2fs",
             task_index, len(own), sent, len(received), time.monotonic() - start)
    return lambda: MemoryReader(records, bytes_read)
