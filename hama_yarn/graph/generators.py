"""Graph generators: Graph500 R-MAT and Hama's ``FastGraphGen``, written as graph inputs.

* :func:`rmat` - Graph500 Kronecker/R-MAT edge list (initiator a=0.57, b=c=0.19,
  d=0.05; ``edge_factor * 2**scale`` edges; ids relabelled by a random permutation
  unless ``permute=False``; duplicate edges and self loops kept, as Graph500
  generates them).  Graph500 SSSP weights are integers 1..255 (:func:`rmat_weights`).
* :func:`fastgen` - Hama's ``FastGraphGen``: every vertex gets up to ``max_edges``
  distinct random out-neighbours (never itself).
* :func:`write_adjacency` / :func:`write_json` - the text adjacency format
  (``id<TAB>dst dst ...`` or ``dst:weight``) and Hama's fastgen JSON
  (``[id,value,[[dst,weight],...]]``), one part file per task.
* :func:`write_sequencefile` - Hama's graph SequenceFile input, ``Text`` id ->
  ``TextArrayWritable`` of the same ``dst`` / ``dst:weight`` tokens (what
  ``PagerankSeqReader`` and the ``sequencefile`` graph reader read), optionally
  RECORD- or BLOCK-compressed.

The writers go through the filesystem layer jobs use (:mod:`hama_yarn.graph.gen_output`):
``hdfs://`` output lands on HDFS, a path without a scheme is resolved against
``fs.defaultFS``, and the part files appear only when all of them are written.
"""

from __future__ import annotations

import json
import logging
import struct
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import numpy.typing as npt

from ..config import HamaConfiguration
from ..io.seqcommon import CompressionType
from ..io.seqwriter import SequenceFileWriter
from ..io.writables import TEXT, TEXT_ARRAY_WRITABLE
from .gen_output import PartsOutput, TextPartWriter

log = logging.getLogger(__name__)

__all__ = ["rmat", "rmat_weights", "fastgen", "write_adjacency", "write_json", "write_sequencefile"]

I64 = npt.NDArray[np.int64]


def rmat(scale: int, edge_factor: int = 16, seed: int = 1, permute: bool = True,
         a: float = 0.57, b: float = 0.19, c: float = 0.19) -> tuple[I64, I64]:
    """Graph500 R-MAT edges ``(src, dst)`` on ``2**scale`` vertices.

    Parameters
    ----------
    scale : int
        log2 of the number of vertices.
    edge_factor : int
        Edges per vertex.
    seed : int
        Random seed.
    permute : bool
        Relabel the vertices by a random permutation (Graph500 does).
    a, b, c : float
        The initiator probabilities (d = 1 - a - b - c).

    Returns
    -------
    tuple of ndarray
        Source and destination ids (int64).
    """
    rng = np.random.default_rng(seed)
    m = edge_factor << scale
    src = np.zeros(m, dtype=np.int64)
    dst = np.zeros(m, dtype=np.int64)
    for bit in range(scale):
        r = rng.random(m)
        right = ((r > a) & (r <= a + b)) | (r > a + b + c)
        down = r > a + b
        src |= down.astype(np.int64) << bit
        dst |= right.astype(np.int64) << bit
    if permute:
        perm = rng.permutation(1 << scale).astype(np.int64)
        src, dst = perm[src], perm[dst]
    return src, dst


def rmat_weights(m: int, seed: int = 2) -> I64:
    """Graph500 SSSP weights: *m* random integers in 1..255."""
    return np.random.default_rng(seed).integers(1, 256, m).astype(np.int64)


def fastgen(vertices: int, max_edges: int = 3, seed: int | None = None) -> tuple[I64, I64]:
    """Hama's ``FastGraphGen``: each vertex gets up to *max_edges* distinct random targets (no self loop)."""
    rng = np.random.default_rng(seed)
    k = min(max_edges, max(vertices - 1, 0))
    if vertices == 0 or k == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    src = np.repeat(np.arange(vertices, dtype=np.int64), k)
    # k distinct offsets in 1..vertices-1 per vertex (sampled without replacement per row)
    offs = np.argsort(rng.random((vertices, vertices - 1)), axis=1)[:, :k] + 1 if vertices <= 512 else \
        _distinct_offsets(rng, vertices, k)
    dst = (src + offs.reshape(-1).astype(np.int64)) % vertices
    return src, dst


def _distinct_offsets(rng: np.random.Generator, vertices: int, k: int) -> npt.NDArray[np.int64]:
    out = rng.integers(1, vertices, (vertices, k))
    for _ in range(64):  # redraw rows with repeats (rare when k << vertices)
        s = np.sort(out, axis=1)
        bad = np.flatnonzero((s[:, 1:] == s[:, :-1]).any(axis=1)) if k > 1 else np.zeros(0, dtype=np.int64)
        if not len(bad):
            break
        out[bad] = rng.integers(1, vertices, (len(bad), k))
    return out


