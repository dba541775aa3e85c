"""Monte Carlo estimate of pi: every peer throws darts, the master peer averages.

Hama's ``PiEstimator``: each peer samples ``pi.iterations`` points in the unit
square and sends its estimate ``4 * inside / iterations`` to the master peer
(task 0), which writes the average.

Run::

    hama example pi -n 4 --iterations 1000000
"""

from __future__ import annotations

import argparse
import random
import sys
from typing import Any

from hama_yarn import BSP, BSPJob
from hama_yarn.cli.common import add_conf_args, conf_from_args, run_job
from hama_yarn.cli.exampleio import read_output, scratch_dir


class PiEstimator(BSP):
    """Each peer estimates pi; peer 0 averages the estimates."""

    def bsp(self, peer: Any) -> None:
        iterations = int(peer.get_configuration().get("pi.iterations") or 100000)
        rng = random.Random(int(peer.get_configuration().get("pi.seed") or 0) * 7919 + peer.get_peer_index())
        rnd = rng.random
        inside = sum(1 for _ in range(iterations) if rnd() ** 2 + rnd() ** 2 <= 1.0)
        peer.send(peer.get_peer_name(0), 4.0 * inside / iterations)
        peer.sync()
        if peer.get_peer_index() == 0:
            estimates = list(peer.messages())
            peer.write("Estimated value of PI is", sum(estimates) / len(estimates))


def main(argv: list[str] | None = None) -> int:
    """``hama example pi [-n PEERS] [--iterations K] [-o OUT]``."""
    p = argparse.ArgumentParser(prog="hama example pi", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", "--num-tasks", type=int, default=2, help="number of peers (default 2)")
    p.add_argument("--iterations", type=int, default=100000, help="darts per peer (default 100000)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("-o", "--output", help="output directory (default: print the estimate)")
    add_conf_args(p)
    args = p.parse_args(argv)
    job = BSPJob(conf_from_args(args), PiEstimator)
    job.set_job_name("pi")
    job.set_num_bsp_task(args.num_tasks)
    job.set("pi.iterations", args.iterations)
    job.set("pi.seed", args.seed)
    if args.output:
        job.set_output_path(args.output)
        return run_job(job, quiet=getattr(args, "quiet", False))
    # no -o: a temporary output on the job's filesystem (HDFS when fs.defaultFS says so), removed afterwards
    with scratch_dir(job.conf, "hama-pi") as scratch:
        job.set_output_path(f"{scratch}/out")
        code = run_job(job, quiet=getattr(args, "quiet", False))
        if code == 0:
            for line in read_output(f"{scratch}/out", job.conf):
                print(line)
    return code


if __name__ == "__main__":
    sys.exit(main())
