"""Vectors shared in memory by peers on one host (the SpMV exchange without copies).

Peers that run on the same machine can read each other's part of an iterated vector
straight from shared memory instead of receiving it in messages: each peer writes its
rows' products into its slice of one shared vector, passes the barrier, and reads the
whole vector for the next iteration.  On two busy cores the loopback copies of the
message path (about 4 ms for 4 MB each way) cost as much as a tenth of an iteration.

:func:`share_vectors` sets this up in two supersteps that every peer takes part in:
peer 0 creates a file in ``/dev/shm`` with a random token in its header and sends its
path and token to the others; each other peer maps the file and checks the token (a
peer on another host does not find it, or finds another file), and every peer tells all
others whether it could.  When all could, every peer holds the same vectors; otherwise
none does (the caller exchanges messages).  The file is unlinked as soon as every peer
has mapped it: nothing is left behind when the job ends, however it ends.
"""

from __future__ import annotations

import logging
import mmap
import os
import secrets
import tempfile
import numpy as np
import numpy.typing as npt

from ..bsp import BSPPeer

log = logging.getLogger(__name__)

__all__ = ["share_vectors", "SHM_DIR"]

#: where the shared file lives (a tmpfs: memory, never written to disk)
SHM_DIR = "/dev/shm"
_HEADER = 64  # token (32 hex characters) and padding: the vectors start 64-byte aligned


def share_vectors(peer: BSPPeer, others: list[str], lengths: list[int]) -> list[npt.NDArray[np.float64]] | None:
    """Zeroed float64 vectors of *lengths* entries shared by every peer, or None when some
    peer cannot map them (another host, no ``/dev/shm``).  Takes two supersteps on every
    peer, whatever the outcome; collective: every peer must call it with the same lengths."""
    me = peer.get_peer_index()
    offsets = [_HEADER + 8 * sum(lengths[:i]) for i in range(len(lengths))]
    size = _HEADER + 8 * sum(lengths)
    mm: mmap.mmap | None = None
    path = token = ""
    if me == 0:
        try:
            fd, path = tempfile.mkstemp(prefix="hama-spmv-", dir=SHM_DIR)
            try:
                os.ftruncate(fd, size)
                token = secrets.token_hex(16)
                mm = mmap.mmap(fd, size)
                mm[:len(token)] = token.encode("ascii")
            finally:
                os.close(fd)
        except OSError as exc:
            log.info("no vector shared in %s (%s): peers exchange messages", SHM_DIR, exc)
            mm, token = None, ""
            if path:
                _unlink(path)
                path = ""
        for name in others:
            peer.send(name, ("shm", path, token))
    peer.sync()
    if me != 0:
        for msg in peer.messages():
            if isinstance(msg, tuple) and len(msg) == 3 and msg[0] == "shm":
                path, token = str(msg[1]), str(msg[2])
        mm = _open(path, token, size) if path else None
    ok = mm is not None
    for name in others:
        peer.send(name, ("shm-ok", me, ok))
    peer.sync()
    oks = [bool(msg[2]) for msg in peer.messages() if isinstance(msg, tuple) and msg[:1] == ("shm-ok",)]
    everyone = ok and len(oks) == len(others) and all(oks)
    if me == 0 and path:
        _unlink(path)  # every peer that could map it has: the mappings outlive the name
    if not everyone or mm is None:
        if mm is not None:
            mm.close()
        return None
    vectors = [np.frombuffer(mm, dtype=np.float64, count=n, offset=at) for n, at in zip(lengths, offsets)]
    for vec in vectors:  # every page mapped now (a first touch is a page fault), zeros from ftruncate
        float(vec.sum())
    return vectors


def _open(path: str, token: str, size: int) -> mmap.mmap | None:
    """The shared file *path* mapped, if it is the one holding *token* (peer 0's)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as exc:
        log.info("shared vector %s not found (%s): peers exchange messages", path, exc)
        return None
    try:
        if os.fstat(fd).st_size != size:
            return None
        mm = mmap.mmap(fd, size)
    except OSError as exc:
        log.info("shared vector %s cannot be mapped (%s): peers exchange messages", path, exc)
        return None
    finally:
        os.close(fd)
    if mm[:len(token)] != token.encode("ascii"):
        mm.close()
        return None
    return mm


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError as exc:  # pragma: no cover - gone already
        log.debug("shared vector %s: %s", path, exc)

