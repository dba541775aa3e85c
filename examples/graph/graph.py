"""Run one of the graph package's algorithms from the command line.

Usage::

    python examples/graph/graph.py ALGO -i INPUT -o OUTPUT [-n PEERS] [options] [-D k=v] [-r local|inline|yarn]

ALGO: pagerank (Hama's semantics), pagerank-graphalytics, sssp, bfs, mindist, wcc,
cdlp, lcc, inlink, bipartite (Hama's input ``A L:B D``; ``--seed``), kcore (symmetric
adjacency), semi (semi-clustering; ``--format semi`` reads Hama's ``id<TAB>nbr-w,nbr-w``).
``--vectorized`` runs pagerank-graphalytics, sssp, bfs or wcc on the numpy path
(:mod:`hama_yarn.graph.vectorized`).  Input formats (``--format``): adjacency (default,
``id<TAB>dst dst:weight ...``), edgelist (Graphalytics ``.v``/``.e``; pass both
files comma-separated, add ``--undirected`` for undirected edge files), json
(Hama's fastgen), sequencefile.  Output: ``id<TAB>value`` in OUTPUT/part-*.

Examples::

    python examples/graph/graph.py bfs --source 1 -i tests/graph/data/graphalytics/example/example-directed-input -o /tmp/bfs
    python examples/graph/graph.py pagerank-graphalytics --iterations 2 -i .../example-directed-input -o /tmp/pr
"""

from __future__ import annotations

import argparse
import logging
import sys

from hama_yarn.cli.common import add_conf_args, conf_from_args, run_job
from hama_yarn.graph import GraphJob
from hama_yarn.graph.algorithms import bipartite, cdlp, components, inlink, kcore, lcc, pagerank, paths, semicluster

log = logging.getLogger(__name__)

ALGOS = ["pagerank", "pagerank-graphalytics", "sssp", "bfs", "mindist", "wcc", "cdlp", "lcc", "inlink",
         "bipartite", "kcore", "semi"]


def build(args: argparse.Namespace) -> GraphJob:
    """A configured GraphJob for *args*."""
    job = GraphJob(conf_from_args(args))
    job.set_job_name(f"graph-{args.algorithm}")
    job.set_num_bsp_task(args.num_tasks)
    job.set_input_format("adjacency" if args.format == "semi" else args.format)
    if args.undirected:
        job.set("hama.graph.undirected", "true")
    job.set_input_path(args.input)
    job.set_output_path(args.output)
    a = args.algorithm
    if a == "pagerank":
        pagerank.configure_hama(job, args.damping, args.iterations or 30)
    elif a == "pagerank-graphalytics":
        pagerank.configure_graphalytics(job, args.damping, args.iterations or 10)
    elif a in ("sssp", "bfs"):
        if not args.source:
            raise SystemExit(f"{a} needs --source")
        (paths.configure_sssp if a == "sssp" else paths.configure_bfs)(job, args.source)
    elif a == "mindist":
        components.configure_mindist(job, args.iterations or 30)
    elif a == "wcc":
        components.configure_wcc(job)
    elif a == "cdlp":
        cdlp.configure_cdlp(job, args.iterations or 10)
    elif a == "lcc":
        lcc.configure_lcc(job)
    elif a == "bipartite":
        bipartite.configure_bipartite(job, args.iterations or 30, args.seed)
    elif a == "kcore":
        kcore.configure_kcore(job)
    elif a == "semi":
        if args.format == "semi":
            job.set_vertex_input_reader_class(semicluster.SemiClusterReader)
        semicluster.configure_semicluster(job, args.iterations or 10)
    else:
        inlink.configure_inlink(job)
    if args.vectorized:
        job.set_vectorized(True)
    return job


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the job; return the exit code."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("algorithm", choices=ALGOS)
    p.add_argument("-i", "--input", required=True)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("-n", "--num-tasks", type=int, default=2)
    p.add_argument("--format", default="adjacency", choices=["adjacency", "edgelist", "json", "sequencefile", "semi"])
    p.add_argument("--undirected", action="store_true", help="edgelist: add every edge both ways")
    p.add_argument("--source", help="source vertex (sssp, bfs)")
    p.add_argument("--iterations", type=int, help="iterations (pagerank, cdlp, mindist)")
    p.add_argument("--damping", type=float, default=0.85)
    p.add_argument("--seed", type=int, help="bipartite: random seed")
    p.add_argument("--vectorized", action="store_true",
                   help="numpy fast path (pagerank, pagerank-graphalytics, sssp, bfs, wcc)")
    add_conf_args(p)
    args = p.parse_args(argv)
    return run_job(build(args), quiet=getattr(args, "quiet", False))


if __name__ == "__main__":
    sys.exit(main())