def _parts(n: int, parts: int) -> list[tuple[int, int]]:
    parts = max(1, parts)
    bounds = np.linspace(0, n, parts + 1).astype(np.int64)
    return [(int(bounds[i]), int(bounds[i + 1])) for i in range(parts)]


def _grouped(n: int, src: I64, dst: I64, w: I64 | None) -> tuple[I64, I64, I64 | None, I64]:
    order = np.argsort(src, kind="stable")
    s, d = src[order], dst[order]
    ww = w[order] if w is not None else None
    bounds = np.searchsorted(s, np.arange(n + 1)).astype(np.int64)
    return s, d, ww, bounds


def _write_text_parts(out_dir: str, n: int, src: I64, dst: I64, weights: I64 | None, parts: int,
                      line: Callable[[int, list[int], list[int] | None], str],
                      conf: HamaConfiguration | None = None) -> list[str]:
    """Write ``line(v, dsts, weights)`` for vertices ``0..n-1`` into *parts* text files on *out_dir*'s filesystem."""
    _, d, ww, bounds = _grouped(n, src, dst, weights)
    with PartsOutput(out_dir, conf) as out:
        for i, (lo_v, hi_v) in enumerate(_parts(n, parts)):
            with out.open(i) as f:
                w = TextPartWriter(f)
                for v in range(lo_v, hi_v):
                    lo, hi = bounds[v], bounds[v + 1]
                    w.write(line(v, d[lo:hi].tolist(), ww[lo:hi].tolist() if ww is not None else None))
                w.flush()
        return out.commit()


def _adjacency_line(v: int, dsts: list[int], ws: list[int] | None) -> str:
    nbrs = " ".join(map(str, dsts)) if ws is None else " ".join(f"{x}:{y}" for x, y in zip(dsts, ws))
    return f"{v}\t{nbrs}\n" if nbrs else f"{v}\n"


def _json_line(v: int, dsts: list[int], ws: list[int] | None) -> str:
    edges = [[str(x), y] for x, y in zip(dsts, ws if ws is not None else [0] * len(dsts))]
    return json.dumps([str(v), 0, edges], separators=(",", ":")) + "\n"


def write_adjacency(out_dir: str, n: int, src: I64, dst: I64, weights: I64 | None = None,
                    parts: int = 1, conf: HamaConfiguration | None = None) -> list[str]:
    """Write ``id<TAB>dst dst ...`` (``dst:weight`` with *weights*) for vertices ``0..n-1``.

    Parameters
    ----------
    out_dir : str
        Output directory, resolved like a job's paths (:mod:`hama_yarn.graph.gen_output`):
        ``hdfs://...``, ``file:///...`` or a path without a scheme (against
        ``fs.defaultFS``).  It must not exist or be empty.
    n : int
        Number of vertices.
    src, dst : ndarray
        Edge sources and destinations (int64, in ``0..n-1``).
    weights : ndarray, optional
        Integer edge weights, one per edge.
    parts : int
        Number of part files.
    conf : HamaConfiguration, optional
        Consulted for ``fs.defaultFS``.

    Returns
    -------
    list of str
        The part files written (``part-00000`` ...): local paths, or URLs on other filesystems.

    Raises
    ------
    hama_yarn.errors.OutputError
        The output directory is not empty or cannot be written.
    """
    return _write_text_parts(out_dir, n, src, dst, weights, parts, _adjacency_line, conf)


def write_json(out_dir: str, n: int, src: I64, dst: I64, weights: I64 | None = None, parts: int = 1,
               conf: HamaConfiguration | None = None) -> list[str]:
    """Write Hama's fastgen JSON lines ``[id,0,[[dst,weight],...]]`` (weight 0 without *weights*).

    *out_dir*, *conf* and the result are as in :func:`write_adjacency`.
    """
    return _write_text_parts(out_dir, n, src, dst, weights, parts, _json_line, conf)


_I32 = struct.Struct(">i")
_SPACE = ord(" ")


