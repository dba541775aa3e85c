"""Submit-time handling of the Hama keys that Hama Pipes configuration files use.

``hama pipes -conf FILE.xml`` honours ``bsp.input.partitioner.class`` (Hama's
``org.apache.hama.pipes.PipesPartitioner`` becomes the binary-protocol partitioner that asks the
child's C++ ``Partitioner``), ``hama.messenger.receive.queue.class`` (``MemoryQueue`` or
``SortedMemoryQueue``: messages delivered sorted) and a remote ``hama.pipes.executable``
(``hdfs:`` URI, checked here and localized by each peer).  A value we cannot honour fails at
submit, naming its key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from ..job import BSPJob

__all__ = ["check_hama_keys", "check_remote_program", "is_sorted_queue", "PARTITIONERS"]

PARTITIONERS = {"org.apache.hama.pipes.PipesPartitioner": "hama_yarn.pipes.binary:PipesPartitioner",
                "PipesPartitioner": "hama_yarn.pipes.binary:PipesPartitioner",
                "org.apache.hama.bsp.HashPartitioner": "hash"}
_PARTITIONER = "bsp.input.partitioner.class"
_QUEUE = "hama.messenger.receive.queue.class"


def check_hama_keys(job: "BSPJob") -> None:
    """Translate Hama class names in *job* and refuse the ones we cannot honour.

    Raises
    ------
    UsageError
        Naming the key and its value.
    """
    part = (job.get(_PARTITIONER) or "").strip()
    if part in PARTITIONERS:
        job.set(_PARTITIONER, PARTITIONERS[part])
    elif part.startswith("org.apache.hama."):
        raise UsageError(f"{_PARTITIONER}={part} is not supported by hama pipes "
                         f"(use org.apache.hama.pipes.PipesPartitioner or a Python module:Class)")
    queue = (job.get(_QUEUE) or "").strip()
    if queue:
        from ..errors import ConfigError
        from ..messaging.queues import queue_class

        try:
            queue_class(job)
        except ConfigError as exc:
            raise UsageError(f"{_QUEUE}={queue} is not supported by hama pipes: {exc.message}") from exc


def is_sorted_queue(value: str | None) -> bool:
    """True when *value* of ``hama.messenger.receive.queue.class`` names Hama's SortedMemoryQueue."""
    name = (value or "").strip().lower()
    return name == "sorted" or name.endswith("sortedmemoryqueue")


def check_remote_program(program: str) -> None:
    """Fail at submit when the remote ``hama.pipes.executable`` does not exist."""
    from ..io.fs import resolve

    try:
        fs, path = resolve(program)
        exists = fs.exists(path)
    except Exception as exc:  # noqa: BLE001 - any file system error names the key
        raise UsageError(f"hama.pipes.executable={program}: {exc}") from exc
    if not exists:
        raise UsageError(f"hama.pipes.executable={program} does not exist")
