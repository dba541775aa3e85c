"""Input listing and split planning shared by the file input formats.

A split is a JSON-able dict ``{"segments": [[url, start, length], ...]}``: byte ranges
of input files, read in order.  Every reader applies its format's boundary rule to each
range (text: a line belongs to the range where it starts; SequenceFile: a record
belongs to the range in which its preceding sync marker starts), so *any* tiling of the
files into ranges reads every record exactly once.

Two plans, both giving exactly ``bsp.peers.num`` splits (the peers are started before
the splits are known, so their number is fixed):

* default -- the concatenated input is cut into ``N`` byte ranges of equal size
  (balanced work; ranges may cross file boundaries);
* ``bsp.input.split.by.block=true`` -- Hadoop's ``FileInputFormat.getSplits``: each
  file is cut into chunks of ``max(minSize, min(maxSize, blockSize))`` bytes
  (``bsp.min.split.size``, ``bsp.max.split.size``, the file's HDFS block size or
  ``fs.local.block.size``), the last chunk absorbing up to 10% slop; chunks never cross
  a block or file boundary.  The chunks are then dealt to the ``N`` peers as
  contiguous, byte-balanced groups (Hama would start one task per chunk instead; a peer
  reading several whole blocks keeps HDFS reads block-aligned).  Peers beyond the
  number of chunks get empty splits, like Hama's additional tasks.
"""

from __future__ import annotations

import glob as _glob
import logging
import math
from collections.abc import Callable
from typing import Any

from ..config import HamaConfiguration
from ..errors import InputError
from . import fs as _fs

log = logging.getLogger(__name__)

__all__ = [
    "InputFile",
    "list_input_files",
    "list_input_status",
    "byte_range_splits",
    "block_chunks",
    "group_chunks",
    "plan_splits",
    "SPLIT_SLOP",
]

Split = dict[str, Any]
#: ``(url, size, block_size)`` of one input file.
InputFile = tuple[str, int, int]

#: Hadoop's ``FileInputFormat.SPLIT_SLOP``: the last split may be 10% larger.
SPLIT_SLOP = 1.1


def list_input_status(conf: HamaConfiguration, with_block_size: bool = False) -> list[InputFile]:
    """Expand ``bsp.input.dir`` into ``(url, size, block_size)``, in a stable order.

    Comma-separated entries may be files, directories (their files, not recursive)
    or globs, on any filesystem.  Names starting with ``_`` or ``.`` are skipped, like
    Hadoop, unless named explicitly.

    Parameters
    ----------
    conf : HamaConfiguration
        The job configuration.
    with_block_size : bool
        Look up each file's block size (one metadata call per file on HDFS); otherwise
        the third field is 0.

    Raises
    ------
    InputError
        ``Input path does not exist: ...`` for a path, and ``Input pattern ... matches
        0 files`` for a glob, that matches nothing.
    """
    out: list[InputFile] = []
    for entry in conf.get_list("bsp.input.dir"):
        base = _fs.qualify(entry, conf)
        fs, path = _fs.resolve(base, conf)
        if _glob.has_magic(path):
            try:
                matches = sorted(fs.glob(path))
            except FileNotFoundError:
                matches = []
            if not matches:
                raise InputError(f"Input pattern {base} matches 0 files")
        else:
            matches = [path]
        for m in matches:
            try:
                st = _fs.info(fs, m)
            except InputError:
                shown = m if _fs.is_local(fs) else _fs.url_of(base, m, fs)
                raise InputError(f"Input path does not exist: {shown}") from None
            if st["type"] == "directory":
                children = sorted(fs.ls(m, detail=True), key=lambda d: str(d["name"]))
                for child in children:
                    if child["type"] == "file" and not _fs.is_hidden(child["name"]):
                        out.append(_entry(fs, base, child, with_block_size))
            elif not _fs.is_hidden(m) or m == path:
                out.append(_entry(fs, base, st, with_block_size))
    return out


def _entry(fs: Any, base: str, st: dict[str, Any], with_block_size: bool) -> InputFile:
    name = str(st["name"])
    bs = _fs.block_size(fs, name, st) if with_block_size else 0
    return _fs.url_of(base, name, fs), int(st.get("size") or 0), bs


def list_input_files(conf: HamaConfiguration) -> list[tuple[str, int]]:
    """``(url, size)`` of every input file; see :func:`list_input_status`."""
    return [(url, size) for url, size, _ in list_input_status(conf)]


