"""Combiners: every peer sends 1, 2 and 3 to every peer; a sum combiner delivers one 6 per sender.

Hama 0.7 semantics: all messages a peer sends to one destination peer in a
superstep are combined into one before sending.

Run::

    hama example combine -n 3 -o /tmp/combine-out
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any

from hama_yarn import BSP, BSPJob, Combiner
from hama_yarn.cli.common import add_conf_args, conf_from_args, run_job


class SumCombiner(Combiner):
    """Adds the messages up."""

    def combine(self, messages: Iterable[int]) -> int:
        return sum(messages)


class CombineExample(BSP):
    """Sends 1, 2, 3 to every peer and writes what arrives."""

    def bsp(self, peer: Any) -> None:
        for name in peer.get_all_peer_names():
            for value in (1, 2, 3):
                peer.send(name, value)
        peer.sync()
        for msg in peer.messages():
            peer.write(peer.get_peer_name(), msg)


def main(argv: list[str] | None = None) -> int:
    """``hama example combine [-n PEERS] [-o OUT]``."""
    p = argparse.ArgumentParser(prog="hama example combine", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", "--num-tasks", type=int, default=3, help="number of peers (default 3)")
    p.add_argument("-o", "--output", help="output directory (default: none)")
    add_conf_args(p)
    args = p.parse_args(argv)
    job = BSPJob(conf_from_args(args), CombineExample)
    job.set_job_name("combine")
    job.set_num_bsp_task(args.num_tasks)
    job.set_combiner_class(SumCombiner)
    if args.output:
        job.set_output_path(args.output)
    return run_job(job, quiet=getattr(args, "quiet", False))


if __name__ == "__main__":
    sys.exit(main())
