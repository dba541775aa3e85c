"""PageRank and SSSP on a graph stored in HBase (or on files), output to HBase or files.

Usage::

    python examples/hbase_graph.py pagerank|pagerank-graphalytics|sssp -if hbase -t TABLE
        [--edge-family edges] (-o OUT | --output-table TABLE [--output-column cf:value])
        [-n PEERS] [--iterations N] [--source ID] [--vectorized] [-D k=v] [-r local|yarn]
    python examples/hbase_graph.py ... -if adjacency -i INPUT ...     # same job on a text graph

A graph table has one row per vertex and the out-edges in one column family
(qualifier = target id, value = weight); make one from an adjacency file with::

    hama hbase create graph -f edges
    hama hbase load graph -i file://$PWD/examples/data/karate.txt --graph edges
    python examples/hbase_graph.py pagerank -if hbase -t graph --output-table ranks
    hama hbase dump ranks
"""

from __future__ import annotations

import argparse
import logging
import sys

from hama_yarn.cli.common import add_conf_args, conf_from_args, run_job
from hama_yarn.cli.main import EXIT_FAILED, EXIT_USAGE, USAGE_ERRORS
from hama_yarn.errors import HamaError
from hama_yarn.graph import GraphJob
from hama_yarn.graph.algorithms import pagerank, paths
from hama_yarn.graph.hbase import configure_hbase_input, configure_hbase_output

ALGOS = ["pagerank", "pagerank-graphalytics", "sssp"]


def build(args: argparse.Namespace) -> GraphJob:
    """A configured GraphJob for *args*."""
    job = GraphJob(conf_from_args(args))
    job.set_job_name(f"hbase-{args.algorithm}")
    job.set_num_bsp_task(args.num_tasks)
    if args.input_format == "hbase":
        if not args.table:
            raise SystemExit("-if hbase needs -t TABLE")
        configure_hbase_input(job, args.table, args.edge_family)
    else:
        if not args.input:
            raise SystemExit(f"-if {args.input_format} needs -i INPUT")
        job.set_input_format(args.input_format)
        job.set_input_path(args.input)
    if args.output_table:
        configure_hbase_output(job, args.output_table, args.output_column)
    elif args.output:
        job.set_output_path(args.output)
    else:
        raise SystemExit("give -o OUT or --output-table TABLE")
    if args.algorithm == "pagerank":
        pagerank.configure_hama(job, args.damping, args.iterations or 30)
    elif args.algorithm == "pagerank-graphalytics":
        pagerank.configure_graphalytics(job, args.damping, args.iterations or 10)
    else:
        if not args.source:
            raise SystemExit("sssp needs --source")
        paths.configure_sssp(job, args.source)
    if args.vectorized:
        job.set_vectorized(True)
    return job


def main(argv: list[str] | None = None) -> int:
    """Parse *argv*, run the job, return the exit code."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("algorithm", choices=ALGOS)
    p.add_argument("-if", "--input-format", default="hbase", choices=["hbase", "adjacency", "edgelist", "json",
                                                                      "sequencefile"])
    p.add_argument("-t", "--table", help="input table (-if hbase)")
    p.add_argument("--edge-family", default="edges")
    p.add_argument("-i", "--input", help="input path (other formats)")
    p.add_argument("-o", "--output", help="output directory (text)")
    p.add_argument("--output-table", help="write id -> value into this HBase table")
    p.add_argument("--output-column", default="cf:value")
    p.add_argument("-n", "--num-tasks", type=int, default=2)
    p.add_argument("--iterations", type=int)
    p.add_argument("--damping", type=float, default=0.85)
    p.add_argument("--source", help="sssp source vertex")
    p.add_argument("--vectorized", action="store_true", help="numpy path (pagerank-graphalytics, sssp)")
    add_conf_args(p)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return run_job(build(args), quiet=getattr(args, "quiet", False))
    except USAGE_ERRORS as exc:
        print(f"hbase_graph: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except HamaError as exc:
        print(f"hbase_graph: error: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
