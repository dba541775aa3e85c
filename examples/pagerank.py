"""PageRank over a text adjacency list, written with the plain BSP API.

Input: lines ``vertex<TAB>neighbour neighbour ...`` (the bundled graph is Zachary's
karate club, examples/data/karate.txt).  Each peer owns the vertices that hash to
it; superstep 0 routes every adjacency line to its owner, superstep 1 counts the
vertices, then every superstep sends each owner one bundle of rank contributions.
Dangling vertices' rank is spread evenly (LDBC Graphalytics semantics, the same as
networkx.pagerank).  The job stops after ``pagerank.iterations`` supersteps or when
the global L1 change falls below ``pagerank.tolerance``.

Output: ``vertex<TAB>rank``.

Run::

    hama example pagerank                      # bundled graph, prints the top ranks
    hama example pagerank -i graph.txt -o out -n 4
"""

from __future__ import annotations

import argparse
import os
import sys
import zlib
from typing import Any

from hama_yarn import BSP, BSPJob
from hama_yarn.cli.common import add_conf_args, conf_from_args, run_job
from hama_yarn.cli.exampleio import bundled_input, read_output, scratch_dir

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "karate.txt")


def owner(vertex: str, num_peers: int) -> int:
    """The peer that owns *vertex* (stable across processes)."""
    return zlib.crc32(vertex.encode()) % num_peers


class PageRank(BSP):
    """Synchronous PageRank; one superstep per iteration."""

    def setup(self, peer: Any) -> None:
        conf = peer.get_configuration()
        self.damping = float(conf.get("pagerank.damping") or 0.85)
        self.iterations = int(conf.get("pagerank.iterations") or 50)
        self.tolerance = float(conf.get("pagerank.tolerance") or 1e-10)

    def bsp(self, peer: Any) -> None:
        names = peer.get_all_peer_names()
        n = len(names)

        # Superstep 0: send each adjacency list to the owner of its vertex; announce
        # destination vertices too, so vertices without a line of their own exist.
        routed: list[list[tuple[str, list[str] | None]]] = [[] for _ in range(n)]
        while (record := peer.read_next()) is not None:
            vertex, neighbours = record
            targets = neighbours.split()
            routed[owner(vertex, n)].append((vertex, targets))
            for t in targets:
                routed[owner(t, n)].append((t, None))
        for i, batch in enumerate(routed):
            if batch:
                peer.send(names[i], batch)
        peer.sync()

        adjacency: dict[str, list[str]] = {}
        for batch in peer.messages():
            for vertex, targets in batch:
                edges = adjacency.setdefault(vertex, [])
                if targets:
                    edges.extend(targets)

        # Superstep 1: the total number of vertices.
        for name in names:
            peer.send(name, len(adjacency))
        peer.sync()
        total = sum(peer.messages())

        d = self.damping
        rank = dict.fromkeys(adjacency, 1.0 / total)
        delta = float("inf")
        for _ in range(self.iterations):
            contributions: list[dict[str, float]] = [{} for _ in range(n)]
            dangling = 0.0
            for vertex, targets in adjacency.items():
                if targets:
                    share = rank[vertex] / len(targets)
                    for t in targets:
                        c = contributions[owner(t, n)]
                        c[t] = c.get(t, 0.0) + share
                else:
                    dangling += rank[vertex]
            for i, name in enumerate(names):
                peer.send(name, (contributions[i], dangling, delta))
            peer.sync()

            incoming: dict[str, float] = {}
            dangling_total = 0.0
            previous_delta = 0.0
            for contribution, dangling_part, delta_part in peer.messages():
                dangling_total += dangling_part
                previous_delta += delta_part
                for t, x in contribution.items():
                    incoming[t] = incoming.get(t, 0.0) + x
            if previous_delta < self.tolerance:
                break  # every peer sees the same global change and stops together
            base = (1.0 - d) / total + d * dangling_total / total
            new = {v: base + d * incoming.get(v, 0.0) for v in adjacency}
            delta = sum(abs(new[v] - rank[v]) for v in adjacency)
            rank = new
            peer.increment_counter("pagerank", "ITERATIONS", 1 if peer.get_peer_index() == 0 else 0)

        for vertex in sorted(rank):
            peer.write(vertex, repr(rank[vertex]))


def main(argv: list[str] | None = None) -> int:
    """``hama example pagerank [-i IN] [-o OUT] [-n PEERS] [--iterations K] ...``."""
    p = argparse.ArgumentParser(prog="hama example pagerank", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-i", "--input", help="adjacency list (default: the bundled karate club graph)")
    p.add_argument("-o", "--output", help="output directory (default: print the top ranks)")
    p.add_argument("-n", "--num-tasks", type=int, default=3, help="number of peers (default 3)")
    p.add_argument("--iterations", type=int, default=50, help="maximum iterations (default 50)")
    p.add_argument("--damping", type=float, default=0.85, help="damping factor (default 0.85)")
    p.add_argument("--tolerance", type=float, default=1e-10, help="stop when the L1 change is below this")
    p.add_argument("--top", type=int, default=10, help="how many ranks to print without -o")
    add_conf_args(p)
    args = p.parse_args(argv)
    job = BSPJob(conf_from_args(args), PageRank)
    job.set_job_name("pagerank")
    job.set_num_bsp_task(args.num_tasks)
    job.set_input_format("keyvalue")
    job.set("pagerank.iterations", args.iterations)
    job.set("pagerank.damping", args.damping)
    job.set("pagerank.tolerance", args.tolerance)
    # the bundled graph is a local file (staged to HDFS for YARN peers); output printed
    # without -o goes to a temporary directory on the job's filesystem, removed afterwards
    with scratch_dir(job.conf, "hama-pagerank") as scratch:
        job.set_input_path(args.input or bundled_input(DATA, job.conf, scratch))
        out = args.output or f"{scratch}/out"
        job.set_output_path(out)
        code = run_job(job, quiet=getattr(args, "quiet", False))
        if code == 0 and not args.output:
            ranks = read_ranks(out, job.conf)
            print(f"Top {min(args.top, len(ranks))} of {len(ranks)} vertices by PageRank:")
            for vertex, value in sorted(ranks.items(), key=lambda kv: -kv[1])[: args.top]:
                print(f"{vertex}\t{value:.6f}")
    return code


def read_ranks(out: str, conf: Any = None) -> dict[str, float]:
    """Read ``vertex<TAB>rank`` lines from every ``part-*`` file of *out* (on the job's filesystem)."""
    ranks: dict[str, float] = {}
    for line in read_output(out, conf):
        vertex, value = line.split("\t")
        ranks[vertex] = float(value)
    return ranks


if __name__ == "__main__":
    sys.exit(main())
