"""Run one of the graph package's algorithms: a thin wrapper of ``hama graph`` (:mod:`hama_yarn.cli.graph`).

Usage::

    python examples/graph/graph.py ALGO [-i INPUT] [-o OUTPUT] [-n PEERS] [options] [-D k=v] [-r local|inline|yarn]

is the same as ``hama graph ALGO ...`` and ``hama example graph ALGO ...`` (same options,
error messages and exit codes); see ``hama graph -h``.

Examples::

    hama graph bfs --source 1 -i tests/graph/data/graphalytics/example/example-directed-input -o /tmp/bfs
    hama graph pagerank-graphalytics --iterations 2 -i .../example-directed-input -o /tmp/pr
"""

from __future__ import annotations

import sys

from hama_yarn.cli.main import main as hama_main


def main(argv: list[str] | None = None) -> int:
    """Run ``hama graph`` with *argv* (default: the command line); return the exit code."""
    return hama_main(["graph", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