def byte_range_splits(files: list[tuple[str, int]], num_splits: int) -> list[Split]:
    """Cut the concatenated *files* into exactly *num_splits* contiguous byte ranges.

    Each split is ``{"segments": [[url, start, length], ...]}``; trailing splits are
    empty when the input has fewer bytes than splits.
    """
    total = sum(size for _, size in files)
    target = max(1, math.ceil(total / num_splits)) if total else 1
    splits: list[Split] = [{"segments": []} for _ in range(num_splits)]
    current, room = 0, target
    for url, size in files:
        pos = 0
        while pos < size:
            take = min(room, size - pos)
            splits[current]["segments"].append([url, pos, take])
            pos += take
            room -= take
            if room == 0 and current < num_splits - 1:
                current, room = current + 1, target
            elif room == 0:
                room = size  # the last split takes whatever rounding left over
    return splits


def block_chunks(files: list[InputFile], min_size: int, max_size: int) -> list[list[Any]]:
    """Hadoop's ``FileInputFormat`` chunks ``[url, start, length]`` of each file.

    Split size = ``max(min_size, min(max_size, block_size))``; chunks are emitted while
    ``remaining / split_size > 1.1``, and the rest forms the last chunk.  An empty file
    gives one empty chunk.
    """
    chunks: list[list[Any]] = []
    for url, size, block in files:
        split_size = max(min_size, min(max_size, block or _fs.LOCAL_BLOCK_SIZE))
        remaining = size
        while remaining / split_size > SPLIT_SLOP:
            chunks.append([url, size - remaining, split_size])
            remaining -= split_size
        if remaining or size == 0:
            chunks.append([url, size - remaining, remaining])
    return chunks


def group_chunks(chunks: list[list[Any]], num_splits: int) -> list[Split]:
    """Deal *chunks* in order to *num_splits* contiguous groups of about equal bytes.

    A chunk goes to group ``floor(midpoint * N / total)`` where *midpoint* is the
    cumulative byte offset of the chunk's middle, so groups stay contiguous and
    balanced, and no chunk is cut.
    """
    splits: list[Split] = [{"segments": []} for _ in range(num_splits)]
    total = sum(int(c[2]) for c in chunks)
    cum = 0
    for chunk in chunks:
        length = int(chunk[2])
        if length == 0:
            cum_group = min(num_splits - 1, (cum * num_splits) // total) if total else 0
        else:
            cum_group = min(num_splits - 1, int((cum + length / 2) * num_splits / total))
        splits[cum_group]["segments"].append(list(chunk))
        cum += length
    return splits


def plan_splits(
    conf: HamaConfiguration,
    num_splits: int,
    min_split_size: int = 1,
    splittable: Callable[[str], bool] | None = None,
) -> list[Split]:
    """Exactly *num_splits* splits of ``bsp.input.dir`` (see the module docstring).

    Parameters
    ----------
    conf : HamaConfiguration
        The job configuration.
    num_splits : int
        Number of peers.
    min_split_size : int
        The format's own minimum split size (SequenceFile: its sync interval).
    splittable : callable, optional
        ``splittable(url)`` false keeps that file in one piece (compressed text).
    """
    by_block = conf.get_bool("bsp.input.split.by.block", False)
    files = list_input_status(conf, with_block_size=by_block)
    whole = [f for f in files if splittable is not None and not splittable(f[0])]
    if not by_block and not whole:
        return byte_range_splits([(url, size) for url, size, _ in files], num_splits)
    min_size = max(1, min_split_size, conf.get_int("bsp.min.split.size", 1))
    max_size = conf.get_int("bsp.max.split.size", 0) or (1 << 62)
    chunks: list[list[Any]] = []
    for f in files:
        if f in whole:
            chunks.append([f[0], 0, f[1]])
        elif by_block:
            chunks.extend(block_chunks([f], min_size, max_size))
        else:
            # N-way balance over splittable files: chunk them finely, then group.
            total = sum(size for _, size, _ in files) or 1
            step = max(min_size, math.ceil(total / (num_splits * 16)))
            chunks.extend(block_chunks([(f[0], f[1], step)], 1, step))
    splits = group_chunks(chunks, num_splits)
    log.info("%d input files, %d chunks, %d splits (split.by.block=%s)", len(files), len(chunks), num_splits, by_block)
    return splits