def _text_array_values(d: I64, ww: I64 | None, bounds: I64, lo_v: int, hi_v: int) -> list[bytes]:
    """Serialized ``TextArrayWritable`` values of vertices ``lo_v..hi_v-1`` (tokens as in the text format).

    The tokens are joined once as ``" t1 t2 ..."``; every space then becomes the
    one-byte VInt length of the token after it (tokens are at most 41 ASCII bytes),
    which is exactly the concatenation of the tokens' ``Text`` encodings.
    """
    lo, hi = int(bounds[lo_v]), int(bounds[hi_v])
    if hi == lo:
        return [_I32.pack(0)] * (hi_v - lo_v)
    tokens: Iterable[str]
    if ww is None:
        tokens = map(str, d[lo:hi].tolist())
    else:
        tokens = (f"{x}:{y}" for x, y in zip(d[lo:hi].tolist(), ww[lo:hi].tolist()))
    buf = bytearray(b" " + " ".join(tokens).encode("ascii"))
    arr = np.frombuffer(buf, dtype=np.uint8)  # a writable view of buf
    spaces = np.flatnonzero(arr == _SPACE)
    lengths = np.diff(np.append(spaces, len(buf))) - 1
    if lengths.max() >= 128:  # not a one-byte VInt (cannot happen for integer ids and weights)
        raise ValueError(f"edge token of {int(lengths.max())} bytes; at most 127 supported")
    arr[spaces] = lengths.astype(np.uint8)
    data = bytes(buf)
    starts = spaces.tolist() + [len(data)]  # byte offset of edge i (i = 0..hi-lo)
    rel = (bounds[lo_v:hi_v + 1] - lo).tolist()
    out = []
    for i in range(hi_v - lo_v):
        a, b = rel[i], rel[i + 1]
        out.append(_I32.pack(b - a) + data[starts[a]:starts[b]])
    return out


def write_sequencefile(out_dir: str, n: int, src: I64, dst: I64, weights: I64 | None = None, parts: int = 1,
                       compression: str | CompressionType = CompressionType.NONE, codec: str = "default",
                       metadata: Mapping[str, str] | None = None, batch_edges: int = 1 << 18,
                       conf: HamaConfiguration | None = None) -> list[str]:
    """Write Hama's graph SequenceFile input: ``Text`` id -> ``TextArrayWritable`` of out-neighbours.

    One record per vertex ``0..n-1`` (also for vertices without edges, whose array is
    empty), in id order, split into *parts* part files exactly like
    :func:`write_adjacency`.  The array holds the tokens of the text format: ``dst``,
    or ``dst:weight`` with *weights*; the ``sequencefile`` graph reader
    (:class:`hama_yarn.graph.readers.SequenceFileReader`) and Hama's
    ``PagerankSeqReader`` read it.  Records are encoded in batches of vertices and
    streamed to :class:`hama_yarn.io.seqwriter.SequenceFileWriter`.

    Parameters
    ----------
    out_dir : str
        Output directory, resolved like a job's paths (see :func:`write_adjacency`); files
        ``part-00000`` ...
    n : int
        Number of vertices.
    src, dst : ndarray
        Edge sources and destinations (int64, in ``0..n-1``).
    weights : ndarray, optional
        Integer edge weights, one per edge.
    parts : int
        Number of part files.
    compression : {"none", "record", "block"} or CompressionType
        Hadoop SequenceFile compression type.
    codec : str
        Codec for RECORD/BLOCK (``default``, ``gzip``, ``bzip2``, ``snappy``, ``lz4``,
        ``zstd`` or a Java class name); ignored for ``none``.
    metadata : mapping of str to str, optional
        SequenceFile header metadata.
    batch_edges : int
        About this many edges are encoded at a time (bounds the memory used).
    conf : HamaConfiguration, optional
        Consulted for ``fs.defaultFS``.

    Returns
    -------
    list of str
        The part files written: local paths, or URLs on other filesystems.

    Raises
    ------
    hama_yarn.io.seqcommon.UnknownCodecError
        If *codec* is unknown or its Python library is missing.
    hama_yarn.errors.OutputError
        The output directory is not empty or cannot be written.
    """
    _, d, ww, bounds = _grouped(n, src, dst, weights)
    with PartsOutput(out_dir, conf) as out:
        for i, (lo_v, hi_v) in enumerate(_parts(n, parts)):
            with out.open(i) as f, SequenceFileWriter(f, TEXT, TEXT_ARRAY_WRITABLE, compression, codec, metadata,
                                                      raw=True) as w:
                v = lo_v
                while v < hi_v:
                    # next batch: about batch_edges edges, at least one vertex
                    stop = int(np.searchsorted(bounds, bounds[v] + batch_edges, side="right")) - 1
                    stop = min(hi_v, max(stop, v + 1))
                    for j, value in enumerate(_text_array_values(d, ww, bounds, v, stop)):
                        key = str(v + j).encode("ascii")
                        w.append_raw(bytes((len(key),)) + key, value)
                    v = stop
        files = out.commit()
    log.debug("wrote %d vertices, %d edges as SequenceFile to %s (%d part(s), %s)", n, len(src), out_dir,
              len(files), compression)
    return files
