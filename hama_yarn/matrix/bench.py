"""Hama's RandBench: random peer-to-peer messages of a fixed size for a number of supersteps.

For ``supersteps.num`` supersteps (counted from ``peer.get_superstep_count()``, so a
restarted peer resumes where the job is), every peer sends ``communications.num``
messages of ``msg.size`` random bytes to random peers, then syncs.  No input, no
output; the counters (``TOTAL_MESSAGES_SENT``, ``TOTAL_MESSAGE_BYTES_TRANSFERED``,
``TIME_IN_SYNC_MS``) are the result.  ``--numpy`` sends uint8 arrays (raw-buffer
messages) instead of ``bytes``.

Run::

    hama example bench SIZE_OF_MSG N_COMMUNICATIONS N_SUPERSTEPS [-n PEERS] [--numpy]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ..bsp import BSP, BSPPeer
from ..config import HamaConfiguration
from ..errors import UsageError

__all__ = ["RandBench", "bench_job", "main"]

SIZE_KEY = "msg.size"
COMM_KEY = "communications.num"
STEPS_KEY = "supersteps.num"
NUMPY_KEY = "bench.numpy"


class RandBench(BSP):
    """Hama's ``RandBench``."""

    def bsp(self, peer: BSPPeer) -> None:
        conf = peer.get_configuration()
        size = conf.get_int(SIZE_KEY, 1)
        count = conf.get_int(COMM_KEY, 1)
        steps = conf.get_int(STEPS_KEY, 1)
        as_array = conf.get_bool(NUMPY_KEY, False)
        names = peer.get_all_peer_names()
        send = peer.send
        if as_array:
            import numpy as np  # only --numpy needs it: importing numpy costs a peer 0.1-0.4 s

            rng = np.random.default_rng(peer.get_peer_index() + 1)
        else:
            import random

            draw = random.Random(peer.get_peer_index() + 1)  # the destinations
            destinations = range(len(names))
            random_bytes = _random_bytes()
        for _ in range(peer.get_superstep_count(), steps):
            # One draw of count * size random bytes per superstep, cut into messages (a draw per
            # message costs more than the messaging).
            if as_array:
                dest = rng.integers(0, len(names), count).tolist()
                block = rng.integers(0, 256, (count, size), dtype=np.uint8)
                for k, i in enumerate(dest):
                    send(names[i], block[k])
            else:
                blob = random_bytes(count * size)
                for k, i in enumerate(draw.choices(destinations, k=count)):
                    send(names[i], blob[k * size : (k + 1) * size])
            peer.sync()
            received = 0
            for msg in peer.messages():
                received += len(msg)
            peer.increment_counter("bench", "BYTES_RECEIVED", received)


def _random_bytes() -> Callable[[int], bytes]:
    """The fastest source of random payload bytes here without numpy: OpenSSL's generator
    (~4 GB/s with AES-NI; ``random.randbytes`` and ``os.urandom`` make ~0.2 GB/s)."""
    try:
        import ssl
    except ImportError:  # pragma: no cover - a Python built without OpenSSL
        import os

        return os.urandom
    return ssl.RAND_bytes


def bench_job(conf: HamaConfiguration, size: int, count: int, steps: int, num_tasks: int | None = None,
              as_array: bool = False) -> Any:
    """A ready-to-submit :class:`~hama_yarn.job.BSPJob` for RandBench."""
    from ..job import BSPJob

    job = BSPJob(conf, RandBench)
    job.set_job_name("randbench")
    job.set_input_format("null")
    job.set_output_format("null")
    job.set(SIZE_KEY, str(size))
    job.set(COMM_KEY, str(count))
    job.set(STEPS_KEY, str(steps))
    job.set(NUMPY_KEY, "true" if as_array else "false")
    if num_tasks:
        job.set_num_bsp_task(num_tasks)
    return job


def main(argv: list[str] | None = None) -> int:
    """``hama example bench SIZE_OF_MSG N_COMMUNICATIONS N_SUPERSTEPS [-n PEERS] [--numpy]``."""
    from ..cli.common import add_conf_args, conf_from_args, run_job

    p = argparse.ArgumentParser(prog="hama example bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("size", type=int, help="bytes per message (msg.size)")
    p.add_argument("count", type=int, help="messages per peer per superstep (communications.num)")
    p.add_argument("steps", type=int, help="supersteps (supersteps.num)")
    p.add_argument("-n", "--num-tasks", type=int, default=None)
    p.add_argument("--numpy", action="store_true", help="send uint8 arrays (raw-buffer messages)")
    add_conf_args(p)
    args = p.parse_args(argv)
    if min(args.size, args.count, args.steps) < 0:
        raise UsageError("sizes must not be negative")
    job = bench_job(conf_from_args(args), args.size, args.count, args.steps, args.num_tasks, args.numpy)
    return run_job(job, quiet=getattr(args, "quiet", False))


if __name__ == "__main__":
    sys.exit(main())
