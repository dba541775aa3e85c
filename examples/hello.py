"""Hello BSP: for a few supersteps every peer greets every peer, and writes what it got.

Run::

    hama example hello -n 3 --supersteps 3 -o /tmp/hello-out
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hama_yarn import BSP, BSPJob
from hama_yarn.cli.common import add_conf_args, conf_from_args, run_job


class Hello(BSP):
    """All-to-all greetings for ``hello.supersteps`` supersteps."""

    def bsp(self, peer: Any) -> None:
        supersteps = int(peer.get_configuration().get("hello.supersteps") or 3)
        for _ in range(supersteps):
            for name in peer.get_all_peer_names():
                peer.send(name, f"Hello from {peer.get_peer_name()} in superstep {peer.get_superstep_count()}")
            peer.sync()
            for msg in peer.messages():
                peer.write(peer.get_superstep_count(), msg)


def main(argv: list[str] | None = None) -> int:
    """``hama example hello [-n PEERS] [--supersteps K] [-o OUT]``."""
    p = argparse.ArgumentParser(prog="hama example hello", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", "--num-tasks", type=int, default=3, help="number of peers (default 3)")
    p.add_argument("--supersteps", type=int, default=3, help="how many supersteps (default 3)")
    p.add_argument("-o", "--output", help="output directory (default: none)")
    add_conf_args(p)
    args = p.parse_args(argv)
    job = BSPJob(conf_from_args(args), Hello)
    job.set_job_name("hello")
    job.set_num_bsp_task(args.num_tasks)
    job.set("hello.supersteps", args.supersteps)
    if args.output:
        job.set_output_path(args.output)
    return run_job(job, quiet=getattr(args, "quiet", False))


if __name__ == "__main__":
    sys.exit(main())
