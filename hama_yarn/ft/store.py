"""Checkpoint files on the job's filesystem: layout, binary format, commit and clean-up.

Layout under the job's checkpoint directory (:func:`~hama_yarn.ft.settings.checkpoint_root`)::

    <root>/<superstep>/_tmp.<task>.<attempt>   a peer's part while it is written
    <root>/<superstep>/part-<task>             a peer's durable part (renamed from the temp name)
    <root>/<superstep>/_COMMITTED              the master saw every part: the checkpoint counts

A part is one file: ``MAGIC``, a little-endian u32 header length, a JSON header, then
the binary sections the header lists.  Arrays (numpy) are stored as raw buffers with
their dtype and shape, ``bytes`` as is; every other value of a state goes, all
together, into one pickled section.  Nothing half-written is ever read: a part
appears under its final name only once complete, and only committed checkpoints
are restored.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import CheckpointError
from ..io import fs as _fs

log = logging.getLogger(__name__)

__all__ = ["CheckpointStore", "CheckpointPart", "pack", "unpack", "MAGIC", "COMMITTED"]

MAGIC = b"HAMACKP1"
COMMITTED = "_COMMITTED"
_HEADER = struct.Struct("<I")


# ------------------------------------------------------------------ state trees
def _flatten(obj: Any, arrays: list[Any], objects: list[Any]) -> Any:
    """A JSON skeleton of *obj* whose leaves point into *arrays* (buffers) or *objects*."""
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "biufc?" and obj.dtype.names is None:
        arr = np.ascontiguousarray(obj)
        arrays.append(arr)
        return {"$a": len(arrays) - 1, "dtype": arr.dtype.str, "shape": list(arr.shape)}
    if isinstance(obj, bytes | bytearray | memoryview):
        arrays.append(bytes(obj))
        return {"$b": len(arrays) - 1}
    if type(obj) is dict and all(type(k) is str for k in obj):
        return {"$d": {k: _flatten(v, arrays, objects) for k, v in obj.items()}}
    if type(obj) is list:
        if len(obj) > 64 and not any(isinstance(x, np.ndarray | bytes) for x in obj[:64]):
            objects.append(obj)  # a list of small values: encoded in bulk
            return {"$o": len(objects) - 1}
        return {"$l": [_flatten(v, arrays, objects) for v in obj]}
    if type(obj) is tuple:
        return {"$t": [_flatten(v, arrays, objects) for v in obj]}
    objects.append(obj)
    return {"$o": len(objects) - 1}


def _rebuild(node: Any, arrays: list[Any], objects: list[Any]) -> Any:
    if "$a" in node:
        return arrays[node["$a"]]
    if "$b" in node:
        return bytes(arrays[node["$b"]])
    if "$d" in node:
        return {k: _rebuild(v, arrays, objects) for k, v in node["$d"].items()}
    if "$l" in node:
        return [_rebuild(v, arrays, objects) for v in node["$l"]]
    if "$t" in node:
        return tuple(_rebuild(v, arrays, objects) for v in node["$t"])
    return objects[node["$o"]]


def pack(header: dict[str, Any], state: dict[str, Any]) -> list[Any]:
    """Serialize *header* (JSON-able) and *state* (a tree of arrays and values) into buffers.

    Returns
    -------
    list
        Buffers to write in order (``bytes`` and contiguous numpy arrays).
    """
    arrays: list[Any] = []
    objects: list[Any] = []
    tree = _flatten(state, arrays, objects)
    sections: list[Any] = list(arrays)
    if objects:
        sections.append(pickle.dumps(objects, protocol=5))
    lengths = [a.nbytes if isinstance(a, np.ndarray) else len(a) for a in sections]
    head = json.dumps({**header, "tree": tree, "lengths": lengths, "objects": bool(objects)}).encode()
    return [MAGIC, _HEADER.pack(len(head)), head, *sections]


def unpack(data: bytes | bytearray | memoryview, where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Inverse of :func:`pack`: ``(header, state)``.  Arrays are writable copies.

    Raises
    ------
    CheckpointError
        Naming *where* and what is wrong.
    """
    view = memoryview(data)
    if bytes(view[: len(MAGIC)]) != MAGIC:
        raise CheckpointError(f"{where}: not a hama-yarn checkpoint (bad magic)")
    try:
        (n,) = _HEADER.unpack_from(view, len(MAGIC))
        pos = len(MAGIC) + _HEADER.size
        header = json.loads(bytes(view[pos : pos + n]))
        pos += n
        buffers = []
        for length in header["lengths"]:
            if pos + length > len(view):
                raise CheckpointError(f"{where}: truncated at offset {pos} (section of {length} bytes)")
            buffers.append(view[pos : pos + length])
            pos += length
        objects: list[Any] = pickle.loads(buffers.pop()) if header["objects"] else []
        arrays: list[Any] = list(buffers)
        _arrays_from_tree(header["tree"], arrays)
        state = _rebuild(header["tree"], arrays, objects)
    except CheckpointError:
        raise
    except Exception as exc:
        raise CheckpointError(f"{where}: malformed checkpoint: {exc}") from exc
    return header, state


