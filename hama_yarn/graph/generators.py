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
"""

from __future__ import annotations

import json
import logging
import os

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

__all__ = ["rmat", "rmat_weights", "fastgen", "write_adjacency", "write_json"]

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


def write_adjacency(out_dir: str, n: int, src: I64, dst: I64, weights: I64 | None = None,
                    parts: int = 1) -> list[str]:
    """Write ``id<TAB>dst dst ...`` (``dst:weight`` with *weights*) for vertices ``0..n-1``.

    Returns
    -------
    list of str
        The part files written (``part-00000`` ...).
    """
    os.makedirs(out_dir, exist_ok=True)
    _, d, ww, bounds = _grouped(n, src, dst, weights)
    files = []
    for i, (lo_v, hi_v) in enumerate(_parts(n, parts)):
        path = os.path.join(out_dir, f"part-{i:05d}")
        with open(path, "w") as f:
            for v in range(lo_v, hi_v):
                lo, hi = bounds[v], bounds[v + 1]
                if ww is None:
                    nbrs = " ".join(map(str, d[lo:hi].tolist()))
                else:
                    nbrs = " ".join(f"{x}:{y}" for x, y in zip(d[lo:hi].tolist(), ww[lo:hi].tolist()))
                f.write(f"{v}\t{nbrs}\n" if nbrs else f"{v}\n")
        files.append(path)
    return files


def write_json(out_dir: str, n: int, src: I64, dst: I64, weights: I64 | None = None, parts: int = 1) -> list[str]:
    """Write Hama's fastgen JSON lines ``[id,0,[[dst,weight],...]]`` (weight 0 without *weights*)."""
    os.makedirs(out_dir, exist_ok=True)
    _, d, ww, bounds = _grouped(n, src, dst, weights)
    files = []
    for i, (lo_v, hi_v) in enumerate(_parts(n, parts)):
        path = os.path.join(out_dir, f"part-{i:05d}")
        with open(path, "w") as f:
            for v in range(lo_v, hi_v):
                lo, hi = bounds[v], bounds[v + 1]
                ws = ww[lo:hi].tolist() if ww is not None else [0] * int(hi - lo)
                edges = [[str(x), y] for x, y in zip(d[lo:hi].tolist(), ws)]
                f.write(json.dumps([str(v), 0, edges], separators=(",", ":")) + "\n")
        files.append(path)
    return files
