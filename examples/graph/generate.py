"""Generate graph inputs: Graph500 R-MAT or Hama's fastgen (``hama example gen``).

Usage::

    hama example gen rmat --scale 16 [--edge-factor 16] [--seed 1] [--weights] -o OUT [-t TASKS] [-of FORMAT]
    hama example gen fastgen -v 1000 [-e 3] [--seed S] [-w WEIGHT] -o OUT [-t TASKS] [-of FORMAT]
        FORMAT: text (default) | json | seq (= sequencefile) [--compression none|record|block] [--codec C]

(or ``python examples/graph/generate.py ...``).  R-MAT: ``2**scale`` vertices,
``edge-factor * 2**scale`` edges (a=0.57, b=c=0.19, ids permuted, as Graph500),
``--weights`` adds Graph500 SSSP weights 1..255.  fastgen (Hama's ``gen fastgen``):
every vertex gets up to ``-e`` distinct random out-neighbours; ``-w`` is the edge
value written (JSON) or, when nonzero, ``dst:w`` (text, seq).  Output:
``OUT/part-NNNNN`` per task, in

* ``text``: the adjacency format ``id<TAB>dst dst:w ...`` (the graph package's
  default input, ``--format adjacency`` in examples/graph/graph.py);
* ``json``: Hama's fastgen JSON ``[id,value,[[dst,weight],...]]`` (``--format json``);
* ``seq`` / ``sequencefile``: a Hadoop SequenceFile ``Text`` id ->
  ``org.apache.hama.commons.io.TextArrayWritable`` of the same ``dst`` / ``dst:w``
  tokens (``--format sequencefile``), optionally compressed (``--compression
  record|block``, ``--codec default|gzip|bzip2|snappy|lz4|zstd``).

The same seed gives the same graph in every format.  OUT is resolved like a job's
paths: ``hdfs://host:port/dir`` writes on HDFS, a path without a scheme goes to
``fs.defaultFS`` (HDFS once a Hadoop configuration is loaded, else the local disk),
``file:///dir`` is always local.  OUT must not exist or be empty; the part files
appear only when all of them are written.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

import numpy as np

from hama_yarn.cli.common import conf_from_args
from hama_yarn.graph.generators import fastgen, rmat, rmat_weights, write_adjacency, write_json, write_sequencefile
from hama_yarn.io.codecs import CodecError, get_codec
from hama_yarn.io.fs import qualify

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, generate and write the graph; return the exit code."""
    p = argparse.ArgumentParser(prog="hama example gen", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="kind", required=True)
    r = sub.add_parser("rmat", help="Graph500 R-MAT")
    r.add_argument("--scale", type=int, required=True)
    r.add_argument("--edge-factor", type=int, default=16)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--weights", action="store_true", help="Graph500 SSSP weights 1..255")
    f = sub.add_parser("fastgen", help="Hama's FastGraphGen")
    f.add_argument("-v", "--vertices", type=int, default=10)
    f.add_argument("-e", "--max-edges", type=int, default=3)
    f.add_argument("--seed", type=int)
    f.add_argument("-w", "--weight", type=int, default=0)
    for s in (r, f):
        s.add_argument("-o", "--output", required=True)
        s.add_argument("-t", "--tasks", type=int, default=1, help="part files")
        s.add_argument("-of", "--format", default="text", choices=["text", "json", "seq", "sequencefile"])
        s.add_argument("--compression", choices=["none", "record", "block"],
                       help="SequenceFile compression type (seq only; default none)")
        s.add_argument("--codec", help="SequenceFile codec for record/block: default, gzip, bzip2, snappy, lz4, "
                                       "zstd or a Java class name (seq only; default: default)")
        s.add_argument("-D", dest="defines", action="append", default=[], metavar="KEY=VALUE",
                       help="set a configuration key, e.g. -D fs.defaultFS=hdfs://nn:9000 (repeatable)")
        s.add_argument("-q", "--quiet", action="store_true")
    args = p.parse_args(argv)
    conf = conf_from_args(args)
    usage = r if args.kind == "rmat" else f
    seq = args.format in ("seq", "sequencefile")
    if not seq and (args.compression or args.codec):
        usage.error("--compression and --codec need --format seq")
    compression = args.compression or "none"
    codec = args.codec or "default"
    if args.codec and compression == "none":
        usage.error("--codec needs --compression record or block")
    if compression != "none":
        try:
            get_codec(codec)
        except CodecError as exc:  # unknown name or missing Python library
            usage.error(f"--codec: {exc}")
    start = time.perf_counter()
    weights: np.ndarray | None
    if args.kind == "rmat":
        n = 1 << args.scale
        src, dst = rmat(args.scale, args.edge_factor, args.seed)
        weights = rmat_weights(len(src), args.seed + 1) if args.weights else None
    else:
        n = args.vertices
        src, dst = fastgen(n, args.max_edges, args.seed)
        weights = np.full(len(src), args.weight, dtype=np.int64) if (args.weight or args.format == "json") else None
    if seq:
        meta = {"generator": args.kind, "vertices": str(n), "edges": str(len(src))}
        files = write_sequencefile(args.output, n, src, dst, weights, parts=args.tasks, compression=compression,
                                   codec=codec, metadata=meta, conf=conf)
    else:
        writer = write_json if args.format == "json" else write_adjacency
        files = writer(args.output, n, src, dst, weights, parts=args.tasks, conf=conf)
    if not args.quiet:
        print(f"{args.kind}: {n} vertices, {len(src)} edges -> {len(files)} file(s) in {qualify(args.output, conf)} "
              f"({time.perf_counter() - start:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