def _arrays_from_tree(node: Any, arrays: list[Any]) -> None:
    """Turn the raw buffers referenced as arrays into numpy arrays (in place)."""
    if "$a" in node:
        i = node["$a"]
        arrays[i] = np.frombuffer(bytearray(arrays[i]), dtype=np.dtype(node["dtype"])).reshape(node["shape"])
    for key in ("$l", "$t"):
        for v in node.get(key, ()):
            _arrays_from_tree(v, arrays)
    for v in node.get("$d", {}).values():
        _arrays_from_tree(v, arrays)


# ------------------------------------------------------------------ the store
@dataclass
class CheckpointPart:
    """One peer's restored part: header fields and state tree."""

    header: dict[str, Any]
    state: dict[str, Any] = field(default_factory=dict)


class CheckpointStore:
    """A job's checkpoint directory on its filesystem.

    Parameters
    ----------
    root : str
        URL of the job's checkpoint directory.
    conf : HamaConfiguration, optional
        For the filesystem (``fs.defaultFS``, ...).
    """

    def __init__(self, root: str, conf: Any = None) -> None:
        self.root = root.rstrip("/")
        self.fs, self.path = _fs.resolve(self.root, conf)
        self._local = _fs.is_local(self.fs)

    def step_dir(self, superstep: int) -> str:
        """Path (inside the filesystem) of the checkpoint of *superstep*."""
        return f"{self.path}/{superstep:08d}"

    def part_path(self, superstep: int, task: int) -> str:
        """Path of task *task*'s durable part of the checkpoint of *superstep*."""
        return f"{self.step_dir(superstep)}/part-{task:05d}"

    # -- peers -------------------------------------------------------------
    def write_part(self, superstep: int, task: int, attempt: int, buffers: list[Any]) -> int:
        """Write a part under a temporary name, then rename it; return its size in bytes.

        Raises
        ------
        CheckpointError
            Naming the file.
        """
        d = self.step_dir(superstep)
        tmp = f"{d}/_tmp.{task:05d}.{attempt}"
        final = self.part_path(superstep, task)
        size = 0
        try:
            self.fs.makedirs(d, exist_ok=True)
            if self._local:
                with open(tmp, "wb") as f:
                    for b in buffers:
                        f.write(b)
                        size += b.nbytes if isinstance(b, np.ndarray) else len(b)
                os.replace(tmp, final)
                return size
            with self.fs.open(tmp, "wb") as f:
                for b in buffers:
                    data = b.data if isinstance(b, np.ndarray) else b
                    f.write(data)
                    size += b.nbytes if isinstance(b, np.ndarray) else len(b)
            if self.fs.exists(final):  # a part of an attempt that failed before the commit
                self.fs.rm(final)
            self.fs.mv(tmp, final)
        except OSError as exc:
            raise CheckpointError(f"writing checkpoint {self.root}/{superstep:08d}/part-{task:05d} failed: {exc}") from exc
        return size

    # -- static parts: written once per job, read by every restored attempt ----------
    def static_path(self, name: str, task: int) -> str:
        """Path of task *task*'s static part *name* (state that never changes, e.g. a graph)."""
        return f"{self.path}/static/{name}-{task:05d}"

    def write_static(self, name: str, task: int, attempt: int, buffers: list[Any]) -> int:
        """Write a static part (temp name, then rename); return its size in bytes.

        Raises
        ------
        CheckpointError
            Naming the file.
        """
        final = self.static_path(name, task)
        tmp = f"{final}._tmp.{attempt}"
        size = 0
        try:
            self.fs.makedirs(f"{self.path}/static", exist_ok=True)
            with (open(tmp, "wb") if self._local else self.fs.open(tmp, "wb")) as f:
                for b in buffers:
                    f.write(b.data if isinstance(b, np.ndarray) else b)
                    size += b.nbytes if isinstance(b, np.ndarray) else len(b)
            if self._local:
                os.replace(tmp, final)
            else:
                if self.fs.exists(final):
                    self.fs.rm(final)
                self.fs.mv(tmp, final)
        except OSError as exc:
            raise CheckpointError(f"writing checkpoint {self.root}/static/{name}-{task:05d} failed: {exc}") from exc
        return size

    def read_static(self, name: str, task: int) -> CheckpointPart:
        """Read task *task*'s static part *name*.

        Raises
        ------
        CheckpointError
            The part is missing or malformed (names the file).
        """
        where = f"checkpoint {self.root}/static/{name}-{task:05d}"
        try:
            with (open(self.static_path(name, task), "rb") if self._local
                  else self.fs.open(self.static_path(name, task), "rb")) as f:
                data: bytes = f.read()
        except OSError as exc:
            raise CheckpointError(f"{where} cannot be read: {exc}") from exc
        header, state = unpack(data, where)
        if header.get("task") != task or header.get("name") != name:
            raise CheckpointError(f"{where} holds {header.get('name')!r} of task {header.get('task')}")
        return CheckpointPart(header, state)

    def read_part(self, superstep: int, task: int) -> CheckpointPart:
        """Read task *task*'s part of the checkpoint of *superstep*.

        Raises
        ------
        CheckpointError
            The part is missing or malformed (names the file).
        """
        path = self.part_path(superstep, task)
        where = f"checkpoint {self.root}/{superstep:08d}/part-{task:05d}"
        try:
            if self._local:
                with open(path, "rb") as f:
                    data: bytes = f.read()
            else:
                with self.fs.open(path, "rb") as f:
                    data = f.read()
        except (OSError, FileNotFoundError) as exc:
            raise CheckpointError(f"{where} cannot be read: {exc}") from exc
        header, state = unpack(data, where)
        if header.get("superstep") != superstep or header.get("task") != task:
            raise CheckpointError(f"{where} holds superstep {header.get('superstep')} of task {header.get('task')}")
        return CheckpointPart(header, state)

    # -- master ------------------------------------------------------------
    def commit(self, superstep: int, info: dict[str, Any] | None = None) -> None:
        """Mark the checkpoint of *superstep* complete (every part is durable).

        *info* (JSON-able: the master's attempt, recoveries, checkpoint counters) is
        recorded with it, for a restarted ApplicationMaster (:meth:`committed_info`).
        """
        try:
            with self.fs.open(f"{self.step_dir(superstep)}/{COMMITTED}", "wb") as f:
                f.write(json.dumps({**(info or {}), "superstep": superstep, "time": time.time()}).encode())
        except OSError as exc:
            raise CheckpointError(f"recording checkpoint {superstep} in {self.root} failed: {exc}") from exc

    def committed_info(self, superstep: int) -> dict[str, Any]:
        """What :meth:`commit` recorded for the checkpoint of *superstep* (``{}`` if unreadable)."""
        try:
            with self.fs.open(f"{self.step_dir(superstep)}/{COMMITTED}", "rb") as f:
                info = json.loads(f.read())
        except (OSError, ValueError) as exc:
            log.warning("checkpoint %s/%08d: unreadable %s: %s", self.root, superstep, COMMITTED, exc)
            return {}
        return info if isinstance(info, dict) else {}

    def steps(self) -> list[int]:
        """Supersteps with a checkpoint directory (complete or not), ascending."""
        try:
            if not self.fs.exists(self.path):
                return []
            names = [p.rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(self.path, detail=False)]
        except OSError as exc:
            raise CheckpointError(f"listing checkpoints in {self.root} failed: {exc}") from exc
        return sorted(int(n) for n in names if n.isdigit())

    def latest_committed(self) -> int:
        """The newest committed checkpoint's superstep (0: none)."""
        for step in reversed(self.steps()):
            if self.fs.exists(f"{self.step_dir(step)}/{COMMITTED}"):
                return step
        return 0

    def remove_before(self, superstep: int) -> None:
        """Remove every checkpoint older than *superstep* (best effort)."""
        for step in self.steps():
            if step < superstep:
                self._rm(self.step_dir(step))

    def remove_after(self, superstep: int) -> None:
        """Remove every checkpoint newer than *superstep* (uncommitted leftovers of a failed attempt)."""
        for step in self.steps():
            if step > superstep:
                self._rm(self.step_dir(step))

    def remove_all(self) -> None:
        """Remove the job's checkpoint directory."""
        self._rm(self.path)

    def _rm(self, path: str) -> None:
        try:
            if self.fs.exists(path):
                self.fs.rm(path, recursive=True)
        except OSError as exc:
            log.warning("removing checkpoint %s failed: %s", path, exc)
