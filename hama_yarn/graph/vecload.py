"""The numpy loader of the vectorized path: text in bounded blocks to per-peer CSR arrays.

:class:`ArrayLoader` turns each peer's split of an ``adjacency`` or ``edgelist`` text
input, or of a graph SequenceFile (``Text`` id -> ``TextArrayWritable`` of ``dst`` or
``dst:weight``: each record is rebuilt as the adjacency line ``id<TAB>dst ...`` and
parsed in blocks like text), into a :class:`LocalGraph` with memory that is O(edges)
only in the final arrays and O(block) in everything temporary:

1. **route** (one superstep per round) - a peer reads ``BLOCK_CHARS`` of lines (with
   the ``text`` input format: ``TEXT_BLOCK_BYTES`` of whole lines as raw bytes, from
   ``PeerImpl.text_blocks``, no Python call per line),
   parses them with :func:`~hama_yarn.graph.fastload.parse_text` and sends every
   edge to the owner of its source (owner of id *v* = ``|v| mod P``, Hama's
   ``HashPartitioner`` on an int key) and every defined vertex to its owner.  A
   round ends after ``ROUND_EDGES`` parsed edges or at the end of the split; each
   bundle says whether its sender has more input, so the peers run rounds until
   all are done.  When every id of a block lies in ``0 .. 2**31-1`` (the
   *compact* case) an edge travels and is stored as one uint64
   ``key(dst) << 32 | src`` where ``key`` orders destinations by owner peer, then
   by id; otherwise as two int64 ids (the *wide* case: logged once with the id and
   the line's byte offset; the build then ranks the ids into 32-bit codes, with
   O(edges) int64 temporaries).
2. **build** (one superstep) - the received edges are copied into one uint64 array
   (chunk by chunk, each freed after its copy).  The local vertices are numbered by
   out-degree, busiest first (each sender counts the out-edges of the vertices it
   routes), and the number replaces the source id in each edge's low half, in
   place; numbering hot sources first packs PageRank's gather ``x[src]`` into few
   cache lines (about 2x on rmat22).  The array is then sorted **in place** - by
   owner of the destination, destination id, source number - and scanned in chunks
   for the distinct destinations ``U_p`` of every owner peer *p* (the CSR rows);
   ``U_p`` goes to peer *p*.  The low halves are then written as int32 over the
   first half of the same buffer, which is shrunk (``ndarray.resize``): the edges
   end as 4 bytes each, and the peak is the 8-byte packed array plus vertex-sized
   arrays and small chunks.  Destinations that no record defines are created
   (numbered after the defined vertices) or reported.
3. **count** (one superstep) - total vertex count.

Weighted edges (SSSP) keep a float64 weight per edge and are sorted through an
argsort (more memory; the other algorithms drop weights).  :func:`malloc_mode`
keeps glibc from holding on to freed block temporaries while loading.  Measured on
R-MAT (P=2, text adjacency): the sum of both peers' peak RSS over a whole PageRank
job is about 18 bytes per edge at scale 20 (6 of them the two interpreters) and 12
at scale 22.  The peers agree after the first round that shows text the parser
cannot reproduce (string ids, leading zeros, bad records ...): every peer then
returns None, and the runner loads vertex objects.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import re
import sys
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from .fastload import ParsedGraph, Unsupported, parse_text
from .seqload import adjacency_arrays, block_text, first_tokens
from .runner import GraphError

log = logging.getLogger(__name__)

__all__ = ["ArrayLoader", "LocalGraph", "Route", "BLOCK_CHARS", "ROUND_EDGES", "COMPACT_LIMIT", "compact_key",
           "compact_dst", "malloc_mode", "memory_log", "number_by_degree"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

#: Characters of input text parsed per numpy block (a block's temporaries are about 10x this).
BLOCK_CHARS = 1 << 20

#: Bytes of input text per block when the input format hands over raw text (``PeerImpl.text_blocks``;
#: 128 KiB: the parser's temporaries stay below the 256 KiB mmap threshold of :func:`malloc_mode`
#: and in cache - with 1 MiB blocks each temporary was a fresh mapping, a page fault per 4 KiB,
#: about a third of the load's CPU time in the kernel).
TEXT_BLOCK_BYTES = 1 << 17

#: Bytes of SequenceFile records per block (``PeerImpl.sequencefile_blocks``; 256 KiB: the numpy
#: temporaries of a block stay in cache, ~25% faster per byte than 1 MiB).
SEQ_BLOCK_BYTES = 1 << 18

#: Parsed edges per route round (each round is one superstep).
ROUND_EDGES = 1 << 19

#: Ids in ``0 .. COMPACT_LIMIT-1`` travel and sort as packed 32-bit halves.
COMPACT_LIMIT = 1 << 31

#: Elements per chunk of the array passes after the sort (bounds their temporaries).
CHUNK = 1 << 18

#: The whitespace characters the text parser accepts (others are rejected).
_WHITESPACE = "\t\n\v\f\r "

_LOW = np.uint64(0xFFFFFFFF)
_32 = np.uint64(32)


class Route:
    """The local out-edges whose destinations peer *p* owns, as CSR rows over ``U_p``.

    Row *j* holds the edges to the *j*-th smallest destination id of ``U_p``; every
    row has at least one edge.  ``indices`` are local source indices, ``indptr`` the
    row boundaries (``size + 1`` entries), ``weight`` one float per edge (None: 1.0).
    """

    __slots__ = ("indices", "indptr", "weight", "size", "_blocks")

    def __init__(self, indices: Any, indptr: Any, weight: F64 | None) -> None:
        self.indices = indices
        self.indptr = indptr
        self.weight = weight
        self.size = len(indptr) - 1
        self._blocks: tuple[int, list[tuple[int, int, int, int]]] | None = None

    @property
    def num_edges(self) -> int:
        """Edges in this route."""
        return int(self.indptr[-1]) if len(self.indptr) else 0

    def blocks(self, edges: int) -> list[tuple[int, int, int, int]]:
        """Whole rows in blocks of about *edges* edges (cached for the last *edges*).

        Parameters
        ----------
        edges : int
            Edges per block; a row with more edges is a block of its own.

        Returns
        -------
        list of tuple
            ``(row0, row1, edge0, edge1)`` per block, covering all rows in order.
        """
        if self._blocks is None or self._blocks[0] != edges:
            ptr = self.indptr
            out = []
            r0 = 0
            while r0 < self.size:
                e0 = int(ptr[r0])
                r1 = int(np.searchsorted(ptr, e0 + edges, side="right")) - 1
                r1 = min(max(r1, r0 + 1), self.size)
                out.append((r0, r1, e0, int(ptr[r1])))
                r0 = r1
            self._blocks = (edges, out)
        return self._blocks[1]


class LocalGraph:
    """One peer's part of the graph.

    Attributes
    ----------
    ids : ndarray or list
        The local vertex ids by local index (int64 from the array loader, numbered by
        out-degree, busiest first; the vertex-object path keeps its dict order).
    routes : list of Route
        Per destination peer.
    recv : list of ndarray
        Per sender peer *q*: the local index of every id of ``U_q`` (row order of q's route).
    outdeg : ndarray
        Out-degree per local vertex (float64, self loops included).
    num_edges : int
        Local out-edges (self loops included).
    self_loops : bool
        Every vertex also has an edge to itself that the routes do not hold
        (``hama.graph.self.ref`` with the array loader): algorithms add it themselves.
    """

    __slots__ = ("ids", "routes", "recv", "outdeg", "num_edges", "self_loops")

    def __init__(self, ids: Any, routes: list[Route], recv: list[I64], outdeg: F64, num_edges: int,
                 self_loops: bool = False) -> None:
        self.ids = ids
        self.routes = routes
        self.recv = recv
        self.outdeg = outdeg
        self.num_edges = num_edges
        self.self_loops = self_loops


def compact_key(dst: I64, n: int) -> U64:
    """Sort key of compact destination ids: owner peer first, then id.

    Parameters
    ----------
    dst : ndarray of int64
        Ids in ``0 .. COMPACT_LIMIT-1``.
    n : int
        Number of peers (owner of id *v* = ``v mod n``).

    Returns
    -------
    ndarray of uint64
        ``(v mod n) * ceil(2**31 / n) + v // n``, always below ``2**32``.
    """
    q = -(-COMPACT_LIMIT // n)
    key: U64 = ((dst % n) * q + dst // n).astype(np.uint64)
    return key


def _owner(ids: I64, n: int) -> I64:
    """``ids % n`` for non-negative *ids* (a mask when *n* is a power of two)."""
    return ids & (n - 1) if n & (n - 1) == 0 else ids % n


def _pack_compact(src: I64, dst: I64, n: int) -> U64:
    """``compact_key(dst, n) << 32 | src`` for compact ids, with shifts and masks when *n* is a power of two."""
    if n & (n - 1):
        packed: U64 = (compact_key(dst, n) << _32) | src.astype(np.uint64)
        return packed
    k = n.bit_length() - 1  # q = 2**31 / n = 2**(31 - k): key = (dst % n) << (31 - k) | dst >> k
    d = dst.view(np.uint64)  # non-negative: the same bits
    packed = d & np.uint64(n - 1)
    packed <<= np.uint64(31 - k)
    packed |= d >> np.uint64(k)
    packed <<= _32
    packed |= src.view(np.uint64)
    return packed


def compact_dst(keys: U64, n: int) -> tuple[I64, I64]:
    """Inverse of :func:`compact_key`.

    Parameters
    ----------
    keys : ndarray of uint64
        Keys made by :func:`compact_key` with the same *n*.
    n : int
        Number of peers.

    Returns
    -------
    tuple of ndarray
        ``(destination ids, owner peers)``, both int64.
    """
    q = -(-COMPACT_LIMIT // n)
    k = keys.astype(np.int64)
    owner = k // q
    return (k - owner * q) * n + owner, owner


def memory_log(me: int, what: str) -> None:
    """Log this process's resident memory (current and peak) at DEBUG level (Linux only).

    Parameters
    ----------
    me : int
        The peer index, for the message.
    what : str
        The phase just finished.
    """
    if log.isEnabledFor(logging.DEBUG):
        try:
            with open("/proc/self/status") as f:
                mem = {k: v.strip() for k, _, v in (line.partition(":") for line in f) if k in ("VmRSS", "VmHWM")}
        except OSError:
            return
        huge = "?"
        try:
            with open("/proc/self/smaps_rollup") as f:
                huge = next((v.strip() for k, _, v in (line.partition(":") for line in f) if k == "AnonHugePages"), "?")
        except OSError:
            pass
        log.debug("peer %d: %s: rss %s, peak %s, huge pages %s", me, what, mem.get("VmRSS"), mem.get("VmHWM"), huge)


def _libc() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def malloc_mode(phase: str) -> None:
    """Tune glibc's allocator for a phase: ``"load"`` or ``"iterate"`` (no-op elsewhere).

    glibc serves allocations below a *dynamic* mmap threshold from its heap; after a
    large buffer is freed the threshold rises to that size.  While loading, that lets
    block-sized temporaries fragment the heap, which keeps pages no longer used: the
    ``load`` mode fixes the threshold at 256 KiB, so every larger array has its own
    mapping and is unmapped when freed.  Iterations allocate the same few vector-sized
    temporaries again and again; a fresh mapping costs a page fault per 4 KiB on first
    touch (about 1 ms per 2 MB here), so the ``iterate`` mode lets them come from the
    heap (threshold 32 MiB, the maximum) and be reused, after giving back what the
    load left in the heap.

    numpy advises transparent huge pages for arrays of 4 MiB or more; the first touch
    of such an array can then wait for the kernel to compact memory into 2 MiB pages.
    The load mode turns that advice off (rmat22, P=2: copying a peer's received edges
    into its 268 MB build array took 0.9-1.6 s with it, 0.2 s without, and the job's
    system time fell by ~1.2 s); the iterate mode turns it back on (the random gathers
    over the vectors miss the TLB less on huge pages).

    Parameters
    ----------
    phase : str
        ``"load"`` or ``"iterate"``; process-wide, so the last call wins.
    """
    _huge_pages(phase != "load")
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return
    if phase == "load":
        libc.mallopt(-3, 1 << 18)  # M_MMAP_THRESHOLD (fixing it also disables the dynamic rule)
        libc.mallopt(-1, 1 << 20)  # M_TRIM_THRESHOLD: give back the heap's top beyond 1 MiB
    else:
        libc.malloc_trim(0)
        libc.mallopt(-3, 32 << 20)
        libc.mallopt(-1, 128 << 20)


def _huge_pages(on: bool) -> None:
    """numpy's huge page advice for large arrays on or off (a no-op where numpy has no such switch)."""
    core = getattr(np, "_core", None)
    switch = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if switch is not None:
        try:
            switch(on)
        except (TypeError, ValueError, RuntimeError):
            pass


def _trim() -> None:
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def _is_compact(*arrays: I64) -> bool:
    return all(not len(a) or (int(a.min()) >= 0 and int(a.max()) < COMPACT_LIMIT) for a in arrays)


def _counts(vs: Any, src: I64) -> npt.NDArray[np.int32]:
    """How often each id of the sorted unique *vs* occurs in *src* (all of whose ids are in *vs*)."""
    deg = np.zeros(len(vs), dtype=np.int32)
    if len(src):
        if len(src) == 1 or bool((src[1:] >= src[:-1]).all()):  # adjacency text: sources in runs
            first = np.flatnonzero(np.concatenate([[True], src[1:] != src[:-1]]))
            u, c = src[first], np.diff(np.append(first, len(src)))
        else:
            u, c = np.unique(src, return_counts=True)
        deg[np.searchsorted(vs, u)] = c
    return deg


def number_by_degree(deg: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """A numbering ``0..len(deg)-1`` in which a larger *deg* comes first (ties: by position).

    A counting sort over the degree values with chunk-sized temporaries (no
    vertex-sized int64 argsort).

    Parameters
    ----------
    deg : ndarray of int32
        Non-negative degree per vertex.

    Returns
    -------
    ndarray of int32
        ``label[i]``: the number of vertex *i*.
    """
    nd = len(deg)
    label = np.empty(nd, dtype=np.int32)
    if not nd:
        return label
    hist = np.bincount(deg)
    nxt = np.zeros(len(hist), dtype=np.int64)  # next free number per degree value
    np.cumsum(hist[:0:-1], out=nxt[-2::-1])  # nxt[d] = vertices of a degree above d
    for a in range(0, nd, CHUNK):
        d = deg[a:a + CHUNK]
        order = np.argsort(d, kind="stable")
        ds = d[order]
        first = np.flatnonzero(np.concatenate([[True], ds[1:] != ds[:-1]]))
        counts = np.diff(np.append(first, len(ds)))
        rank = np.arange(len(ds)) - np.repeat(first, counts)  # position among equal degrees
        label[a + order] = nxt[ds] + rank
        nxt[ds[first]] += counts
    return label


def _merge_round(parts: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One round's compact parts for one owner peer as one part (wide parts stay as they are).

    The parts of small blocks are small heap allocations that live until the build;
    merged, a round's edges are one array of its own mapping (:func:`malloc_mode`),
    given back to the system as soon as the build has copied it.
    """
    if len(parts) < 2 or any(p[0] != "c" for p in parts):
        return parts
    ws = [p[4] for p in parts]
    w = None if all(x is None for x in ws) else \
        np.concatenate([x if x is not None else np.ones(len(p[3])) for x, p in zip(ws, parts)])
    merged = ("c", np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts]),
              np.concatenate([p[3] for p in parts]), w)
    parts.clear()
    return [merged]


def _take_all(chunks: list[Any], dtype: Any) -> Any:
    """Concatenate *chunks* into a new array, dropping each chunk once copied (peak: total + 1 chunk)."""
    total = sum(len(c) for c in chunks)
    out = np.empty(total, dtype=dtype)
    pos = 0
    for i, c in enumerate(chunks):
        out[pos:pos + len(c)] = c
        pos += len(c)
        chunks[i] = None
    chunks.clear()
    return out


class ArrayLoader:
    """Loads one peer's split into a :class:`LocalGraph` (see the module docstring).

    Parameters
    ----------
    peer : BSPPeer
        The peer (input, messaging, sync).
    fmt : str
        ``adjacency``, ``edgelist`` or ``sequencefile``.
    algorithm : str
        The vectorized algorithm (``wcc`` adds reverse edges; only ``sssp`` keeps weights).
    undirected : bool
        ``hama.graph.undirected`` (edge lists).
    create_missing : bool
        ``hama.graph.create.missing.vertices``.
    self_ref : bool
        ``hama.graph.self.ref``.
    """

    def __init__(self, peer: Any, fmt: str, algorithm: str, undirected: bool, create_missing: bool,
                 self_ref: bool) -> None:
        self.peer = peer
        self.fmt = fmt
        self.wcc = algorithm == "wcc"
        self.weighted = algorithm == "sssp"
        self.undirected = undirected
        self.create_missing = create_missing
        self.self_ref = self_ref
        self.names: list[str] = peer.get_all_peer_names()
        self.n = len(self.names)
        self.me: int = peer.get_peer_index()
        self.total_vertices = 0
        self._warned = False
        #: Seconds per load phase on this peer (``read``: reading and parsing the split,
        #: ``route``: splitting blocks by owner, ``exchange``: sending, barriers and taking
        #: the received parts, ``build``: CSR build and its supersteps).
        self.timings: dict[str, float] = {"read": 0.0, "route": 0.0, "exchange": 0.0, "build": 0.0}

    # ------------------------------------------------------------ reading
    def _blocks(self) -> Any:
        """Yield ParsedGraph blocks of this peer's split; raises Unsupported."""
        if self.fmt == "sequencefile":
            yield from self._seq_blocks()
            return
        raw = getattr(self.peer, "text_blocks", None)
        blocks = raw(TEXT_BLOCK_BYTES) if raw is not None else None
        if blocks is not None:
            yield from self._raw_text_blocks(blocks)
            return
        read = self.peer.read_next
        lines: list[str] = []
        keys: list[Any] = []
        size = 0
        while True:
            record = read()
            if record is not None:
                value = record[1]
                if type(value) is not str:
                    raise Unsupported(f"a record value of type {type(value).__name__}")
                lines.append(value)
                keys.append(record[0])
                size += len(value) + 1
            if lines and (record is None or size >= BLOCK_CHARS):
                g = parse_text("\n".join(lines), self.fmt, self.undirected)
                if not self._warned and not _is_compact(g.vertices, g.src, g.dst):
                    self._warned = True
                    self._warn_wide(g, lines, keys)
                yield g
                lines = []
                keys = []
                size = 0
            if record is None:
                return

    def _raw_text_blocks(self, blocks: Any) -> Any:
        """Yield ParsedGraph blocks of the raw text blocks ``(url, offset, bytes, lines)`` of the split.

        No per-line Python work: the bytes of whole lines go to
        :func:`~hama_yarn.graph.fastload.parse_text` as they were read.
        """
        for url, offset, block, _ in blocks:
            g = parse_text(block, self.fmt, self.undirected)
            if not self._warned and not _is_compact(g.vertices, g.src, g.dst):
                self._warned = True
                lines = block.decode("ascii").split("\n")  # parse_text accepted it: ASCII
                starts = np.cumsum([offset] + [len(line) + 1 for line in lines[:-1]]).tolist()
                self._warn_wide(g, lines, starts)
            yield g

    def _seq_blocks(self) -> Any:
        """Yield ParsedGraph blocks of graph SequenceFile records (``Text id -> TextArrayWritable``).

        Each record becomes the adjacency line ``id<TAB>dst dst:weight ...`` and a
        block of lines is parsed at once.  The vertex reader takes the key and each
        string of the array as one token, so a block is accepted only if it parses
        into one vertex per record and one edge per string and holds no whitespace
        but the separators: then no key or destination was empty or held whitespace.
        With ``PeerImpl.sequencefile_blocks``, raw record blocks are turned into that
        text in bulk (:mod:`hama_yarn.graph.seqload`).
        """
        raw = getattr(self.peer, "sequencefile_blocks", None)
        blocks = raw(SEQ_BLOCK_BYTES) if raw is not None else None
        if blocks is not None:
            yield from self._raw_seq_blocks(blocks)
            return
        read = self.peer.read_next
        lines: list[str] = []
        keys: list[Any] = []
        size = 0
        edges = 0
        while True:
            record = read()
            if record is not None:
                key, value = record
                if type(key) is not str or type(value) not in (list, tuple):
                    raise Unsupported(f"a {type(key).__name__} -> {type(value).__name__} record "
                                      "(not Text -> TextArrayWritable)")
                try:
                    line = key + "\t" + " ".join(value) if value else key
                except TypeError:
                    raise Unsupported("a destination that is not Text") from None
                lines.append(line)
                keys.append(key)
                edges += len(value)
                size += len(line) + 1
            if lines and (record is None or size >= BLOCK_CHARS):
                text = "\n".join(lines)
                # separators: a line break between records, a tab and spaces among k destinations: k
                if sum(map(text.count, _WHITESPACE)) != len(lines) - 1 + edges:
                    raise Unsupported("a vertex id or destination with whitespace")
                g = parse_text(text, "adjacency")
                if len(g.vertices) != len(lines) or len(g.src) != edges:
                    raise Unsupported("an empty vertex id or destination, or a comment")
                if not self._warned and not _is_compact(g.vertices, g.src, g.dst):
                    self._warned = True
                    self._warn_wide(g, lines, keys)
                yield g
                lines = []
                keys = []
                size = 0
                edges = 0
            if record is None:
                return

    def _raw_seq_blocks(self, blocks: Any) -> Any:
        """Yield ParsedGraph blocks of SequenceFile record blocks (see :meth:`_seq_blocks`)."""
        for block in blocks:
            text = b""
            g = adjacency_arrays(block)  # plain integer ids: read from the bytes, no text
            if g is None:
                text, records, edges = block_text(block)
                if not records:
                    continue
                g = parse_text(text, "adjacency")
                if len(g.vertices) != records or len(g.src) != edges:
                    raise Unsupported("an empty vertex id or destination, or a comment")
            if not self._warned and not _is_compact(g.vertices, g.src, g.dst):
                self._warned = True
                text = text or block_text(block)[0]
                lines = text.decode("ascii").split("\n")
                self._warn_wide(g, lines, first_tokens(text))
            yield g

    def _warn_wide(self, g: ParsedGraph, lines: list[str], keys: list[Any]) -> None:
        bad = next(int(a[(a < 0) | (a >= COMPACT_LIMIT)][0]) for a in (g.vertices, g.src, g.dst)
                   if len(a) and ((a < 0) | (a >= COMPACT_LIMIT)).any())
        where = "?"
        pat = re.compile(rf"(?<![\d-]){bad}(?![\d])")
        for key, line in zip(keys, lines):
            if pat.search(line):
                where = str(key)
                break
        at = "record with key" if self.fmt == "sequencefile" else "line at byte offset"
        log.info("peer %d: vertex id %d (%s %s of the split) is outside 0..2**31-1; "
                 "the loader keeps 64-bit ids for it (about twice the memory per edge)", self.me, bad, at, where)

    def _route(self, g: ParsedGraph, out: list[list[tuple[Any, ...]]]) -> int:
        """Split one parsed block by owner peer into *out*; returns the edges queued."""
        n = self.n
        verts, src, dst = g.vertices, g.src, g.dst
        w = g.weight if self.weighted else None
        deg = g.degree  # edges per entry of verts (None: counted below)
        if self.wcc:
            verts = np.concatenate([verts, np.unique(dst)])
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
            deg = None
        compact = _is_compact(verts, src, dst)
        if compact:
            vown = _owner(verts, n)
            sown = _owner(src, n)
            packed = _pack_compact(src, dst, n)
        else:
            vown = np.abs(verts) % n
            sown = np.abs(src) % n
        for p in range(n):
            if n == 1:
                vs, sel, vd = verts, None, deg
            else:
                vmask = vown == p
                vs, sel = verts[vmask], sown == p
                vd = deg[vmask] if deg is not None else None
            if len(vs) > 1 and not bool((vs[1:] > vs[:-1]).all()):  # adjacency text: usually sorted, distinct
                vs = np.unique(vs)
                vd = None
            sp = src if sel is None else src[sel]
            # distinct vertices, each on one line: its edges here are its line's
            vdeg = vd.astype(np.int32) if vd is not None else _counts(vs, sp)
            ww = None if w is None else (w if sel is None else w[sel])
            if compact:
                out[p].append(("c", vs.astype(np.int32), vdeg, packed if sel is None else packed[sel], ww))
            else:
                out[p].append(("w", vs, vdeg, sp, dst if sel is None else dst[sel], ww))
        return len(src)

    # ------------------------------------------------------------ load
    def load(self) -> LocalGraph | None:
        """Run the load supersteps; None (on every peer alike) means: load vertex objects.

        Raises
        ------
        GraphError
            An edge refers to a vertex no record defines while
            ``hama.graph.create.missing.vertices`` is false.
        """
        peer = self.peer
        n, me = self.n, self.me
        verts: list[Any] = []
        parts: list[tuple[Any, ...]] = []
        malloc_mode("load")
        memory_log(me, "start")
        blocks = self._blocks()
        ok, more = True, True
        tm = self.timings
        clock = time.perf_counter
        while True:
            out: list[list[tuple[Any, ...]]] = [[] for _ in range(n)]
            if ok and more:
                queued = 0
                try:
                    while queued < ROUND_EDGES:
                        t = clock()
                        g = next(blocks, None)
                        t1 = clock()
                        tm["read"] += t1 - t
                        if g is None:
                            more = False
                            break
                        queued += self._route(g, out)
                        del g
                        tm["route"] += clock() - t1
                except Unsupported as exc:
                    log.info("peer %d: numpy loader not applicable (%s); loading vertex objects", me, exc)
                    ok = False
            t = clock()
            for p in range(n):
                out[p] = _merge_round(out[p])
                if p != me:
                    peer.send(self.names[p], (ok, more, out[p] if ok else []))
            mine = out[me]
            del out
            peer.sync()
            all_ok, any_more = ok, more
            for b_ok, b_more, b_parts in peer.messages():
                all_ok = all_ok and b_ok
                any_more = any_more or b_more
                self._keep(b_parts, verts, parts)
                del b_parts
            self._keep(mine, verts, parts)
            del mine
            tm["exchange"] += clock() - t
            if not all_ok:
                verts.clear()
                parts.clear()
                blocks.close()
                peer.reopen_input()
                return None
            if not any_more:
                break
        _trim()
        memory_log(me, "routed")
        t = clock()
        graph = self._build(verts, parts)
        tm["build"] = clock() - t
        log.debug("peer %d: load phases (s): %s", me, ", ".join(f"{k} {v:.3f}" for k, v in tm.items()))
        return graph

    @staticmethod
    def _keep(received: list[tuple[Any, ...]], verts: list[Any], parts: list[tuple[Any, ...]]) -> None:
        for part in received:
            if len(part[1]):
                verts.append((part[1], part[2]))
            if len(part[3]):
                parts.append(part)
        received.clear()

    # ------------------------------------------------------------ build
    def _assemble(self, parts: list[tuple[Any, ...]]) -> tuple[U64, F64 | None, Any]:
        """One packed uint64 edge array (+ weights) from the received parts, and the decoder.

        The decoder is None for compact ids, or ``(dst_of_key, src_of_code)`` for wide
        ids: destinations get keys by rank in (owner, id) order, sources codes by rank.
        """
        n = self.n
        wchunks: list[Any] | None = None
        if any(p[-1] is not None for p in parts):
            wchunks = [p[-1] if p[-1] is not None else np.ones(len(p[3])) for p in parts]
        if all(p[0] == "c" for p in parts):
            chunks = [p[3] for p in parts]
            parts.clear()
            packed: U64 = _take_all(chunks, np.uint64)
            return packed, (_take_all(wchunks, np.float64) if wchunks is not None else None), None
        srcs: list[Any] = []
        dsts: list[Any] = []
        for p in parts:
            if p[0] == "c":
                srcs.append((p[3] & _LOW).astype(np.int64))
                dsts.append(compact_dst(p[3] >> _32, n)[0])
            else:
                srcs.append(p[3])
                dsts.append(p[4])
        parts.clear()
        src = _take_all(srcs, np.int64)
        dst = _take_all(dsts, np.int64)
        w = _take_all(wchunks, np.float64) if wchunks is not None else None
        src_of_code = np.unique(src)
        ud = np.unique(dst)
        order = np.argsort(np.abs(ud) % n, kind="stable")
        rank = np.empty(len(ud), dtype=np.uint64)
        rank[order] = np.arange(len(ud), dtype=np.uint64)
        dst_of_key = ud[order]
        del order
        packed = np.empty(len(src), dtype=np.uint64)
        for a in range(0, len(src), CHUNK):
            b = a + CHUNK
            packed[a:b] = (rank[np.searchsorted(ud, dst[a:b])] << _32) | \
                np.searchsorted(src_of_code, src[a:b]).astype(np.uint64)
        return packed, w, (dst_of_key, src_of_code)

    def _rows(self, packed: U64) -> tuple[Any, npt.NDArray[np.uint32]]:
        """``(first edge, key)`` of every CSR row (distinct key) of the sorted *packed*."""
        starts_l: list[Any] = []
        keys_l: list[Any] = []
        prev: Any = None
        pos_t = np.int32 if len(packed) < 2**31 else np.int64
        high = packed.view(np.uint32)[1::2] if sys.byteorder == "little" else None  # the keys, in place
        for a in range(0, len(packed), CHUNK):
            k = high[a:a + CHUNK] if high is not None else (packed[a:a + CHUNK] >> _32).astype(np.uint32)
            new = np.empty(len(k), dtype=bool)
            new[0] = prev is None or k[0] != prev
            np.not_equal(k[1:], k[:-1], out=new[1:])
            idx = np.flatnonzero(new)
            starts_l.append((idx + a).astype(pos_t))
            keys_l.append(k[idx])
            prev = k[-1]
            del k, new, idx
        return _take_all(starts_l, pos_t), _take_all(keys_l, np.uint32)

    def _build(self, verts: list[Any], parts: list[tuple[Any, ...]]) -> LocalGraph:
        peer = self.peer
        n, me = self.n, self.me
        lap = _Lap(self.timings)
        packed, w, wide = self._assemble(parts)
        m = len(packed)
        memory_log(me, "assembled")
        lap("assembled")
        space = _IdSpace(n, me, verts, wide)
        del verts
        lap("idspace")
        space.relabel(packed)
        memory_log(me, "relabelled")
        lap("relabelled")
        if w is not None:
            order = np.argsort(packed)
            packed = packed[order]
            w = w[order]
            del order
        else:
            packed.sort()
        lap("sort")
        starts, keys = self._rows(packed)
        # rows [bounds[p], bounds[p+1]) hold the destinations peer p owns (keys are owner-major)
        q = -(-COMPACT_LIMIT // n)
        if wide is None:
            first_key = np.arange(n + 1, dtype=np.int64) * q
        else:
            first_key = np.searchsorted(np.abs(wide[0]) % n, np.arange(n + 1))
        bounds = np.searchsorted(keys, first_key.astype(np.uint32))  # same dtype: no copy of keys
        u_lists: list[Any] = [None] * n
        for p in range(n):
            k = keys[bounds[p]:bounds[p + 1]]
            if wide is None:  # the ids, from compact keys p*q + id // n
                u = k.astype(np.int64)
                u -= p * q
                u *= n
                u += p
                u = u.astype(np.int32)
            else:
                u = wide[0][k]
            if p == me:
                u_lists[me] = u
            else:
                peer.send(self.names[p], (me, u))
            del u, k
        del keys
        memory_log(me, "sorted")
        lap("sorted")
        peer.sync()
        for sender, u_q in peer.messages():
            u_lists[sender] = u_q
        space.add_destinations(u_lists, self.create_missing)
        indices = _local_indices(packed)
        del packed
        memory_log(me, "indexed")
        lap("indexed")
        recv = [space.index(u) for u in u_lists]
        del u_lists
        ids, outdeg = space.finish()
        nloc = len(ids)
        del space
        # one array holds every route's indptr: route p's rows and one end entry
        ptr = np.empty(len(starts) + n, dtype=np.int32 if m < 2**31 else np.int64)
        routes = []
        for p in range(n):
            r0, r1 = int(bounds[p]), int(bounds[p + 1])
            e0 = int(starts[r0]) if r0 < len(starts) else m
            e1 = int(starts[r1]) if r1 < len(starts) else m
            seg = ptr[r0 + p:r1 + p + 1]
            np.subtract(starts[r0:r1], e0, out=seg[:-1])
            seg[-1] = e1 - e0
            routes.append(Route(indices[e0:e1], seg, w[e0:e1] if w is not None else None))
        del starts
        num_edges = m
        if self.self_ref:
            outdeg += 1.0
            num_edges += nloc
        for name in self.names:
            peer.send(name, nloc)
        peer.sync()
        self.total_vertices = sum(peer.messages())
        memory_log(me, "built")
        lap("built")
        log.debug("peer %d: numpy loader: %d vertices, %d out-edges", me, nloc, num_edges)
        return LocalGraph(ids, routes, recv, outdeg, num_edges, self_loops=self.self_ref)


class _Lap:
    """Adds the seconds since the last call to ``timings["build " + name]``."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.t = time.perf_counter()

    def __call__(self, name: str) -> None:
        t = time.perf_counter()
        key = "build " + name
        self.timings[key] = self.timings.get(key, 0.0) + t - self.t
        self.t = t


def _local_indices(packed: U64) -> npt.NDArray[np.int32]:
    """The low halves of *packed* (local source indices) as int32, written in place; returns them.

    Index *i* is written over bytes ``4i .. 4i+3`` of the buffer, which hold parts of
    edges ``<= i`` only, each already read; the upper half is then given back.
    """
    m = len(packed)
    out = packed.view(np.int32)
    if sys.byteorder == "little":  # the low halves are the even 32-bit words
        even = out[0::2]
        for a in range(0, m, CHUNK):
            # numpy copies a source that overlaps its destination first (only the first chunk does)
            b = min(a + CHUNK, m)
            out[a:b] = even[a:b]
        del even
    else:
        for a in range(0, m, CHUNK):
            low = (packed[a:a + CHUNK] & _LOW).astype(np.int32)  # a copy: read before the overwrite below
            out[a:a + len(low)] = low
            del low
    del out
    packed.resize((m + 1) // 2, refcheck=False)
    result: npt.NDArray[np.int32] = packed.view(np.int32)[:m]
    return result


class _IdSpace:
    """The local vertex ids, numbered by out-degree (highest first), then destinations created here.

    Numbering the busiest sources first packs the PageRank gather ``x[src]`` into few
    cache lines.  The defined vertices (every edge source is one) are looked up with a
    dense table over ``id // P`` when their ids are compact and not too sparse (every
    local id is ``P*k + me``), otherwise by binary search in their sorted array.
    *verts* holds ``(sorted ids, out-degrees)`` pairs; it is emptied.
    """

    def __init__(self, n: int, me: int, verts: list[tuple[Any, Any]], wide: Any) -> None:
        self.n = n
        self.me = me
        count = sum(len(v) for v, _ in verts)
        compact = all(v.dtype == np.int32 for v, _ in verts)
        top = max([int(v.max()) // n + 1 for v, _ in verts if len(v)], default=0)
        self.table: npt.NDArray[np.int32] | None = None  # id // n -> defined index, -1: none
        self.defined: I64 | None = None  # the sorted defined ids (without a table)
        if compact and top <= 4 * count + (1 << 20):
            mask = np.zeros(top, dtype=bool)
            for v, _ in verts:
                mask[v // n] = True
            table = np.cumsum(mask, dtype=np.int32)
            nd = int(table[-1]) if top else 0
            table -= 1
            table[~mask] = -1
            self.table = table
            del mask
        else:
            self.defined = np.unique(np.concatenate([np.asarray(v, dtype=np.int64) for v, _ in verts]))
            nd = len(self.defined)
        if nd >= 2**31:
            raise GraphError(f"peer {me}: {nd} vertices on one peer (the vectorized path allows < 2**31)")
        self.nd = nd
        self.deg = np.zeros(nd, dtype=np.int32)
        while verts:
            v, c = verts.pop()
            np.add.at(self.deg, self._defined_index(v), c)
        self._code_index: I64 | None = None
        if wide is not None:  # source codes are ranks in src_of_code, all defined
            self._code_index = self._defined_index(wide[1])
        self.label = np.zeros(0, dtype=np.int32)
        self.created = np.zeros(0, dtype=np.int64)

    def _defined_index(self, x: Any) -> I64:
        """Index of each id of *x* among the defined vertices (-1: not defined here)."""
        x = np.asarray(x)
        out: I64
        if self.table is not None:
            k = x // self.n
            ok = (x >= 0) & (k < len(self.table))
            out = np.full(len(x), -1, dtype=np.int64)
            out[ok] = self.table[k[ok]]
        else:
            d = self.defined
            assert d is not None
            pos = np.minimum(np.searchsorted(d, x), max(len(d) - 1, 0))
            out = np.where((d[pos] == x) if len(d) else np.zeros(len(x), bool), pos, -1)
        return out

    def _source_number(self, codes: U64) -> Any:
        """The numbers of packed source codes (compact: the ids; wide: ranks in ``src_of_code``)."""
        if self._code_index is not None:
            return self._code_index[codes.astype(np.int64)]
        if self.table is not None:
            return self.table[(codes // np.uint64(self.n)).astype(np.int64)]
        assert self.defined is not None
        return self.label[np.searchsorted(self.defined, codes.astype(np.int64))]

    def relabel(self, packed: U64) -> None:
        """Number the defined vertices by out-degree; replace *packed*'s low halves by the numbers.

        Afterwards the dense table and the wide codes hold numbers (no ``label``
        array is kept with a table), and ``deg`` is by number.
        """
        label = number_by_degree(self.deg)
        self.deg.sort()
        self.deg = self.deg[::-1]  # by number: the same degrees, descending (a view, no copy)
        if self.table is not None:
            for a in range(0, len(self.table), CHUNK):
                t = self.table[a:a + CHUNK]
                valid = t >= 0
                t[valid] = label[t[valid]]
        else:
            self.label = label
        if self._code_index is not None:
            self._code_index = label[self._code_index].astype(np.int64)
        del label
        if self.table is not None and self._code_index is None and sys.byteorder == "little":
            # the low halves are the even 32-bit words: read, looked up and written back in place
            table, n = self.table, self.n
            halves = packed.view(np.uint32)
            idx = np.empty(min(CHUNK, len(packed)), dtype=np.intp)
            lab = np.empty(len(idx), dtype=np.int32)
            for a in range(0, len(packed), CHUNK):
                low = halves[2 * a:2 * (a + CHUNK):2]
                k = len(low)
                if n & (n - 1) == 0:
                    np.right_shift(low, n.bit_length() - 1, out=idx[:k])
                else:
                    np.floor_divide(low, n, out=idx[:k])
                np.take(table, idx[:k], out=lab[:k])
                low[...] = lab[:k]
            return
        for a in range(0, len(packed), CHUNK):
            chunk = packed[a:a + CHUNK]
            lab = self._source_number(chunk & _LOW).astype(np.uint64)
            chunk &= ~_LOW
            chunk |= lab

    def add_destinations(self, u_lists: list[Any], create_missing: bool) -> None:
        """Create the destinations owned here that no record defines (or fail, naming one)."""
        absent = [u[self._defined_index(u) < 0] for u in u_lists]
        if not create_missing:
            for q, a in enumerate(absent):
                if len(a):
                    raise GraphError(f"peer {self.me}: an edge from peer {q}'s input refers to unknown vertex "
                                     f"{int(a[0])!r} (hama.graph.create.missing.vertices=false)")
        self.created = np.unique(np.concatenate([np.asarray(a, dtype=np.int64) for a in absent]))

    def index(self, x: Any) -> I64:
        """Local indices of the local ids *x*."""
        i = self._defined_index(x)
        known = i >= 0
        out: I64 = np.empty(len(i), dtype=np.int64)
        out[known] = i[known] if self.table is not None else self.label[i[known]]
        if not known.all():
            out[~known] = self.nd + np.searchsorted(self.created, np.asarray(x)[~known])
        return out

    def finish(self) -> tuple[I64, F64]:
        """``(ids, out-degrees)`` by local index; the lookup structures are dropped."""
        nloc = self.nd + len(self.created)
        ids = np.empty(nloc, dtype=np.int64)
        if self.table is not None:
            k = np.flatnonzero(self.table >= 0)
            ids[self.table[k]] = k * self.n + self.me
            del k
        elif self.defined is not None:
            ids[self.label] = self.defined
        ids[self.nd:] = self.created
        outdeg = np.zeros(nloc)
        outdeg[:self.nd] = self.deg
        self.table = self.defined = self._code_index = None
        return ids, outdeg
