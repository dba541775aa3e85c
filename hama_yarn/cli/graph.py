"""Run a graph algorithm of the graph package (pagerank, sssp, bfs, wcc, cdlp, lcc, ...).

The command ``hama graph`` (also ``hama example graph``).  Usage::

    hama graph ALGORITHM [-i INPUT] [-o OUTPUT] [-n PEERS] [--format F] [--source ID]
               [--iterations K] [--vectorized] [-D key=value]... [-r local|inline|yarn]
    hama example graph ALGORITHM ...          (the same command)

ALGORITHM: pagerank (Hama's semantics), pagerank-graphalytics, sssp, bfs, mindist, wcc,
cdlp, lcc, inlink, bipartite (Hama's input ``A L:B D``; ``--seed``), kcore (symmetric
adjacency), semi (semi-clustering; ``--format semi`` reads Hama's ``id<TAB>nbr-w,nbr-w``).
``--vectorized`` runs pagerank, pagerank-graphalytics, sssp, bfs or wcc on the numpy
path.  Input formats (``--format``): adjacency (default, ``id<TAB>dst dst:weight ...``),
edgelist (Graphalytics ``.v``/``.e``: pass both files comma-separated, ``--undirected``
for undirected edge files), json (Hama's fastgen), sequencefile (``hama example gen -of
seq``).  Paths are resolved like every job's (``hdfs://...``, ``file:///...``, or
against ``fs.defaultFS``).  Output: ``id<TAB>value`` in OUTPUT/part-*; without ``-o``
the values are printed (the first ``--show`` vertices by id).  Without ``-i`` the
bundled graph (Zachary's karate club) is used.

Examples::

    hama graph pagerank                                        # bundled graph, prints ranks
    hama graph bfs --source 1 -i graph.txt -o /tmp/bfs -n 4
    hama graph pagerank-graphalytics --iterations 10 --vectorized -r yarn \\
        -i hdfs://nn:9000/graphs/g -o hdfs://nn:9000/out/pr

Exit codes: 0 success, 1 the job failed, 2 usage error (bad option, missing input).
"""

from __future__ import annotations

import argparse
from typing import Any

from ..graph.algorithms import ALGORITHMS as _VERTEX_CLASSES
from .common import add_conf_args, conf_from_args, run_job
from .exampleio import bundled_input, read_output, scratch_dir

__all__ = ["add_parser", "main", "handle", "ALGORITHMS", "FORMATS"]

#: Algorithm names (those of :data:`hama_yarn.graph.algorithms.ALGORITHMS`).
ALGORITHMS = list(_VERTEX_CLASSES)
FORMATS = ["adjacency", "edgelist", "json", "sequencefile", "semi"]


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("algorithm", choices=ALGORITHMS, metavar="ALGORITHM", help=", ".join(ALGORITHMS))
    p.add_argument("-i", "--input", help="input path(s), comma-separated (default: the bundled karate club graph)")
    p.add_argument("-o", "--output", help="output directory (default: print the values)")
    p.add_argument("-n", "--num-tasks", type=int, default=2, help="number of peers (default 2)")
    p.add_argument("--format", default="adjacency", choices=FORMATS, help="input format (default adjacency)")
    p.add_argument("--undirected", action="store_true", help="edgelist: add every edge both ways")
    p.add_argument("--source", help="source vertex id (sssp, bfs)")
    p.add_argument("--iterations", type=int, help="iterations (pagerank*, cdlp, mindist, bipartite, semi)")
    p.add_argument("--damping", type=float, default=0.85, help="PageRank damping factor (default 0.85)")
    p.add_argument("--seed", type=int, help="bipartite: random seed")
    p.add_argument("--vectorized", action="store_true",
                   help="numpy fast path (pagerank, pagerank-graphalytics, sssp, bfs, wcc)")
    p.add_argument("--show", type=int, default=20, help="vertices printed without -o (default 20)")
    add_conf_args(p)


def add_parser(sub: Any) -> None:
    """Register ``hama graph``."""
    p = sub.add_parser("graph", help="run a graph algorithm (pagerank, sssp, bfs, wcc, ...)", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    p.set_defaults(handler=handle)


def main(argv: list[str] | None = None) -> int:
    """``hama example graph ALGORITHM ...``: parse *argv* and run (errors go to the ``hama`` funnel)."""
    p = argparse.ArgumentParser(prog="hama example graph", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    return handle(p.parse_args(argv))


def handle(args: argparse.Namespace) -> int:
    """Build the graph job of *args*, run it, and print its values when there is no ``-o``."""
    from ..errors import UsageError
    from ..graph import GraphJob
    from ..graph.algorithms.catalog import configure
    from ..resources import data_path

    if args.num_tasks < 1:
        raise UsageError(f"-n must be at least 1, got {args.num_tasks}")
    if not args.input and args.format != "adjacency":
        raise UsageError(f"--format {args.format} needs an input (-i PATH)")
    quiet = bool(getattr(args, "quiet", False))
    job = GraphJob(conf_from_args(args))
    job.set_job_name(f"graph-{args.algorithm}")
    job.set_num_bsp_task(args.num_tasks)
    job.set_input_format("adjacency" if args.format == "semi" else args.format)
    if args.undirected:
        job.set("hama.graph.undirected", "true")
    configure(job, args.algorithm, source=args.source, iterations=args.iterations, damping=args.damping,
              seed=args.seed, semi_reader=args.format == "semi")
    if args.vectorized:
        job.set_vectorized(True)
    with scratch_dir(job.conf, f"hama-graph-{args.algorithm}") as scratch:
        job.set_input_path(args.input or bundled_input(data_path("examples") / "data" / "karate.txt", job.conf,
                                                       scratch))
        out = args.output or f"{scratch}/out"
        job.set_output_path(out)
        code = run_job(job, quiet=quiet)
        if code == 0 and not args.output:
            _print_values(read_output(out, job.conf), args.show)
    return code


def _print_values(lines: list[str], show: int) -> None:
    from ..graph.algorithms import label_key

    lines.sort(key=lambda line: label_key(line.partition("\t")[0]))
    for line in lines[:max(show, 0)]:
        print(line)
    if len(lines) > show:
        print(f"... and {len(lines) - max(show, 0)} more vertices (use -o DIR to keep the whole output)")
